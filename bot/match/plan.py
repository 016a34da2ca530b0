"""A parsed query → what a full-text index must find: the candidate plan of a search.

Search asks the index for candidates and the matcher confirms them, so the index's query
must be a superset of the matcher's: it may find too much, never too little. The plan is
the query loosened until every full-text engine can answer it, in the same AST:

- `lang:` and `feed:` filters at the top level (and their NOT) become `filters`, for the
  database's WHERE; inside OR they are dropped (looser);
- `=EXACT` words become their folded form (the index folds case and accents);
- word forms (`deport~`) become prefixes every form begins with (text.stem_prefixes);
- NOT is kept only around a part the index answers exactly; otherwise it is dropped;
- an OR with a part that cannot be looked up, or that is only NOT, is dropped (it could
  match anything); NOT (NOT x) is x.

`exact` says whether nothing was loosened, so that an index that renders the plan
faithfully finds exactly what the matcher matches (the store may then count without
confirming). Whether its engine renders every NEAR faithfully is the store's to say. This
module knows no SQL dialect: bot/store renders the plan for its engine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.query import has_positive
from bot.match.text import fold, stem_prefixes


class UnsearchableQuery(ValueError):
    """A query the index cannot narrow down: it would read every article."""


@dataclass(frozen=True)
class Plan:
    text: Node  # the loosened query for the full-text index
    exact: bool  # the index finds exactly the matches (articles it reads alike)
    filters: tuple[Filter, ...] = ()  # every one must hold
    excluded: tuple[Filter, ...] = ()  # none may hold


def plan_query(node: Node) -> Plan:
    """The candidate plan of a parsed query; UnsearchableQuery when the index cannot
    narrow it (only filters and NOT would be left)."""
    items = node.items if isinstance(node, And) else (node,)
    filters = tuple(i for i in items if isinstance(i, Filter))
    excluded = tuple(i.item for i in items if isinstance(i, Not) and isinstance(i.item, Filter))
    rest = [i for i in items if not (isinstance(i, Filter) or _is_not_filter(i))]
    text, exact = _loosen(And(tuple(rest)) if len(rest) != 1 else rest[0])
    if text is None or not has_positive(text):
        raise UnsearchableQuery(_unsearchable(rest, bool(filters or excluded)))
    return Plan(text, exact, filters, excluded)


def _unsearchable(rest: list[Node], filtered: bool) -> str:
    """Why the index cannot narrow a query down, in the query's own terms: filters
    alone, NOT alone (with filters or not), an OR with a side without words."""
    if any(isinstance(item, Or) for item in rest):
        return (
            "every side of OR needs a word the index can look up: a side of only filters "
            "(lang:, feed:) or NOT would list nearly every article; add words to it"
        )
    if any(isinstance(item, Not) for item in rest):
        if filtered:
            return "filters with NOT alone would list nearly every article: add words to search for"
        return "the query needs a word that must appear; NOT alone matches everything"
    if filtered and not rest:
        return (
            "filters (lang:, feed:) alone would list every article they allow: add words "
            "to search for"
        )
    return "the query has no word the index can look up; add a word that must appear"


def _is_not_filter(node: Node) -> bool:
    return isinstance(node, Not) and isinstance(node.item, Filter)


def _loosen(node: Node) -> tuple[Node | None, bool]:
    """(a superset of the node for the index, or None for "anything"; whether exact)."""
    if isinstance(node, Term):
        if node.stem:
            prefixes = [Term(p, prefix=True, field=node.field) for p in stem_prefixes(node.word)]
            return _flat(Or, prefixes), False
        if node.exact:
            return replace(node, word=fold(node.word), exact=False), False
        return node, True
    if isinstance(node, Phrase):
        if node.exact:
            return replace(node, words=tuple(fold(w) for w in node.words), exact=False), False
        return node, True
    if isinstance(node, Near):
        (left, left_exact), (right, right_exact) = _loosen(node.left), _loosen(node.right)
        return Near(left, right, node.distance), left_exact and right_exact
    if isinstance(node, Or):
        loosened = [_loosen(item) for item in node.items]
        if any(text is None or not has_positive(text) for text, _ in loosened):
            return None, False  # (a OR NOT b) holds for nearly every article
        return _flat(Or, [t for t, _ in loosened]), all(e for _, e in loosened)
    if isinstance(node, And):
        loosened = [_loosen(item) for item in node.items]
        kept = [t for t, _ in loosened if t is not None]
        exact = all(e for _, e in loosened)
        if not kept:
            return None, exact  # nothing but punctuation: no condition at all
        if not any(has_positive(t) for t in kept):
            return None, False  # only NOT is left: the index cannot start from it
        return _flat(And, kept), exact
    if isinstance(node, Not):
        inner, exact = _loosen(node.item)
        if inner is None or not exact:
            return None, False
        if isinstance(inner, Not):
            return inner.item, True  # NOT (NOT x) is x
        return Not(inner), True
    return None, False  # a filter below the top level


def _flat(kind, items: list[Node]) -> Node:
    return items[0] if len(items) == 1 else kind(tuple(items))
