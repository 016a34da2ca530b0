"""Value types shared across the bot: what a feed entry becomes, and what a poll reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The one clock: aware UTC, so stored and compared times never mix zones."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class RawEntry:
    """One feed entry as a parser found it, before normalization (text may hold HTML)."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    summary: str | None = None  # description / summary (HTML allowed)
    content: str | None = None  # full content if the feed carries it (HTML allowed)
    author: str | None = None
    published: datetime | None = None  # aware UTC, or None when absent/unparseable
    updated: datetime | None = None
    language: str | None = None  # entry-level language hint (xml:lang), raw form
    source_title: str | None = None  # <source> element: the real publisher (Google News)
    source_url: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """What a parser made of a body: entries plus feed-level facts."""

    entries: list[RawEntry]
    title: str | None = None
    link: str | None = None
    language: str | None = None
    bozo: str | None = None  # why the body was not well-formed, when it was not (still usable)
    format: str = "unknown"  # "rss20", "atom10", "rss10", "json1", … as the parser names it


@dataclass(frozen=True)
class Article:
    """A normalized entry, ready to store: plain text, canonical URL, UTC times."""

    feed: str  # feed name
    entry_id: str  # stable id within its feed
    url: str | None  # canonical URL
    title: str
    summary: str
    content: str
    author: str | None
    published: datetime  # aware UTC, never in the future
    language: str | None  # ISO 639-1 code, lower case
    outlet: str | None  # the publisher's site (host without www.)
    title_key: str  # normalized title, for cross-feed dedup
    content_hash: str  # changes when title/summary/content change
    outlet_name: str | None = None  # the publisher's name, when the feed says (<source>)


@dataclass
class FeedOutcome:
    """How one feed's poll went; summed into a PollSummary."""

    feed: str
    status: str  # "ok", "not_modified", "failed", "parked"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    error: str | None = None
    bozo: str | None = None
    next_poll: datetime | None = None


@dataclass(repr=False)
class PollSummary:
    """The result of one poll cycle, as printed by `poll` (--json keeps these names)."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None  # why nothing was polled (another cycle holds the lock)

    def __repr__(self) -> str:
        """The counts, not every outcome: asyncio.run formats its result's repr once as
        it ends (an enum lookup of its SIGINT handler fails and says what it was given),
        and 2,000 outcomes in full cost a re-poll ~10 ms."""
        counts = ", ".join(f"{k}={v}" for k, v in self.as_dict().items() if k != "errors")
        return f"PollSummary({counts})"

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def total(self, attr: str) -> int:
        return sum(getattr(o, attr) for o in self.outcomes)

    def as_dict(self) -> dict:
        return {
            "feeds": len(self.outcomes),
            "ok": self.count("ok"),
            "not_modified": self.count("not_modified"),
            "failed": self.count("failed") + self.count("parked"),
            "new": self.total("new"),
            "updated": self.total("updated"),
            "duplicates": self.total("duplicates"),
            "unchanged": self.total("unchanged"),
            "seconds": round(self.seconds, 3),
            "errors": {o.feed: o.error for o in self.outcomes if o.error},
            **({"skipped": self.skipped} if self.skipped else {}),
        }

    @property
    def exit_code(self) -> int:
        """0 when some feed worked or there was nothing to do; 1 when every feed failed."""
        if not self.outcomes:
            return 0
        worked = self.count("ok") + self.count("not_modified")
        return 0 if worked else 1


@dataclass(frozen=True)
class FeedSpec:
    """A feed as the operator declared it (feeds.yaml, an OPML import or a chat command)."""

    name: str
    url: str
    interval: float | None = None  # seconds; None: the global poll interval
    full_text: bool = False
    tags: tuple[str, ...] = ()
    language: str | None = None
    enabled: bool = True
    origin: str = "config"  # config | opml | chat


@dataclass(frozen=True)
class FeedState:
    """A feed's stored row: its spec plus what polling has learned about it."""

    id: int
    name: str
    url: str
    config_url: str
    origin: str
    enabled: bool
    interval: float | None
    full_text: bool
    tags: tuple[str, ...]
    language: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    next_poll_at: datetime | None
    parked_reason: str | None
    bozo: str | None
    articles: int = 0


ROLES = ("all", "worker", "telegram")  # `run --role`: what one process of the service does
HEARTBEAT_SECONDS = 30  # how often a service process writes its row (bot/store/leases.py)
