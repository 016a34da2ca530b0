"""Search over the archive: the query language of topics, ranked, with snippets.

    query text ─► parse (QueryError with a column) ─► candidate plan (bot/match/plan.py)
      ─► ranked candidates from the index (bot/store/search_sqlite.py: BM25 × recency,
         filters, ties by id) ─► the matcher confirms each one and marks its hits
      ─► near-duplicates folded into "also in" (bot/stories/sketch.py) ─► a page

The index finds a superset of what the matcher matches, and only what the matcher
confirms is shown, so a query means here what it means in a topic. Pages are computed
from the top of the ranking every time (the ranking is total: ties by id), so page 2
continues page 1 exactly, copies included.

`total` counts matching articles (copies folded under "also in" included). Candidate ids
are ranked RANK_WINDOW at a time, so a query with fewer candidates is counted from them.
Otherwise, when the index answers the query exactly (see bot/match/plan.py and
SqliteSearch.exact), it is the index's count, less the rare marked articles (read
differently by the two tokenizers) the matcher does not confirm; else it is estimated
from the share confirmed on the way to the page (`total_exact` false).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import UsageError
from bot.match.matcher import CompiledQuery, build_document, describe
from bot.match.plan import Plan, UnsearchableQuery, plan_query
from bot.store.search_sqlite import Filters, SqliteSearch, StoredArticle
from bot.stories.cluster import Stories

CONFIRM_LIMIT = 200  # candidates the matcher confirms one by one to count exactly (at most)
RANK_WINDOW = 200  # candidate ids read at once (ids and scores only)
BROAD_SHARE = 0.5  # a query the index says is in more of the archive than this is refused
BROAD_MIN_ARTICLES = 10_000  # ... once the archive is this big
SORTS = ("relevance", "date")
MAX_LIMIT = 200


@dataclass(frozen=True)
class SearchRequest:
    query: str
    since: datetime | None = None
    until: datetime | None = None
    topic: str | None = None
    feed: str | None = None
    language: str | None = None
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0


@dataclass
class Result:
    """One story on the page: its best-ranked article and where else it ran."""

    id: int
    title: str
    url: str | None
    feed: str
    published: datetime
    topics: tuple[str, ...]
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    also_in: list[dict] = field(default_factory=list)  # [{"feed", "url", "id"}]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "feed": self.feed,
            "published": self.published.isoformat(),
            "topics": list(self.topics),
            "score": self.score,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
            "also_in": self.also_in,
        }


@dataclass
class SearchResults:
    total: int
    total_exact: bool
    results: list[Result]

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "total_exact": self.total_exact,
            "results": [r.as_dict() for r in self.results],
        }


class Refused(UsageError):
    """A query search will not run (it would read nearly the whole archive)."""


def search(
    index: SqliteSearch, feeds: Mapping[str, int], request: SearchRequest, now: datetime
) -> SearchResults:
    """Run a search. `feeds` maps feed names to ids (for feed filters). QueryError for a
    query that does not parse or that the index cannot read (bot/store/search_sqlite.py
    checks each expression before it runs); Refused for one that would read everything;
    UsageError for a bad option. Nothing else, whatever the query text."""
    if request.sort not in SORTS:
        raise UsageError(f"search: --sort must be one of {', '.join(SORTS)}")
    if not 1 <= request.limit <= MAX_LIMIT or request.offset < 0:
        raise UsageError(f"search: --limit takes 1 to {MAX_LIMIT}, --offset 0 or more")
    query = CompiledQuery(request.query)
    try:
        plan = plan_query(query.node)
    except UnsearchableQuery as exc:
        raise Refused(f"search: {exc}") from None
    filters = _filters(plan, request, feeds)
    with index.session():
        walk = _Walk(index, query, plan, filters, request, now)
        walk.start()
        results = walk.page()
        total, exact = walk.total()
    return SearchResults(total, exact, results)


def _filters(plan: Plan, request: SearchRequest, feeds: Mapping[str, int]) -> Filters:
    """The query's top-level filters and the command's options, as one Filters."""
    by_name = {name.casefold(): feed_id for name, feed_id in feeds.items()}
    if request.feed is not None and request.feed.casefold() not in by_name:
        raise UsageError(f"search: no feed named {request.feed!r} (see `python -m bot feeds`)")
    wanted_feeds = [f.value for f in plan.filters if f.name == "feed"] + (
        [request.feed] if request.feed is not None else []
    )
    wanted_languages = [f.value.lower() for f in plan.filters if f.name == "lang"] + (
        [request.language.lower()] if request.language else []
    )
    feed_ids = _all_of([{by_name.get(name.casefold())} - {None} for name in wanted_feeds])
    languages = _all_of([{code} for code in wanted_languages])
    return Filters(
        since=request.since,
        until=request.until,
        # lang:en lang:es: no language is both; an empty list of feeds matches nothing.
        languages=tuple(sorted(languages)) if languages is not None else (),
        excluded_languages=tuple(f.value.lower() for f in plan.excluded if f.name == "lang"),
        feed_ids=tuple(sorted(feed_ids)) if feed_ids is not None else None,
        excluded_feed_ids=tuple(
            by_name[f.value.casefold()]
            for f in plan.excluded
            if f.name == "feed" and f.value.casefold() in by_name
        ),
        topic=request.topic,
    ) if languages != set() else Filters(feed_ids=())  # fmt: skip


def _all_of(sets: list[set]) -> set | None:
    """The intersection of the sets; None when there are none (no condition)."""
    return set.intersection(*sets) if sets else None


def _refuse_if_broad(index: SqliteSearch, found: int) -> None:
    """Refused when `found` is most of a big archive (`the`, `de OR la`, `inm*` in an
    immigration archive): ranking it would read nearly every article."""
    size = index.size()
    if size >= BROAD_MIN_ARTICLES and found > BROAD_SHARE * size:
        raise Refused(
            f"search: this query is in more than {BROAD_SHARE:.0%} of the {size:,} articles, "
            'so it would read nearly all of them; add a more specific word or a "phrase", '
            "or use a longer prefix"
        )


class _Walk:
    """The ranked candidates, confirmed and grouped into stories from the top down."""

    def __init__(self, index, query, plan, filters, request, now):
        self.index, self.query, self.plan = index, query, plan
        self.filters, self.request, self.now = filters, request, now
        self.found = 0  # the index's count, filters aside
        self.counted: int | None = None  # the index's count with the filters (ranking's)
        self.ranked: list[tuple[int, float]] = []  # (id, score) read so far, best first
        self.exhausted = False  # every candidate is in self.ranked
        self.verdicts: dict[int, bool] = {}  # id → confirmed by the matcher
        self.past = 0  # candidates read past the page

    def start(self) -> None:
        """Count, then rank the first candidates. Unfiltered, the index counts a query
        before anything is ranked (without positions or rows, a millisecond for 20,000
        hits), and a query in most of a big archive is refused there. A query narrowed
        by filters is counted by its ranking and not refused: its user asked for a part
        of the archive."""
        if self.filters == Filters():
            self.found = self.counted = self.index.count(self.plan, self.filters)
            _refuse_if_broad(self.index, self.found)
        self._rank_more()

    def _rank_more(self) -> bool:
        """Read the next candidates (ids and scores only: cheap, so many at once)."""
        if self.exhausted:
            return False
        want = self.request.offset + self.request.limit
        limit = max(RANK_WINDOW, want + 5, 2 * len(self.ranked))
        ranking = self.index.ranked(
            self.plan, self.filters, sort=self.request.sort, offset=len(self.ranked),
            limit=limit, now=self.now,
        )  # fmt: skip
        more = ranking.rows
        if ranking.total is not None:
            self.counted = ranking.total
        self.ranked += more
        self.exhausted = len(more) < limit
        return bool(more)

    def _candidates(self) -> Iterator[tuple[StoredArticle, float]]:
        """Candidates with their text, best first; texts are read a page at a time."""
        chunk = self.request.offset + self.request.limit + 5
        position = 0
        while position < len(self.ranked) or self._rank_more():
            batch = self.ranked[position : position + chunk]
            position += len(batch)
            found = self.index.articles([article_id for article_id, _ in batch])
            for article_id, score in batch:
                if article_id in found:
                    yield found[article_id], score

    def page(self) -> list[Result]:
        want = self.request.offset + self.request.limit
        stories = Stories()
        results: dict[int, Result] = {}  # by leading article
        for article, score in self._candidates():
            if len(results) >= want:
                # Past the page, only copies of its stories matter (for "also in"): the
                # cheap sketch first, the matcher only for those.
                story, _ = stories.find(article.title, _body(article), article.published)
                if story is not None and self._confirmed(article) is not None:
                    results[story.lead].also_in += _copies(article, own=True)
                self.past += 1
                if self.past > 5:  # a few candidates past the page: enough for its copies
                    break
                continue
            doc = _document(article)
            hits = self._confirmed(article, doc)
            if hits is None:
                continue
            story = stories.add(article.id, article.title, _body(article), article.published)
            if story is not None:
                results[story.lead].also_in += _copies(article, own=True)
                continue
            results[article.id] = _result(article, score, describe("search", hits, doc))
        page = list(results.values())[self.request.offset : want]
        for result in page:
            _add_copies(result)
        return page

    def _confirmed(self, article: StoredArticle, doc=None):
        """The matcher's hits on the article (None: it does not match); remembered."""
        hits = self.query.evaluate(doc or _document(article))
        self.verdicts[article.id] = hits is not None
        return hits

    def total(self) -> tuple[int, bool]:
        """(matching articles, whether that is exact): see the module's docstring."""
        if self.exhausted and len(self.verdicts) == len(self.ranked):
            return sum(self.verdicts.values()), True
        if self.index.exact(self.plan):
            return self._exact_total()
        if self.exhausted and len(self.ranked) <= CONFIRM_LIMIT:
            self._confirm([i for i, _ in self.ranked if i not in self.verdicts])
            return sum(self.verdicts.values()), True
        candidates = self._candidate_count()
        share = sum(self.verdicts.values()) / len(self.verdicts) if self.verdicts else 1.0
        return max(sum(self.verdicts.values()), round(candidates * share)), False

    def _exact_total(self) -> tuple[int, bool]:
        """The index's count, less its marked candidates the matcher does not confirm."""
        candidates = self._candidate_count()
        marked = self.index.marked_ids(self.plan, self.filters, CONFIRM_LIMIT + 1)
        if len(marked) > CONFIRM_LIMIT:
            return candidates, False
        self._confirm([i for i in marked if i not in self.verdicts])
        return candidates - sum(1 for i in marked if not self.verdicts[i]), True

    def _candidate_count(self) -> int:
        return len(self.ranked) if self.exhausted else self.counted

    def _confirm(self, ids: list[int]) -> None:
        for article in self.index.articles(ids).values():
            self.verdicts[article.id] = self.query.evaluate(_document(article)) is not None


def _body(article: StoredArticle) -> str:
    return article.summary if not article.content else f"{article.summary}\n{article.content}"


def _document(article: StoredArticle):
    return build_document(
        article.title, article.summary, article.content,
        language=article.language, feed=article.feed,
    )  # fmt: skip


def _result(article: StoredArticle, score: float, match) -> Result:
    return Result(
        id=article.id,
        title=article.title,
        url=article.url,
        feed=article.feed,
        published=article.published,
        topics=article.topics,
        score=round(score, 4),
        snippet=match.snippet,
        highlights=match.highlights,
        also_in=_copies(article, own=False),
    )


def _copies(article: StoredArticle, *, own: bool) -> list[dict]:
    """The article (own) and its exact copies in other feeds, as "also in" entries."""
    places = [(article.feed, article.url)] if own else []
    return [{"feed": f, "url": u, "id": article.id} for f, u in places + list(article.copies)]


def _add_copies(result: Result) -> None:
    """Copies folded in come with their own exact copies (sightings) too; one line per
    feed, the result's own feed left out."""
    seen = {result.feed}
    unique = []
    for copy in result.also_in:
        if copy["feed"] not in seen:
            seen.add(copy["feed"])
            unique.append(copy)
    result.also_in = unique
