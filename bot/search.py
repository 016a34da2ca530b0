"""Search over the archive: the query language of topics, ranked, with snippets.

    query text ─► parse (QueryError with a column) ─► candidate plan (bot/match/sql.py)
      ─► ranked candidates from the index (bot/store/search_sqlite.py: BM25 × recency,
         filters, ties by id) ─► the matcher confirms each one and marks its hits
      ─► near-duplicates folded into "also in" (bot/cluster.py) ─► a page

The index finds a superset of what the matcher matches, and only what the matcher
confirms is shown, so a query means here what it means in a topic. Pages are computed
from the top of the ranking every time (the ranking is total: ties by id), so page 2
continues page 1 exactly, copies included.

`total` counts matching articles (copies folded under "also in" included). When the
index answers the query exactly (no NEAR, no =EXACT, no filter inside OR) it is the
index's count, corrected by the matcher for the rare articles whose text the two
tokenizers read differently; otherwise every candidate is confirmed, up to
CONFIRM_LIMIT, beyond which `total` is an estimate (`total_exact` false).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.cluster import Stories
from bot.errors import UsageError
from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.matcher import CompiledQuery, build_document, describe
from bot.match.sql import Plan, UnsearchableQuery, plan_query
from bot.store.search_sqlite import Filters, SqliteSearch, StoredArticle

CONFIRM_LIMIT = 200  # candidates the matcher confirms one by one to count exactly
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
    query that does not parse; Refused for one that would read everything; UsageError
    for a bad option."""
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
        _refuse_broad(index, plan)
        walk = _Walk(index, query, plan, filters, request, now)
        results = walk.page()
        total, exact = walk.total()
    return SearchResults(total, exact, results)


def _filters(plan: Plan, request: SearchRequest, feeds: Mapping[str, int]) -> Filters:
    """The query's top-level filters and the command's options, as one Filters."""
    by_name = {name.casefold(): feed_id for name, feed_id in feeds.items()}
    languages: set[str] | None = None
    feed_ids: set[int] | None = None
    wanted_feeds = [f.value for f in plan.filters if f.name == "feed"]
    if request.feed is not None:
        if request.feed.casefold() not in by_name:
            raise UsageError(f"search: no feed named {request.feed!r} (see `python -m bot feeds`)")
        wanted_feeds.append(request.feed)
    for name in wanted_feeds:
        found = {by_name[name.casefold()]} if name.casefold() in by_name else set()
        feed_ids = found if feed_ids is None else feed_ids & found
    wanted_languages = [f.value.lower() for f in plan.filters if f.name == "lang"]
    if request.language:
        wanted_languages.append(request.language.lower())
    for code in wanted_languages:
        languages = {code} if languages is None else languages & {code}
    return Filters(
        since=request.since,
        until=request.until,
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


def _refuse_broad(index: SqliteSearch, plan: Plan) -> None:
    """Refuse a query whose words are in most of a big archive (`the`, `de la`, `inm*`
    in an immigration archive): it would rank nearly every article."""
    words, prefixes = set(), set()
    _lookups(plan.text, words, prefixes)
    counts = index.term_counts(sorted(words), sorted(prefixes))
    size = index.size()
    estimate = _estimate(plan.text, counts)
    if size >= BROAD_MIN_ARTICLES and estimate > BROAD_SHARE * size:
        share = min(1.0, estimate / size)
        raise Refused(
            f"search: this query would read about {share:.0%} of the {size:,} articles "
            "(its words are in nearly all of them); add a more specific word or a "
            '"phrase", or use a longer prefix'
        )


def _lookups(node: Node, words: set[str], prefixes: set[str]) -> None:
    if isinstance(node, Term):
        (prefixes if node.prefix else words).add(node.word)
    elif isinstance(node, Phrase):
        words.update(node.words)
    elif isinstance(node, Near):
        _lookups(node.left, words, prefixes)
        _lookups(node.right, words, prefixes)
    elif isinstance(node, And | Or):
        for item in node.items:
            _lookups(item, words, prefixes)


def _estimate(node: Node, counts: Mapping[str, int]) -> int:
    """An upper bound on the articles the index will find for the node."""
    if isinstance(node, Term):
        return counts.get(node.word + ("*" if node.prefix else ""), 0)
    if isinstance(node, Phrase):
        return min(counts.get(w, 0) for w in node.words)
    if isinstance(node, Near):
        return min(_estimate(node.left, counts), _estimate(node.right, counts))
    if isinstance(node, Or):
        return sum(_estimate(item, counts) for item in node.items)
    if isinstance(node, And):
        found = [_estimate(i, counts) for i in node.items if not isinstance(i, Not | Filter)]
        return min(found) if found else 0
    return 0


class _Walk:
    """The ranked candidates, confirmed and grouped into stories from the top down."""

    def __init__(self, index, query, plan, filters, request, now):
        self.index, self.query, self.plan = index, query, plan
        self.filters, self.request, self.now = filters, request, now
        self.seen = 0  # candidates read
        self.confirmed = 0
        self.exhausted = False  # every candidate was read

    def _candidates(self) -> Iterator[tuple[StoredArticle, float]]:
        want = self.request.offset + self.request.limit
        batch = want + 5  # a little more: copies of the page's last stories
        while True:
            ranked = self.index.ranked(
                self.plan, self.filters, sort=self.request.sort, offset=self.seen,
                limit=batch, now=self.now,
            )  # fmt: skip
            self.seen += len(ranked)
            found = self.index.articles([article_id for article_id, _ in ranked])
            for article_id, score in ranked:
                if article_id in found:
                    yield found[article_id], score
            if len(ranked) < batch:
                self.exhausted = True  # every candidate was read (and confirmed or not)
                return
            batch *= 2

    def page(self) -> list[Result]:
        want = self.request.offset + self.request.limit
        stories = Stories()
        results: dict[int, Result | None] = {}  # by leading article; None: past the page
        for article, score in self._candidates():
            doc = _document(article)
            hits = self.query.evaluate(doc)
            if hits is None:
                continue
            self.confirmed += 1
            story = stories.add(article.id, article.title, _body(article), article.published)
            if story is not None:
                lead = results[story.lead]
                if lead is not None:
                    lead.also_in.append(
                        {"feed": article.feed, "url": article.url, "id": article.id}
                    )
                    lead.also_in.extend(
                        {"feed": feed, "url": url, "id": article.id} for feed, url in article.copies
                    )
                continue
            if len(results) >= want:
                results[article.id] = None
                if len(results) > want + 5:  # a few stories past the page: enough for copies
                    break
                continue
            match = describe("search", hits, doc)
            results[article.id] = _result(article, score, match)
        page = [r for r in results.values() if r is not None][self.request.offset : want]
        for result in page:
            _add_copies(result)
        return page

    def total(self) -> tuple[int, bool]:
        if self.exhausted:
            return self.confirmed, True
        if self.index.exact(self.plan):
            found = self.index.count(self.plan, self.filters)
            marked = self.index.count(self.plan, self.filters, marked_only=True)
            if not marked:
                return found, True
            if marked > CONFIRM_LIMIT:
                return found, False
            ids = self.index.marked_ids(self.plan, self.filters, CONFIRM_LIMIT)
            articles = self.index.articles(ids).values()
            kept = sum(1 for a in articles if self.query.evaluate(_document(a)) is not None)
            return found - marked + kept, True
        found = self.index.count(self.plan, self.filters)
        if found > CONFIRM_LIMIT:
            share = self.confirmed / self.seen if self.seen else 1.0
            return max(self.confirmed, round(found * share)), False
        return self._confirm_all(), True

    def _confirm_all(self) -> int:
        ranked = self.index.ranked(self.plan, self.filters, limit=CONFIRM_LIMIT, now=self.now)
        articles = self.index.articles([article_id for article_id, _ in ranked])
        return sum(1 for a in articles.values() if self.query.evaluate(_document(a)) is not None)


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
        also_in=[{"feed": feed, "url": url, "id": article.id} for feed, url in article.copies],
    )


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
