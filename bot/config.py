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
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.durations import check_time_zone, parse_duration, parse_size
from bot.errors import ConfigError
from bot.match.query import QueryError, parse_query

DEFAULT_DATABASE_URL = "sqlite:///storage/bot.db"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster, same rules
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

Seconds = Annotated[float, BeforeValidator(parse_duration)]
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


class TopicConfig(_Strict):
    """One entry of `topics:`; its queries are parsed here, so `check` reports their errors."""

    title: str
    query: str = Field(min_length=1)
    exclude: str | None = None
    languages: list[str] = []
    alert: bool = False

    @field_validator("query", "exclude")
    @classmethod
    def _query_parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_query(value)
            except QueryError as exc:
                raise ValueError(str(exc)) from None
        return value

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
    if not database_url.startswith("sqlite:"):
        problems.append(
            "environment: DATABASE_URL: only sqlite:///PATH is supported in this version "
            "(PostgreSQL support is planned)"
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
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{label}: {where}invalid YAML: {problem}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{label}: expected a mapping with settings, feeds, topics, chats"])
    try:
        return BotConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, label)) from None


def _problems(exc: ValidationError, label: str) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        place = _place(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif error["type"] == "missing":
            message = "required"
        for line in message.split("\n"):
            # Cross-reference problems carry their own place at the start of the line.
            problems.append(f"{label}: {place + ': ' if place else ''}{line}")
    return problems


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
