"""Search over the archive: the query language of topics, ranked, with snippets.

    query text ─► parse (QueryError with a column) ─► candidate plan (bot/match/plan.py)
      ─► ranked candidates from the index (bot/store/search_sqlite.py: BM25 × recency,
         filters, ties by id) ─► the matcher confirms each one and marks its hits
      ─► near-duplicates folded into stories (bot/stories/cluster.py) ─► a page

The index finds a superset of what the matcher matches, and only what the matcher
confirms is shown, so a query means here what it means in a topic. Pages are computed
from the top of the ranking every time (the ranking is total: ties by id, and copies
join the first story they copy), so page 2 continues page 1 exactly, copies included.

Pages count stories: `offset` and `limit` are stories, and `total` is the number of
stories, what the pages list; `articles` counts the matching articles, copies folded
under "also in" included. Candidate ids are ranked RANK_WINDOW at a time. A query with
at most CONFIRM_LIMIT candidates is walked to the end (each confirmed and grouped), so
both counts are exact. Otherwise the articles are, when the index answers the query
exactly (see bot/match/plan.py and SqliteSearch.exact), the index's count, less the rare
marked articles (read differently by the two tokenizers) the matcher does not confirm;
else estimated from the share confirmed on the way to the page (`articles_exact`
false). The stories of such a big set are estimated from the stories per article on
the way to the page (`total_exact` false, "about"), unless every matching article was
on the way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import UsageError
from bot.match.ast import And, Filter, Not, Or
from bot.match.matcher import CompiledQuery, build_document, describe
from bot.match.plan import Plan, UnsearchableQuery, plan_query
from bot.match.query import TYPOGRAPHIC, QueryError, has_positive, parse_query
from bot.store.search_sqlite import Filters, SqliteSearch, StoredArticle
from bot.stories.cluster import Stories

CONFIRM_LIMIT = 200  # candidates confirmed (and grouped) one by one to count exactly (at most)
RANK_WINDOW = 200  # candidate ids read at once (ids and scores only)
PAST_PAGE = 5  # candidates read past a full page: copies of its stories, a next story
BROAD_SHARE = 0.5  # a query the index says is in more of the archive than this is refused
BROAD_MIN_ARTICLES = 10_000  # ... once the archive is this big
SORTS = ("relevance", "date")
MAX_LIMIT = 200
OPERATOR_EXAMPLES = "a OR b, NEAR/5"


@dataclass(frozen=True)
class SearchRequest:
    query: str
    since: datetime | None = None
    until: datetime | None = None
    topic: str | None = None
    feed: str | None = None
    language: str | None = None
    sort: str = "relevance"
    limit: int = 20  # stories
    offset: int = 0  # stories


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
    """A page of stories. `total` counts stories (what pages list; `total_exact` says
    whether it is exact), `articles` the matching articles behind them (copies
    included). `more`: a story follows this page (exact when total_exact, or when one
    was seen past the page). `hint`: for a query that found nothing, what it may have
    meant (lower-case operators), else None."""

    total: int
    total_exact: bool
    results: list[Result]
    articles: int = 0
    articles_exact: bool = True
    more: bool = False
    hint: str | None = None

    @property
    def stories(self) -> int:
        return self.total

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "total_exact": self.total_exact,
            "stories": self.total,
            "articles": self.articles,
            "articles_exact": self.articles_exact,
            "results": [r.as_dict() for r in self.results],
        }


class Refused(UsageError):
    """A query search will not run (it would read nearly the whole archive)."""


class FiltersAlone(Refused):
    """A query of filters only (lang:, feed:): it would list a whole part of the archive.
    `options` are the command line's equivalents (--lang, --feed)."""

    def __init__(self, reason: str, options: tuple[str, ...]):
        super().__init__(f"search: {reason}")
        self.reason = reason
        self.options = options

    def for_command_line(self) -> str:
        if not self.options:  # NOT lang:es: no option says that
            return str(self)
        return f"{self} (or use {' and '.join(self.options)} with a query)"


def compile_query(text: str) -> CompiledQuery:
    """The query, compiled for the matcher. QueryError where it cannot be read (NOT
    alone included: the parser's message says so); Refused, with its own reason, for a
    query of filters only or an OR with a side of filters, which the parser lumps with
    NOT alone."""
    try:
        return CompiledQuery(text)
    except QueryError as exc:
        refusal = _no_word_refusal(text, exc)
        if refusal is not None:
            raise refusal from None
        raise


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
    query = compile_query(request.query)
    try:
        plan = plan_query(query.node)
    except UnsearchableQuery as exc:
        raise Refused(f"search: {exc}") from None
    filters = _filters(plan, request, feeds)
    with index.session():
        walk = _Walk(index, query, plan, filters, request, now)
        walk.start()
        walk.fill()
        found = walk.totals()
    if found.articles == 0:
        found.hint = operator_hint(request.query)
    return found


# --- What a query without a word to look for gets told ------------------------------------


def _no_word_refusal(text: str, error: QueryError) -> Refused | None:
    """Why a query that needs a word that must appear is refused, when it is more than
    NOT alone (None: the parser's own error stands). The parser says only "NOT alone";
    the query is read again inside `(…) x`, which has a word, to see what it holds. A
    query at the parser's limits (length, words, depth) keeps the parser's message."""
    if error.column != 1:
        return None
    try:
        wrapped = parse_query(f"({text}) x")
    except QueryError:
        return None
    if not isinstance(wrapped, And) or len(wrapped.items) != 2:
        return None  # not the query read whole (its error was another one)
    node = wrapped.items[0]
    if has_positive(node):
        return None
    items = _and_items(node)
    filters = [i for i in items if isinstance(i, Filter)]
    excluded = [i.item for i in items if isinstance(i, Not) and isinstance(i.item, Filter)]
    nots = [i for i in items if isinstance(i, Not) and not isinstance(i.item, Filter)]
    if any(isinstance(i, Or) for i in items):
        return Refused(
            "search: every side of OR needs a word that must appear: a side of only "
            "filters (lang:, feed:) or NOT would list nearly every article; add words to it"
        )
    written = " ".join([_written(f) for f in filters] + [f"NOT {_written(f)}" for f in excluded])
    scope = _scope(filters, excluded)
    if not filters and not excluded:
        if nots:
            return None  # NOT alone: the parser said it
        return Refused("search: the query has no word to search for (punctuation is ignored)")
    if nots:
        return Refused(
            f"search: {written} with NOT alone would list nearly every article {scope}: "
            "add words to search for"
        )
    options = tuple(
        option
        for name, option in (("lang", "--lang"), ("feed", "--feed"))
        if any(f.name == name for f in filters)
    )
    return FiltersAlone(
        f"{written} alone would list every article {scope}: add words to search for", options
    )


def _and_items(node) -> list:
    """The parts that must all hold, nested ANDs (parentheses) flattened."""
    if isinstance(node, And):
        return [part for item in node.items for part in _and_items(item)]
    return [node]


def _written(f: Filter) -> str:
    value = f.value if re.fullmatch(r"[\w.-]+", f.value) else f'"{f.value}"'
    return f"{f.name}:{value}"


def _scope(filters: list[Filter], excluded: list[Filter]) -> str:
    """ "of that feed in that language", "not in that language" …"""
    parts = []
    for items, negated in ((filters, False), (excluded, True)):
        feeds = sum(1 for f in items if f.name == "feed")
        languages = sum(1 for f in items if f.name == "lang")
        no = "not " if negated else ""
        if feeds:
            parts.append(f"{no}of {'that feed' if feeds == 1 else 'those feeds'}")
        if languages:
            parts.append(f"{no}in {'that language' if languages == 1 else 'those languages'}")
    return " ".join(parts)


_QUOTED = re.compile(r'"[^"]*"')
_LOWER_OPERATOR = re.compile(r"(?<![^\s()])(and|or|not|near/\d+)(?![^\s()])", re.IGNORECASE)


def operator_hint(query: str) -> str | None:
    """For a query that found nothing: "did you mean OR? …" when it has `or`, `and`,
    `not` or `near/5` as a word in other than upper case (outside "phrases"): words to
    search for, as the query language reads them, but perhaps meant as operators."""
    text = _QUOTED.sub(" ", query.translate(TYPOGRAPHIC))
    meant: list[str] = []
    for found in _LOWER_OPERATOR.finditer(text):
        word = found[1]
        if word != word.upper() and word.upper() not in meant:
            meant.append(word.upper())
    if not meant:
        return None
    return f"did you mean {', '.join(meant)}? operators are upper case: {OPERATOR_EXAMPLES}"


# --- Filters and refusals -------------------------------------------------------------------


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


# --- The walk down the ranking ----------------------------------------------------------------


class _Walk:
    """The ranked candidates, confirmed and grouped into stories from the top down.

    Every confirmed article joins `stories` in rank order (the first story it copies, or
    a story of its own), so the n-th story is the same whatever page asks: a page is
    stories offset..offset+limit of the one walk."""

    def __init__(self, index, query, plan, filters, request, now):
        self.index, self.query, self.plan = index, query, plan
        self.filters, self.request, self.now = filters, request, now
        self.want = request.offset + request.limit  # stories up to the page's end
        self.found = 0  # the index's count, filters aside
        self.counted: int | None = None  # the index's count with the filters (ranking's)
        self.ranked: list[tuple[int, float]] = []  # (id, score) read so far, best first
        self.exhausted = False  # every candidate is in self.ranked
        self.verdicts: dict[int, bool] = {}  # id → confirmed by the matcher
        self.stories = Stories()  # of the confirmed articles walked, in rank order
        self.results: dict[int, Result] = {}  # the first `want` stories, by lead
        self.walked = 0  # confirmed articles grouped into stories
        self.story_count = 0  # stories they make
        self.ended = False  # every candidate was walked
        self.chunk = self.want + PAST_PAGE  # texts read at once
        self._feed = self._candidates()

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
        limit = max(RANK_WINDOW, self.want + PAST_PAGE, 2 * len(self.ranked))
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
        """Candidates with their text, best first; texts are read `chunk` at a time."""
        position = 0
        while position < len(self.ranked) or self._rank_more():
            batch = self.ranked[position : position + self.chunk]
            position += len(batch)
            found = self.index.articles([article_id for article_id, _ in batch])
            for article_id, score in batch:
                if article_id in found:
                    yield found[article_id], score

    def _step(self) -> bool:
        """Walk the next candidate: confirm it, and add it to its story (a page's story
        lists it in "also in"); False when there is none left."""
        item = next(self._feed, None)
        if item is None:
            self.ended = True
            return False
        article, score = item
        doc = _document(article)
        hits = self.query.evaluate(doc)
        self.verdicts[article.id] = hits is not None
        if hits is None:
            return True
        self.walked += 1
        story = self.stories.add(article.id, article.title, _body(article), article.published)
        if story is not None:
            if story.lead in self.results:
                self.results[story.lead].also_in += _copies(article, own=True)
            return True
        self.story_count += 1
        if self.story_count <= self.want:
            self.results[article.id] = _result(article, score, describe("search", hits, doc))
        return True

    def fill(self) -> None:
        """Walk until the page is full, then a few candidates past it: copies of its
        stories ranked just below, and whether another story follows."""
        while self.story_count < self.want and self._step():
            pass
        for _ in range(PAST_PAGE):
            if not self._step():
                break

    def page(self) -> list[Result]:
        page = list(self.results.values())[self.request.offset : self.want]
        for result in page:
            _add_copies(result)
        return page

    def totals(self) -> SearchResults:
        """The page with its counts: see the module's docstring."""
        if not self.ended and self._few():
            self.chunk = CONFIRM_LIMIT  # few candidates: walk them all, counts exact
            while self._step() and len(self.verdicts) <= 2 * CONFIRM_LIMIT:
                pass  # (the bound only in case the index's count was short)
        page = self.page()
        seen = self.story_count
        shown_to = self.request.offset + len(page)
        if self.ended:
            return SearchResults(seen, True, page, self.walked, True, more=seen > shown_to)
        articles, articles_exact = self._article_total()
        if articles_exact and self.walked >= articles:  # every match is in a story
            return SearchResults(seen, True, page, articles, True, more=seen > shown_to)
        share = seen / self.walked if self.walked else 1.0
        stories = max(seen, min(articles, round(articles * share)))
        more = seen > self.want or shown_to < stories
        return SearchResults(stories, False, page, articles, articles_exact, more=more)

    def _few(self) -> bool:
        """Whether the candidates are few enough to walk them all (CONFIRM_LIMIT)."""
        if self.exhausted:
            return len(self.ranked) <= CONFIRM_LIMIT
        return self.counted is not None and self.counted <= CONFIRM_LIMIT

    def _article_total(self) -> tuple[int, bool]:
        """(matching articles, whether that is exact), for a walk that did not end: more
        than CONFIRM_LIMIT candidates."""
        if self.index.exact(self.plan):
            return self._exact_total()
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
