"""What a digest is made of: candidates from the store, items and sections for the reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """One stored match of one article: what composition chooses from."""

    article_id: int
    topic: str
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    title: str
    url: str | None
    outlet: str | None
    feed: str
    published: datetime  # aware UTC
    found: datetime  # when the bot matched it (aware UTC)
    text: str = ""  # the opening of the article's text, for near-duplicate detection
    outlet_name: str | None = None  # the publisher's name, when its feed gave one
    language: str | None = None  # the article's language ("en", "es"), when known

    @property
    def source(self) -> str:
        """Who published it, as a reader knows them: the publisher's name when the feed
        gave it (Google News' <source>), else the feed's name, the host only if neither."""
        return self.outlet_name or self.feed or self.outlet or ""


@dataclass(frozen=True)
class Item:
    """One story: the best source first, then the other outlets that carried it."""

    lead: Candidate
    others: tuple[Candidate, ...] = ()

    @property
    def article_ids(self) -> list[int]:
        return [self.lead.article_id, *(c.article_id for c in self.others)]


@dataclass(frozen=True)
class Section:
    """One topic of a digest: its best stories, and how many more there were."""

    topic: str
    title: str
    items: tuple[Item, ...]
    more: int = 0  # stories beyond the per-topic limit

    @property
    def stories(self) -> int:
        return len(self.items) + self.more


@dataclass(frozen=True)
class Digest:
    """What one chat gets: a digest (daily summary) or an alert (found in the last poll)."""

    kind: str  # "digest" | "alert"
    chat_name: str
    timezone: str  # IANA name; times are shown in it
    created: datetime  # aware UTC
    since: datetime  # aware UTC: the start of what it covers
    sections: tuple[Section, ...]
    article_ids: frozenset[int] = field(default_factory=frozenset)  # everything it covers

    @property
    def empty(self) -> bool:
        return not self.sections
