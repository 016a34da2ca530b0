"""How well topics match a labeled set: precision and recall per topic and language, and
why each miss and each false hit happened (`python -m bot evaluate`, the relevance tests).

Labeled items are the dev sets' JSON Lines: `id, title, summary, content, language,
topics` (the gold topic ids; `feed` is read when present, for `feed:` filters). The
verdict for an item is the Matcher's, exactly as `classify` and ingestion decide it.

"Why" is plain and honest, read off the parsed query with the reference meaning
(bot/match/reference.py), one top-level OR branch at a time:
- a false hit: the branches that matched (named by their text, shortened) and the
  match's snippet with its hits;
- a miss: the topic's language list or its `exclude` (the exclude branch that matched)
  when those dropped it; otherwise the branch the item came nearest to (most of its
  required parts present, then most of its words) and which of those parts is absent.

Pure: lines in (strings), figures out; reading the file is the command's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.matcher import Document, Matcher, Topic, build_document
from bot.match.query import parse_query
from bot.match.reference import evaluate

ALL = "all"  # the row of a topic over every language
NAME_WIDTH = 90  # characters of a branch's text shown in a "why"


@dataclass(frozen=True)
class LabeledItem:
    id: str
    title: str
    summary: str
    content: str
    language: str | None
    topics: frozenset[str]
    feed: str | None = None

    def document(self) -> Document:
        return build_document(
            self.title, self.summary, self.content, language=self.language, feed=self.feed
        )


@dataclass(frozen=True)
class BadLine:
    line: int
    error: str


def parse_items(lines: Iterable[str]) -> tuple[list[LabeledItem], list[BadLine]]:
    """The labeled items in order, and the lines that are not (with their 1-based
    number and what is wrong). Blank lines are skipped quietly."""
    items: list[LabeledItem] = []
    bad: list[BadLine] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(_item(json.loads(line)))
        except ValueError as exc:  # json.JSONDecodeError is one
            bad.append(BadLine(number, str(exc)))
    return items, bad


def _item(raw: object) -> LabeledItem:
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    if not isinstance(raw.get("id"), str | int) or raw.get("id") == "":
        raise ValueError("no 'id'")
    labels = raw.get("topics")
    if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
        raise ValueError("'topics' must be a list of topic ids (strings)")
    texts = {}
    for key in ("title", "summary", "content", "language", "feed"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key!r} must be a string")
        texts[key] = value or ""
    return LabeledItem(
        id=str(raw["id"]),
        title=texts["title"],
        summary=texts["summary"],
        content=texts["content"],
        language=texts["language"] or None,
        topics=frozenset(labels),
        feed=texts["feed"] or None,
    )


@dataclass
class Cell:
    """One topic in one language (or ALL): counts and rates."""

    items: int = 0  # items in this language
    labeled: int = 0  # of them, labeled with the topic
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def matched(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {
            "items": self.items,
            "labeled": self.labeled,
            "matched": self.matched,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, and 1.0 when there is nothing to count."""
    return numerator / denominator if denominator else 1.0


@dataclass(frozen=True)
class Error:
    """A miss or a false hit, and why."""

    id: str
    language: str | None
    title: str
    why: str
    branch: str | None = None  # the branch that matched (false hit) or came nearest (miss)
    absent: tuple[str, ...] = ()  # a miss: the required parts of that branch not there
    snippet: str = ""
    highlights: tuple[tuple[int, int], ...] = ()

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "language": self.language,
            "title": self.title,
            "why": self.why,
            "branch": self.branch,
            "absent": list(self.absent),
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass
class TopicReport:
    topic: str
    cells: dict[str, Cell] = field(default_factory=dict)  # language (and ALL) → counts
    misses: list[Error] = field(default_factory=list)
    false_hits: list[Error] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "languages": {k: c.as_dict() for k, c in self.cells.items() if k != ALL},
            ALL: self.cells[ALL].as_dict(),
            "misses": [e.as_dict() for e in self.misses],
            "false_hits": [e.as_dict() for e in self.false_hits],
        }


@dataclass
class Report:
    items: int
    topics: list[TopicReport]
    unknown_topics: list[str]  # labels that name no topic of the configuration

    def below(self, precision: float, recall: float) -> list[tuple[str, str, Cell]]:
        """(topic, language, cell) of every topic×language under either floor."""
        return [
            (t.topic, language, cell)
            for t in self.topics
            for language, cell in t.cells.items()
            if language != ALL and (cell.precision < precision or cell.recall < recall)
        ]

    def as_dict(self) -> dict:
        return {
            "items": self.items,
            "topics": {t.topic: t.as_dict() for t in self.topics},
            "unknown_topics": self.unknown_topics,
        }


def evaluate_items(items: list[LabeledItem], topics: list[Topic]) -> Report:
    """Match every item against every topic and compare with its labels."""
    matcher = Matcher(topics)
    explainers = {t.id: Explainer(t) for t in topics}
    languages = sorted({_lang(i) for i in items})
    reports = {
        t.id: TopicReport(t.id, {lang: Cell() for lang in [*languages, ALL]}) for t in topics
    }
    for item in items:
        doc = item.document()
        found = {m.topic: m for m in matcher.match(doc)}
        for topic in topics:
            report = reports[topic.id]
            gold, hit = topic.id in item.topics, topic.id in found
            for cell in (report.cells[_lang(item)], report.cells[ALL]):
                cell.items += 1
                cell.labeled += gold
                cell.tp += gold and hit
                cell.fp += hit and not gold
                cell.fn += gold and not hit
            if gold and not hit:
                report.misses.append(explainers[topic.id].miss(item, doc))
            elif hit and not gold:
                report.false_hits.append(explainers[topic.id].false_hit(item, doc, found[topic.id]))
    known = {t.id for t in topics}
    unknown = sorted({label for i in items for label in i.topics} - known)
    return Report(len(items), list(reports.values()), unknown)


def _lang(item: LabeledItem) -> str:
    return item.language or "?"


class Explainer:
    """Why one topic matched or missed an item, branch by branch."""

    def __init__(self, topic: Topic):
        self.topic = topic
        self.branches = branches(parse_query(topic.query))
        self.excludes = branches(parse_query(topic.exclude)) if topic.exclude else []

    def false_hit(self, item: LabeledItem, doc: Document, match) -> Error:
        matched = [b for b in self.branches if evaluate(b, doc) is not None]
        names = [show(b) for b in matched]
        why = f"matched: {names[0]}" if names else "matched"
        if len(names) > 1:
            why += f" (and {len(names) - 1} more branch{'es' if len(names) > 2 else ''})"
        return Error(
            item.id,
            item.language,
            item.title,
            why,
            branch=names[0] if names else None,
            snippet=match.snippet,
            highlights=tuple(match.highlights),
        )

    def miss(self, item: LabeledItem, doc: Document) -> Error:
        def error(why: str, branch: str | None = None, absent: tuple[str, ...] = ()) -> Error:
            return Error(item.id, item.language, item.title, why, branch, absent)

        languages = self.topic.languages
        if languages and doc.language not in languages:
            return error(f"language {item.language} is not one of the topic's: {languages}")
        if any(evaluate(b, doc) is not None for b in self.branches):
            for b in self.excludes:
                if evaluate(b, doc) is not None:
                    return error(f"excluded by: {show(b)}", branch=show(b))
            return error("excluded")
        best = max(self.branches, key=lambda b: nearness(b, doc))
        parts_present, words_present = nearness(best, doc)
        if parts_present == 0 and words_present == 0:
            return error("nearest: none (no word of the query is in the item)")
        name = show(best)
        failing = [p for p in required_parts(best) if evaluate(p, doc) is None]
        absent = tuple(dict.fromkeys(_shown_part(p) for p in failing if not isinstance(p, Not)))
        blocking = [_shown_part(p.item) for p in failing if isinstance(p, Not)]
        why = f"nearest: {name}"
        if absent:
            why += f": absent: {'; '.join(absent)}"
        if blocking:
            why += f": present, and refused by its NOT: {'; '.join(blocking)}"
        if not failing:
            why += (
                f": both sides present, not within {best.distance} words"
                if isinstance(best, Near)
                else ": its parts are present, not together"
            )
        return error(why, name, absent)


def branches(node: Node) -> list[Node]:
    """The top-level OR branches of a query (the query itself when it is no OR)."""
    return list(node.items) if isinstance(node, Or) else [node]


def required_parts(node: Node) -> list[Node]:
    """What a branch needs all of: an AND's items (nested ANDs flattened), a NEAR's two
    sides (which must also be close), or the branch itself."""
    if isinstance(node, And):
        return [part for item in node.items for part in _conjuncts(item)]
    if isinstance(node, Near):
        return [node.left, node.right]
    return [node]


def _conjuncts(node: Node) -> list[Node]:
    return [p for item in node.items for p in _conjuncts(item)] if isinstance(node, And) else [node]


def _shown_part(node: Node) -> str:
    atomic = isinstance(node, Term | Phrase | Filter) or _hoisted(node, None) is not None
    return show(node) if atomic else f"({show(node)})"


def nearness(node: Node, doc: Document) -> tuple[float, int]:
    """How near an item comes to a branch: the share of its required parts present, then
    how many of its words (not under NOT) are in the item."""
    parts = required_parts(node)
    present = sum(evaluate(p, doc) is not None for p in parts)
    return present / len(parts) if parts else 0.0, sum(
        evaluate(leaf, doc) is not None for leaf in _leaves(node)
    )


def _leaves(node: Node) -> list[Node]:
    if isinstance(node, Term | Phrase):
        return [node]
    if isinstance(node, And | Or):
        return [leaf for item in node.items for leaf in _leaves(item)]
    if isinstance(node, Near):
        return _leaves(node.left) + _leaves(node.right)
    return []  # NOT parts and filters are no words the item should have


def show(node: Node, width: int = NAME_WIDTH) -> str:
    """A branch as query text, shortened: an OR of more than two shows its first item and
    `…`; words are shown folded, as the query compares them (except =EXACT ones)."""
    text = _show(node, None)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _show(node: Node, scope: str | None) -> str:
    hoisted = _hoisted(node, scope)
    if hoisted is not None:
        return f"{hoisted}:({_show(node, hoisted)})"
    if isinstance(node, Term):
        prefix = f"{node.field}:" if node.field and node.field != scope else ""
        mark = "*" if node.prefix else "~" if node.stem else ""
        return f"{prefix}{'=' if node.exact else ''}{node.word}{mark}"
    if isinstance(node, Phrase):
        prefix = f"{node.field}:" if node.field and node.field != scope else ""
        return f'{prefix}{"=" if node.exact else ""}"{" ".join(node.words)}"'
    if isinstance(node, Or):
        shown = [_wrapped(item, scope) for item in node.items[:2]]
        if len(node.items) > 2:
            shown = [shown[0], "…"]
        return " OR ".join(shown)
    if isinstance(node, And):
        return " AND ".join(_wrapped(item, scope) for item in node.items)
    if isinstance(node, Near):
        return f"{_wrapped(node.left, scope)} NEAR/{node.distance} {_wrapped(node.right, scope)}"
    if isinstance(node, Not):
        return f"NOT {_wrapped(node.item, scope)}"
    if isinstance(node, Filter):
        return f"{node.name}:{node.value}"
    return repr(node)


def _wrapped(node: Node, scope: str | None) -> str:
    text = _show(node, scope)
    atomic = isinstance(node, Term | Phrase | Filter | Not) or _hoisted(node, scope) is not None
    return text if atomic else f"({text})"


def _hoisted(node: Node, scope: str | None) -> str | None:
    """The field (title, body) every word of a compound node is scoped to, when it is not
    the scope already shown around it: written once, `body:(…)`."""
    if isinstance(node, Term | Phrase | Filter):
        return None
    fields = _fields(node)
    if len(fields) == 1:
        (only,) = fields
        if only is not None and only != scope:
            return only
    return None


def _fields(node: Node) -> set[str | None]:
    if isinstance(node, Term | Phrase):
        return {node.field}
    if isinstance(node, And | Or):
        return set().union(*(_fields(item) for item in node.items)) if node.items else set()
    if isinstance(node, Near):
        return _fields(node.left) | _fields(node.right)
    if isinstance(node, Not):
        return _fields(node.item)
    return {None}  # a filter is no field's
