"""feeds.yaml and the environment → validated, typed settings.

Read once, at start-up, by the CLI; everything else receives plain values. Every
problem is reported with its place (`feeds.yaml: feeds[3].url: not an http(s) URL`),
all at once, so a user fixes the file in one pass.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.durations import BareNumber, check_time_zone, parse_duration, parse_size
from bot.errors import ConfigError
from bot.match.query import MAX_NEAR, QueryError, parse_query
from bot.match.topic_shape import (
    DEFAULT_NEAR,
    ShapeError,
    compile_exclude,
    compile_shape,
    entry,
)

DEFAULT_DATABASE_URL = "sqlite:///storage/bot.db"
# sqlite:///PATH, or a PostgreSQL server (psycopg 3, whatever driver the URL names)
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster, same rules
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOP_LEVEL_LISTS = ("settings", "feeds", "topics", "chats", "admins")
EXCERPT_WIDTH = 60  # characters of feeds.yaml shown around a query error


def _duration(value: Any) -> float:
    try:
        return parse_duration(value, unit_required=True)
    except BareNumber as exc:  # `interval: 15`: seconds or minutes? The writer must say
        raise PydanticCustomError("bare_number", "{message}", {"message": str(exc)}) from None


Seconds = Annotated[float, BeforeValidator(_duration)]
Bytes = Annotated[int, BeforeValidator(parse_size)]


def _http_url(value: Any) -> str:
    if not isinstance(value, str) or urlsplit(value.strip()).scheme.lower() not in (
        "http",
        "https",
    ):
        raise ValueError("not an http(s) URL")
    parts = urlsplit(value.strip())
    if not parts.hostname:
        raise ValueError("URL has no host")
    return value.strip()


def _timezone(value: Any) -> str:
    return check_time_zone(str(value))


HttpUrl = Annotated[str, BeforeValidator(_http_url)]
TimeZone = Annotated[str, BeforeValidator(_timezone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    """The `settings:` block: service-wide knobs with sensible defaults."""

    timezone: TimeZone = "America/Los_Angeles"
    poll_interval: Seconds = 900.0
    digest_items: int = Field(10, ge=1, le=50)  # stories per topic in a digest, then "and K more"
    retention_days: int = Field(365, ge=1)
    max_concurrency: int = Field(20, ge=1, le=500)
    poll_workers: int = Field(0, ge=0, le=32)  # processes for big cycles; 0: one per core
    per_host_concurrency: int = Field(2, ge=1, le=50)
    connect_timeout: Seconds = 10.0
    read_timeout: Seconds = 30.0
    max_feed_bytes: Bytes = 10 * 1024 * 1024
    max_redirects: int = Field(5, ge=0, le=20)
    max_backoff: Seconds = 6 * 3600.0
    gone_retry: Seconds = 86400.0
    allow_private_hosts: list[str] = []
    commands_per_minute: int = Field(20, ge=1, le=600)  # per user, chat commands and buttons
    # Several worker processes (PostgreSQL): how long a claimed feed is a worker's alone
    # before another may take it over (a killed worker's feeds wait this long at most).
    feed_lease: Seconds = Field(120.0, ge=10.0, le=3600.0)


class FeedConfig(_Strict):
    """One entry of `feeds:`."""

    name: str = Field(min_length=1, max_length=200)
    url: HttpUrl
    interval: Seconds | None = None  # None: settings.poll_interval
    full_text: bool = False
    tags: list[str] = []
    language: str | None = None  # hint used when the feed does not declare one
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name_is_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


def _plain_entry(value: str) -> str:
    entry(value)  # ValueError: not a plain word or phrase
    return value.strip()


def _query_clause(value: str) -> str:
    try:
        parse_query(value)
    except QueryError as exc:  # the column is mapped back to feeds.yaml in _problems
        raise PydanticCustomError(
            "query_error", "{message}", {"message": str(exc), "column": exc.column}
        ) from None
    return value


ShapeEntry = Annotated[str, AfterValidator(_plain_entry)]
QueryClause = Annotated[str, AfterValidator(_query_clause)]
SHAPE_ONLY = ("context", "near", "described")


class TopicConfig(_Strict):
    """One entry of `topics:`; its queries are parsed here, so `check` reports their errors.

    Either a hand-written `query:` or the readable shape (`names`, `context`, `near`,
    `described`; bot/match/topic_shape.py), compiled here into `query`, so every consumer
    reads one query either way. `exclude` is a query or a list of words and phrases."""

    title: str
    description: str | None = None  # one line a reader understands (/topics)
    query: str | None = Field(None, min_length=1)  # the shape's compiled query when names
    exclude: str | None = None
    names: list[ShapeEntry] | None = None
    context: list[ShapeEntry] = []
    near: int = Field(DEFAULT_NEAR, ge=1, le=MAX_NEAR)
    described: list[QueryClause] = []
    languages: list[str] = []
    alert: bool = False

    @field_validator("exclude", mode="before")
    @classmethod
    def _exclude_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            try:
                return compile_exclude(value)
            except ShapeError as exc:
                where = exc.path.removeprefix("exclude")
                raise ValueError(
                    f"entry {where}: {exc.message}" if where else exc.message
                ) from None
        return value

    @field_validator("query", "exclude")
    @classmethod
    def _query_parses(cls, value: str | None) -> str | None:
        return None if value is None else _query_clause(value)

    @field_validator("names")
    @classmethod
    def _some_names(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("needs at least one name")
        return value

    @model_validator(mode="after")
    def _query_or_shape(self) -> TopicConfig:
        if self.query is not None and self.names is not None:
            raise ValueError("write either query: or names:, not both")
        if self.query is None and self.names is None:
            raise ValueError("write query: (the query language) or names: (a topic's shape)")
        if self.names is None:
            given = [key for key in SHAPE_ONLY if key in self.model_fields_set]
            if given:
                keys = ", ".join(f"{key}:" for key in given)
                raise ValueError(f"{keys} belong to a shape (names:), not to query:")
            return self
        try:
            compiled = compile_shape(self.names, self.context, self.near, self.described)
        except ShapeError as exc:
            raise ValueError(str(exc)) from None
        object.__setattr__(self, "query", compiled)  # frozen: set once, while validating
        return self

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"{code!r} is not a language code such as en or es")
        return value


class ChatConfig(_Strict):
    """One entry of `chats:`: where digests and alerts go."""

    id: int | str
    name: str
    topics: list[str] = []
    digest: str = "08:00"
    timezone: TimeZone | None = None
    alerts: list[str] = []
    quiet: bool = False
    thread: int | None = None

    @field_validator("id")
    @classmethod
    def _chat_id(cls, value: int | str) -> int | str:
        if isinstance(value, str) and not re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,}", value):
            raise ValueError("a chat id is a number or @channelname")
        return value

    @field_validator("digest", mode="before")
    @classmethod
    def _quoted_time(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 8:00 as the number 480 (base 60), 800 as 800.
        if isinstance(value, int | float) and not isinstance(value, bool):
            hours, minutes = divmod(int(value), 60)
            message = (
                f'{hours}:{minutes:02d} must be quoted: write digest: "{hours:02d}:{minutes:02d}"'
                if isinstance(value, int) and 0 <= value < 24 * 60
                else f'{value} is not a time: write a quoted time such as digest: "08:00"'
            )
            raise PydanticCustomError("unquoted_time", "{message}", {"message": message})
        return value

    @field_validator("digest")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from bot.digest.schedule import digest_trigger  # APScheduler: only when chats exist

        digest_trigger(value, "UTC")
        return value.strip()


class BotConfig(_Strict):
    """The whole of feeds.yaml."""

    settings: Settings = Settings()
    feeds: list[FeedConfig] = []
    topics: dict[str, TopicConfig] = {}
    chats: list[ChatConfig] = []
    admins: list[int] = []

    @model_validator(mode="after")
    def _cross_references(self) -> BotConfig:
        problems = []
        seen: dict[str, int] = {}
        for index, feed in enumerate(self.feeds):
            key = feed.name.casefold()
            if key in seen:
                problems.append(
                    f"feeds[{index}].name: duplicate of feeds[{seen[key]}] ({feed.name!r})"
                )
            seen.setdefault(key, index)
        for index, chat in enumerate(self.chats):
            for field in ("topics", "alerts"):
                for topic in getattr(chat, field):
                    if topic not in self.topics:
                        problems.append(f"chats[{index}].{field}: unknown topic {topic!r}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def feed(self, name: str) -> FeedConfig | None:
        return next((f for f in self.feeds if f.name.casefold() == name.casefold()), None)


class Environment(BaseModel):
    """Settings taken from the environment (and .env)."""

    model_config = ConfigDict(frozen=True)

    telegram_token: str | None = Field(None, repr=False)  # never printed
    telegram_api_base_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    config_path: Path = Path("feeds.yaml")
    log_level: str = "INFO"


def load_environment(environ: Mapping[str, str] | None = None) -> Environment:
    """Read the environment; ConfigError lists what is wrong (the token is never echoed)."""
    env = os.environ if environ is None else environ
    problems = []
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token and not re.fullmatch(r"\d{3,}:[A-Za-z0-9_-]{20,}", token):
        problems.append(
            "environment: TELEGRAM_BOT_TOKEN: does not look like a bot token "
            "(expected digits, a colon and a long key, as @BotFather gives it)"
        )
    base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or None
    if base_url:
        try:
            _http_url(base_url)
        except ValueError as exc:
            problems.append(f"environment: TELEGRAM_API_BASE_URL: {exc}")
    database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    scheme = database_url.partition("://")[0].lower()
    if scheme not in DATABASE_SCHEMES:
        problems.append(
            f"environment: DATABASE_URL: {scheme or database_url!r} is not a supported "
            "database; use sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DB"
        )
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        problems.append(
            f"environment: LOG_LEVEL: {log_level!r} is not one of {', '.join(LOG_LEVELS)}"
        )
    if problems:
        raise ConfigError(problems)
    return Environment(
        telegram_token=token,
        telegram_api_base_url=base_url,
        database_url=database_url,
        config_path=Path(env.get("BOT_CONFIG", "").strip() or "feeds.yaml"),
        log_level=log_level,
    )


def load_config(path: Path) -> BotConfig:
    """Read and validate feeds.yaml; ConfigError lists every problem with its place."""
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found (set BOT_CONFIG to your feeds.yaml)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    return parse_config(text, label)


def parse_config(text: str, label: str = "feeds.yaml") -> BotConfig:
    """Validate the text of a feeds.yaml; `label` prefixes every message."""
    root, data = _compose(text, label)
    if data is not None and not isinstance(data, dict):
        raise ConfigError([f"{label}: expected a mapping with settings, feeds, topics, chats"])
    data = dict(data or {})
    problems = _blank_problems(data, label)
    try:
        config = BotConfig.model_validate(data)
    except ValidationError as exc:
        problems += _problems(exc, label, _Source(text, root))
    if problems:
        raise ConfigError(problems)
    return config


def _compose(text: str, label: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (marks: the line of each key) and its data, in one pass."""
    loader = SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        return root, None if root is None else loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(exc, text, label)]) from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError, text: str, label: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"{label}: invalid YAML: {problem}"
    line, column = mark.line, mark.column
    lines = text.split("\n")
    here = lines[line] if line < len(lines) else ""
    if "\t" not in here[column : column + 1] and "tab" not in problem:
        indent = here[: len(here) - len(here.lstrip(" \t"))]
        if "\t" not in indent:
            return f"{label} line {line + 1}, column {column + 1}: invalid YAML: {problem}"
        column = indent.index("\t")  # a tab in the indentation threw the structure off
    return f"{label} line {line + 1}, column {column + 1}: a tab; YAML indents with spaces only"


def _blank_problems(data: dict, label: str) -> list[str]:
    """An empty or comment-only file is refused, not read as "no feeds": polling with it
    would disable every feed it listed before. Keys left without a value (their entries
    commented out) are named, instead of pydantic's "Input should be a valid list"."""
    blank = [key for key in TOP_LEVEL_LISTS if key in data and data[key] is None]
    for key in blank:
        del data[key]
    if not any(key in data for key in ("feeds", "topics", "chats")):
        why = (
            f"{' and '.join(k + ':' for k in blank)} without entries (commented out?)"
            if blank
            else "the file is empty or only comments"
            if not data
            else "the file has only " + " and ".join(data)
        )
        return [
            f"{label} has no feeds, topics or chats: {why}; refused, so that the feeds "
            "stored from it stay as they are (write feeds: [] to run with none)"
        ]
    empty = {"settings": "{}", "topics": "{}"}
    return [
        f"{label}: {key}: has no entries; list them under it or write {key}: {empty.get(key, '[]')}"
        for key in blank
    ]


class _Source:
    """feeds.yaml's text and node tree: where a value is written, for messages."""

    def __init__(self, text: str, root: yaml.Node | None):
        self.lines = text.split("\n")
        self.root = root

    def node(self, loc: tuple[Any, ...]) -> yaml.Node | None:
        node = self.root
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == str(part)), None)
                node = node if found is None and isinstance(part, str) else found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                node = node.value[part] if part < len(node.value) else None
            elif not isinstance(part, str):  # a str here: pydantic's union branch label
                return None
        return node

    def raw(self, loc: tuple[Any, ...]) -> str | None:
        """A scalar as written (`8:00`, not the 480 YAML 1.1 reads it as)."""
        node = self.node(loc)
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def places(self, loc: tuple[Any, ...], value: str) -> list[tuple[int, int]] | None:
        """(line, column), 0-based, in the file of each character of a string value and of
        the place after it; None when the value cannot be lined up with its text."""
        node = self.node(loc)
        if not isinstance(node, yaml.ScalarNode):
            return None
        start, end = node.start_mark, node.end_mark
        cells = []
        for line in range(start.line, min(end.line, len(self.lines) - 1) + 1):
            text = self.lines[line] + "\n"
            first = start.column if line == start.line else 0
            last = end.column if line == end.line else len(text)
            cells += [(text[column], line, column) for column in range(first, last)]
        if node.style in ("|", ">"):  # the text starts on the line after the indicator
            cells = cells[next((i + 1 for i, c in enumerate(cells) if c[0] == "\n"), 0) :]
        elif node.style in ('"', "'"):
            cells = cells[1:-1]
        return _line_up(value, cells)


def _line_up(value: str, cells: list[tuple[str, int, int]]) -> list[tuple[int, int]] | None:
    """Each character of `value` at its cell of the YAML text it was read from: the text
    less its quotes, escapes, indentation and folded line breaks, in the same order."""
    places: list[tuple[int, int]] = []
    at = 0
    for index, char in enumerate(value):
        if char.isspace():  # a space, or a line break folded into one
            if at < len(cells) and cells[at][0].isspace():
                places.append(cells[at][1:])
                at += 1
                if index + 1 == len(value) or not value[index + 1].isspace():
                    while at < len(cells) and cells[at][0].isspace():
                        at += 1
            elif cells:
                places.append(cells[min(at, len(cells) - 1)][1:])  # an escape such as \n
            else:
                return None
            continue
        skipped = 0
        while at < len(cells) and cells[at][0] != char:
            skipped += not cells[at][0].isspace()
            if skipped > 10:  # quotes and escapes are short: this is not the same text
                return None
            at += 1
        if at == len(cells):
            return None
        places.append(cells[at][1:])
        at += 1
    if not places:
        return None
    line, column = places[-1]
    return [*places, (line, column + 1)]


def _excerpt(line: str, column: int) -> tuple[str, str]:
    """About EXCERPT_WIDTH characters of `line` around `column` (0-based), and a caret
    line under that column, as QueryError.pointer draws it."""
    line = line.rstrip("\r\n").replace("\t", " ")
    indent = len(line) - len(line.lstrip(" "))
    start = max(0, min(column - EXCERPT_WIDTH // 2, len(line) - EXCERPT_WIDTH))
    start = 0 if start < 8 else start  # a few characters more rather than an ellipsis
    start = max(start, min(indent, column))  # the indentation says nothing
    end = start + EXCERPT_WIDTH
    cut = bool(line[:start].strip())
    shown = ("…" if cut else "") + line[start:end] + ("…" if end < len(line) else "")
    caret_column = column - start + cut
    return QueryError(caret_column + 1, "").pointer(shown, len(shown) + 1)


def _problems(exc: ValidationError, label: str, source: _Source | None = None) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        place = _place(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif error["type"] == "missing":
            message = "required"
        elif error["type"] == "query_error":
            problems.append(_query_problem(error, label, place, source))
            continue
        elif source is not None and error["type"] in ("bare_number", "unquoted_time"):
            message = _as_written(error, source.raw(error["loc"])) or message
        for line in message.split("\n"):
            # Cross-reference problems carry their own place at the start of the line.
            problems.append(f"{label}: {place + ': ' if place else ''}{line}")
    return problems


def _as_written(error: Any, raw: str | None) -> str | None:
    """The message for a number YAML read from what was written: `8:00` is 480 to it."""
    key = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
    if raw is None:
        return None
    if error["type"] == "bare_number":
        if re.fullmatch(r"\d+(\.\d+)?", raw):
            return None  # as read: the validator's own message says it right
        number = error["input"]
        return (
            f"{raw} is not a duration (YAML reads it as the number {number}): "
            f"write {number}m or {number}s"
        )
    hours, _, rest = raw.partition(":")
    if not hours.isdigit() or not rest:
        return f'{raw} is not a time: write a quoted time such as {key}: "08:00"'
    return f'{raw} must be quoted: write {key}: "{int(hours):02d}:{rest}"'


def _query_problem(error: Any, label: str, place: str, source: _Source | None) -> str:
    """`feeds.yaml line 14: topics.mpp.query: query error at column 57: …` and the line
    of the file (or of the query) with a caret under the character."""
    value, column = error["input"], error["ctx"]["column"]
    index = max(0, min(column - 1, len(value)))
    places = source.places(error["loc"], value) if source is not None else None
    if places is not None:
        line, at = places[index]
        shown, caret = _excerpt(source.lines[line], at)
    else:  # the query's own line, numbered from where the query starts
        node = source.node(error["loc"]) if source is not None else None
        line = node.start_mark.line if node is not None else None
        before = value[:index]
        own_line = value.split("\n")[before.count("\n")]
        shown, caret = _excerpt(own_line, index - (before.rfind("\n") + 1))
    head = f"{label} line {line + 1}" if line is not None else label
    return f"{head}: {place}: {error['ctx']['message']}\n    {shown}\n    {caret}"


def _place(loc: tuple[Any, ...]) -> str:
    place = ""
    for part in loc:
        if isinstance(part, int):
            place += f"[{part}]"
        elif "[" in str(part) or "-" in str(part):
            continue  # pydantic's union branch labels ("function-before[...]"): not a place
        else:
            place += f".{part}" if place else str(part)
    return place
