"""The SQLite FTS5 index of articles: its schema, keeping it in sync, and query text.

The index is an external-content FTS5 table over a view of `articles` with three
columns: the title, the body exactly as the matcher reads it (summary, then the full
text when there is a different one) and `extra`. The unicode61 tokenizer with
remove_diacritics folds case and accents as the matcher does. The store indexes new
articles in one statement per write transaction (fts_index_new); triggers on
`articles` keep the index in step with every text change and delete.

Search must never miss an article the matcher would match, so the index has to find a
superset. Both tokenizers agree on ASCII and on the accented Latin letters of English and
Spanish, but not on everything (ß folds to "ss" for the matcher and stays "ß" in FTS5; a
decomposed "e + ◌́" splits a word for one and not the other; ligatures, full-width and
superscript forms, letters newer than Unicode 6.1). Such words are rare, so they are
written once more, in the matcher's folded form, into `extra` together with a marker
word; queries look in `extra` too, and treat a marked article as a candidate for any
positional operator (phrase, NEAR) or NOT whose words it has. Which characters the two
agree on is asked of the linked SQLite itself, once per process.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

from sqlalchemy import Connection

from bot.match.ast import And, Near, Node, Not, Or, Phrase, Term
from bot.match.text import WORD, fold, stem_prefixes

TOKENIZER = "unicode61 remove_diacritics 2"
# Marks an article whose text the two tokenizers may read differently (see above).
MARKER = "zqxoddzqx"
TITLE_WEIGHT = 3.0  # bm25 weight of the title against the body (the matcher's too)
MAX_NEAR_PAIRS = 16  # (a OR b) NEAR (c OR d) becomes NEAR groups of every pair, up to this
INDEX_TABLES = "articles_fts"  # the prefix of every table FTS5 creates for the index

# The body as build_document reads it: the summary, and the full text when it differs.
BODY_SQL = "CASE WHEN {t}.content != '' AND {t}.content != {t}.summary "
BODY_SQL += "THEN {t}.summary || char(10) || {t}.content ELSE {t}.summary END"

CREATE = [
    f"""CREATE VIEW articles_fts_source AS
        SELECT id, title, {BODY_SQL.format(t="articles")} AS body, search_extra AS extra
        FROM articles""",
    f"""CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, extra, content='articles_fts_source', content_rowid='id',
        tokenize='{TOKENIZER}')""",
    "CREATE VIRTUAL TABLE articles_fts_vocab USING fts5vocab(articles_fts, row)",
    f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, body, extra)
        VALUES ('delete', old.id, old.title, {BODY_SQL.format(t="old")}, old.search_extra);
        END""",
    f"""CREATE TRIGGER articles_fts_update
        AFTER UPDATE OF title, summary, content, search_extra ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, body, extra)
        VALUES ('delete', old.id, old.title, {BODY_SQL.format(t="old")}, old.search_extra);
        INSERT INTO articles_fts (rowid, title, body, extra)
        VALUES (new.id, new.title, {BODY_SQL.format(t="new")}, new.search_extra);
        END""",
]
DROP = [
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TABLE IF EXISTS articles_fts_vocab",
    "DROP TABLE IF EXISTS articles_fts",
    "DROP VIEW IF EXISTS articles_fts_source",
]
# New articles are indexed by the store in one statement per transaction
# (fts_index_new), not by an insert trigger: a trigger runs once per row as its own
# statement, and FTS5 writes out its pending terms at every statement's savepoint, so
# each article became a segment of its own (49 µs an article, against 10 µs for the same
# rows in one statement; bench/README.md). Updates and deletes, rarer, keep triggers.
INSERT_TRIGGER = f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, body, extra)
        VALUES (new.id, new.title, {BODY_SQL.format(t="new")}, new.search_extra);
        END"""
REBUILD = "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')"
# With rank 1, the index is also compared with the content it was built from.
INTEGRITY_CHECK = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"


def newest_article(conn: Connection) -> int:
    """The highest article id so far (0 for none): what the indexing of new
    articles (fts_index_new, search_sqlite.index_new_articles) starts after."""
    return conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM articles").scalar()


def fts_index_new(conn: Connection, after: int) -> None:
    """Add the words of the articles added after id `after` to the full-text index, in one
    statement (see INSERT_TRIGGER); search_sqlite.index_new_articles calls it with the
    search rows' and publication days' counterparts."""
    conn.exec_driver_sql(
        "INSERT INTO articles_fts (rowid, title, body, extra) SELECT id, title, "
        f"{BODY_SQL.format(t='articles')}, search_extra FROM articles WHERE id > ?",
        (after,),
    )


def is_index_table(name: str) -> bool:
    """Whether a table or view belongs to the FTS index (not in tables.py's metadata)."""
    return name.startswith(INDEX_TABLES)


# --- Where the two tokenizers agree -------------------------------------------------

# Blocks whose characters are probed: Latin (ASCII, Latin-1, Extended A and B), general
# punctuation and currency signs. Anything else is treated as a possible disagreement.
PROBED = [*range(0x0000, 0x0250), *range(0x2000, 0x2070), *range(0x20A0, 0x20C1)]


@cache
def _agreement() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a pattern finding a character the tokenizers may disagree on, a pattern of runs
    between characters both read as separators), from the linked SQLite's own answers."""
    probe = sqlite3.connect(":memory:")
    probe.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    probe.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    chars = [chr(c) for c in PROBED if not 0xD800 <= c <= 0xDFFF and c != 0]
    probe.executemany(
        "INSERT INTO t (rowid, x) VALUES (?, ?)", [(i, f"q{c}q") for i, c in enumerate(chars)]
    )
    tokens: dict[int, list[str]] = {}
    for doc, term in probe.execute("SELECT doc, term FROM v ORDER BY doc, offset"):
        tokens.setdefault(doc, []).append(term)
    probe.close()
    agreed_word, agreed_sep = [], []
    for i, c in enumerate(chars):
        if WORD.fullmatch(c):
            if tokens.get(i) == [f"q{fold(c)}q"]:
                agreed_word.append(c)
        elif tokens.get(i) == ["q", "q"]:
            agreed_sep.append(c)
    odd = re.compile("[^" + _char_class(agreed_word + agreed_sep) + "]")
    runs = re.compile("[^" + _char_class(agreed_sep) + "]+")
    return odd, runs


def _char_class(chars: list[str]) -> str:
    return "".join(re.escape(c) for c in chars)


def extra_terms(*texts: str) -> str:
    """The `extra` column of an article: empty when the tokenizers read every word of
    its title, summary and content alike (always for ASCII); else the marker and the
    matcher's folded form of each word they may read differently."""
    if all(text.isascii() for text in texts):
        return ""
    odd, runs = _agreement()
    words: dict[str, None] = {}
    marked = False
    for text in texts:
        if text.isascii() or not odd.search(text):
            continue
        for run in runs.finditer(text):
            if odd.search(run[0]):
                marked = True
                words.update((fold(w), None) for w in WORD.findall(run[0]))
    return " ".join([MARKER, *words]) if marked else ""


def is_agreed_word(word: str) -> bool:
    """Whether FTS5 reads this (folded) word as the one token the matcher reads."""
    return word.isascii() or not _agreement()[0].search(word)


# --- Query text ------------------------------------------------------------------------

_COLUMNS = {None: "", "title": "{title extra}: ", "body": "{body extra}: "}
MARKED = f'extra: "{MARKER}"'
# How tightly a rendered part holds together. In FTS5's grammar NOT binds tighter than
# AND, and AND than OR, each left-associative: a part is parenthesized only where a looser
# one would be misread. FTS5's parser has a fixed stack (100 entries in SQLite 3.40) and
# every pending operator and parenthesis takes one, so the renderer spends few: a chain
# of NOTs is one NOT of an OR, and of the operands of AND and OR the one that needs the
# most stack goes first, where nothing waits beside it.
_OR, _AND, _NOT, _ATOM = range(4)


def match_expression(node: Node) -> str:
    """An FTS5 MATCH expression for a (loosened, see bot.match.plan) query: it finds every
    article the query matches (a superset)."""
    return _Renderer().render(node)


def renders_exactly(node: Node) -> bool:
    """Whether match_expression(node) finds exactly the articles the matcher matches,
    among unmarked articles (it loosens NEAR of prefixes, of overlapping sides or of too
    many alternatives)."""
    renderer = _Renderer()
    renderer.render(node)
    return renderer.exact


def expression_problem(expression: str) -> str | None:
    """FTS5's own message when the linked SQLite cannot take this MATCH expression (its
    parser's stack overflows, say), else None. Asked of an empty in-memory table with the
    index's columns and tokenizer, so a failure there is the expression's, never a damaged
    index's."""
    return _expression_problem(expression)


@cache
def _scratch() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, extra, tokenize='{TOKENIZER}')"
    )
    return conn


_scratch_lock = threading.Lock()


@lru_cache(maxsize=256)
def _expression_problem(expression: str) -> str | None:
    with _scratch_lock:  # one connection for every thread: its statements in turn
        try:
            _scratch().execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (expression,)
            ).fetchall()
        except sqlite3.Error as exc:
            return str(exc)
    return None


@dataclass(frozen=True)
class _Part:
    """A rendered part: its text, how tightly it binds, and how many parser stack entries
    reading it takes (an estimate that orders operands, not a promise)."""

    text: str
    binds: int
    stack: int = 1


def _wrap(part: _Part, binds: int) -> _Part:
    """The part, parenthesized when it binds looser than `binds`."""
    if part.binds >= binds:
        return part
    return _Part(f"({part.text})", _ATOM, part.stack + 1)


def _joined(parts: list[_Part], operator: str, binds: int) -> _Part:
    """Parts joined by one operator, the one needing most stack first (AND and OR do not
    care about order): while a later operand is read, `expr OPERATOR` waits below it."""
    if len(parts) == 1:
        return parts[0]
    parts = sorted(parts, key=lambda p: -p.stack)  # stable: the query's order otherwise
    stack = max(parts[0].stack, *(2 + p.stack for p in parts[1:]))
    return _Part(f" {operator} ".join(p.text for p in parts), binds, stack)


def _atom(text: str) -> _Part:
    return _Part(text, _ATOM, 4 if text.startswith("{") else 1)  # {columns}: "word"


class _Renderer:
    def __init__(self):
        self.exact = True

    def render(self, node: Node) -> str:
        return self._part(node).text

    def _part(self, node: Node) -> _Part:
        if isinstance(node, Term) and node.stem:  # word forms: the prefixes they begin with
            self.exact = False
            return self._part(_stem_loosened(node))
        if isinstance(node, Term):
            if not is_agreed_word(node.word):
                return _atom(MARKED)  # only a marked article can hold such a word
            star = "*" if node.prefix else ""
            return _atom(f"{_COLUMNS[node.field]}{_quote(node.word)}{star}")
        if isinstance(node, Phrase):
            if len(node.words) == 1:
                return self._part(Term(node.words[0], field=node.field))
            if not all(map(is_agreed_word, node.words)):
                return _atom(MARKED)
            phrase = _atom(f"{_COLUMNS[node.field]}{_quote(' '.join(node.words))}")
            return _joined([phrase, _marked_branch([_Words(node.words, node.field)])], "OR", _OR)
        if isinstance(node, Near):
            return self._near(node)
        if isinstance(node, Or):
            # The phrases of an OR share one marked branch (one word each, each once).
            phrases = [i for i in node.items if _is_plain_phrase(i)]
            parts = [self._part(i) for i in node.items if not _is_plain_phrase(i)]
            parts += [_atom(f"{_COLUMNS[p.field]}{_quote(' '.join(p.words))}") for p in phrases]
            if phrases:
                parts.append(_marked_branch([_Words(p.words, p.field) for p in phrases]))
            return _joined(parts, "OR", _OR)
        if isinstance(node, And):
            positive = [self._part(i) for i in node.items if not isinstance(i, Not)]
            # NOT (a OR b) excludes a and b: one NOT group for all (see _and_not).
            negative = [
                self._part(n)
                for i in node.items
                if isinstance(i, Not)
                for n in (i.item.items if isinstance(i.item, Or) else (i.item,))
            ]
            if not positive:
                raise ValueError("an AND needs a positive item to render")
            return self._and_not([_wrap(p, _AND) for p in positive], negative)
        raise ValueError(f"cannot render {node!r} for FTS5")

    def _and_not(self, positive: list[_Part], negative: list[_Part]) -> _Part:
        """positive AND … NOT (what none of the negatives may match). A marked article is
        never excluded (its words may hide from the index): NOT a NOT b is rendered
        NOT (a NOT marker OR b NOT marker), one NOT however many there are."""
        excluded = [_wrap(n, _AND) for n in negative if n.text != MARKED]
        if not excluded:
            return _joined(positive, "AND", _AND)
        unless_marked = [
            _Part(f"{n.text} NOT {MARKED}", min(n.binds, _NOT), max(n.stack, 3)) for n in excluded
        ]
        group = _wrap(_joined(unless_marked, "OR", _OR), _ATOM)
        # NOT binds tighter than AND: the first operand alone takes it, which is the same
        # (a NOT x) AND b; the one needing most stack goes there, with nothing beside it.
        first, *rest = sorted(positive, key=lambda p: -p.stack)
        first = _wrap(first, _NOT)
        head = _Part(f"{first.text} NOT {group.text}", _NOT, max(first.stack, 2 + group.stack))
        if not rest:
            return head
        rest_part = _joined(rest, "AND", _AND)
        stack = max(head.stack, 2 + rest_part.stack)
        return _Part(f"{head.text} AND {rest_part.text}", _AND, stack)

    def _near(self, node: Near) -> _Part:
        """FTS5 NEAR groups, one per pair of the sides' phrases (NEAR takes phrases only).
        FTS5 counts the words between two phrases, the matcher one more (adjacent words
        are 1 apart): NEAR/n is FTS5's n-1, exact for sides with distinct words. Sides
        that share a word (they could overlap) or have a prefix: FTS5's n (looser). Too
        many pairs: both sides present. A marked article needs only a word of the left
        side (_marked_branch)."""
        loose = [_wrap(self._part(node.left), _AND), _wrap(self._part(node.right), _AND)]
        lefts, rights = _phrases(node.left), _phrases(node.right)
        if lefts is None or rights is None or len(lefts) * len(rights) > MAX_NEAR_PAIRS:
            self.exact = False
            return _joined(loose, "AND", _AND)
        groups = []
        for left in lefts:
            for right in rights:
                field = _common_field(left.field, right.field)
                if field is False:
                    self.exact = False
                    return _joined(loose, "AND", _AND)
                distance = node.distance - 1
                if left.prefix or right.prefix or set(left.words) & set(right.words):
                    distance = node.distance
                    self.exact = False
                pair = f"{_near_phrase(left)} {_near_phrase(right)}"
                groups.append(_Part(f"{_COLUMNS[field]}NEAR({pair}, {distance})", _ATOM, 7))
        return _joined([*groups, _marked_branch(lefts)], "OR", _OR)


def _is_plain_phrase(node: Node) -> bool:
    """A phrase of several words the index reads as the matcher does."""
    return isinstance(node, Phrase) and len(node.words) > 1 and all(map(is_agreed_word, node.words))


def _marked_branch(alternatives: list[_Words]) -> _Part:
    """What finds a marked article the matcher may match where the index cannot tell
    (its words may hide in `extra`): the longest word of any alternative, with the
    marker. One word, not all: bm25 works out the document frequency of every phrase
    in the expression by reading its whole doclist, so a function word here ("in",
    "de") cost a search 10-15 ms, and a looser branch is still a superset."""
    words: dict[str, None] = {}
    for alternative in alternatives:
        word = max(alternative.words, key=len)
        star = "*" if alternative.prefix else ""
        words[f"{_COLUMNS[alternative.field]}{_quote(word)}{star}"] = None
    either = _wrap(_joined([_atom(w) for w in words], "OR", _OR), _AND)
    return _joined([either, _atom(MARKED)], "AND", _AND)


def _near_phrase(words: _Words) -> str:
    return _quote(" ".join(words.words)) + ("*" if words.prefix else "")


class _Words:
    """A phrase (or word, or prefix) as one NEAR operand."""

    def __init__(self, words: tuple[str, ...], field: str | None, prefix: bool = False):
        self.words, self.field, self.prefix = words, field, prefix


def _stem_loosened(node: Term) -> Node:
    """A word-forms term as prefixes (bot.match.plan does the same)."""
    terms = [Term(p, prefix=True, field=node.field) for p in stem_prefixes(node.word)]
    return terms[0] if len(terms) == 1 else Or(tuple(terms))


def _phrases(node: Node) -> list[_Words] | None:
    if isinstance(node, Term) and node.stem:
        return _phrases(_stem_loosened(node))
    if isinstance(node, Term):
        return (
            [_Words((node.word,), node.field, node.prefix)] if is_agreed_word(node.word) else None
        )
    if isinstance(node, Phrase):
        return [_Words(node.words, node.field)] if all(map(is_agreed_word, node.words)) else None
    if isinstance(node, Or):
        found = [_phrases(item) for item in node.items]
        return None if any(f is None for f in found) else [p for f in found for p in f]
    return None


def _common_field(a: str | None, b: str | None):
    if a is None or b is None or a == b:
        return a or b
    return False  # title vs body: the matcher needs both in one field


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
