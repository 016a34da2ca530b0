"""Query text → AST (bot/match/ast.py), with errors that say where and what.

    words            asylum officers           (side by side: AND)
    "phrases"        "remain in mexico"
    AND OR NOT ( )   (mpp OR "quedate en mexico") NOT ontario
    prefix           migra*                    (at least 3 letters before *)
    word forms       deport~                   (the same English or Spanish stem)
    proximity        mpp NEAR/8 asylum          (within 8 words, either order)
    fields           title:asylum  body:"credible fear"  title:(mpp OR asilo)
    filters          lang:es  feed:"Border Report"
    exact case       =MPP  ="Remain in Mexico"  (case and accents as written)

Precedence, loosest first: OR, AND, NOT, NEAR. Typographic quotes and dashes pasted from
a word processor read as their plain forms. The parser is a hand-written recursive
descent over a linear lexer: no regular expression is ever built from query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.text import fold, split_words

MAX_LENGTH = 4000  # topics written by analysts run long; the parser is linear
MAX_DEPTH = 20
MAX_TERMS = 400  # the shipped mpp topic runs near 250 words; 4,000 characters bound the rest
MAX_NEAR = 50
MIN_PREFIX = 3
TYPOGRAPHIC = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‟": '"', "″": '"',
     "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-", "−": "-", "\u00a0": " "}
)  # fmt: skip
FIELD_PREFIXES = ("title:", "body:")
FILTER_PREFIXES = ("lang:", "feed:")
_NEAR = re.compile(r"NEAR(?:/(\d+))?$")


class QueryError(ValueError):
    """A query that cannot be read; `column` is 1-based."""

    def __init__(self, column: int, message: str):
        self.column = column
        self.message = message
        super().__init__(f"query error at column {column}: {message}")

    def pointer(self, query: str, width: int = 200) -> tuple[str, str]:
        """The query (its first `width` characters) and a line with a caret under the
        column: what the command line and the chat show under the message."""
        shown = query[:width]
        return shown, " " * min(self.column - 1, len(shown)) + "^"


@dataclass(frozen=True)
class Token:
    kind: str  # word, phrase, lparen, rparen, and, or, not, near, field, filter, eof
    text: str
    column: int
    value: object = None


def parse_query(text: str) -> Node:
    """Parse a query; QueryError says where and what when it cannot."""
    if len(text) > MAX_LENGTH:
        raise QueryError(MAX_LENGTH + 1, f"the query is too long (at most {MAX_LENGTH} characters)")
    tokens = _lex(text.translate(TYPOGRAPHIC))
    parser = _Parser(tokens)
    node = parser.parse()
    if parser.terms > MAX_TERMS:
        raise QueryError(1, f"too many words (at most {MAX_TERMS})")
    if not has_positive(node):
        raise QueryError(1, "the query needs a word that must appear; NOT alone matches everything")
    return node


def has_positive(node: Node) -> bool:
    """Whether a match needs some word to be present (a query of only NOT would match
    nearly every article)."""
    if isinstance(node, Term | Phrase | Near):
        return True
    if isinstance(node, And):
        return any(has_positive(item) for item in node.items)
    if isinstance(node, Or):
        return all(has_positive(item) for item in node.items)
    return False  # Not, Filter


def _lex(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token("lparen" if ch == "(" else "rparen", ch, i + 1))
            i += 1
        elif ch == '"' or (ch == "=" and text.startswith('"', i + 1)):
            start = i
            i += 2 if ch == "=" else 1
            end = text.find('"', i)
            if end < 0:
                raise QueryError(start + 1, "unclosed quote")
            tokens.append(Token("phrase", text[i:end], start + 1, ch == "="))
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()"':
                i += 1
            tokens.append(_word_token(text[start:i], start + 1))
            if tokens[-1].kind in ("field", "filter") and i < n and text[i] == '"':
                continue  # title:"…" / feed:"…": the phrase follows
    tokens.append(Token("eof", "", len(text) + 1))
    return tokens


def _word_token(run: str, column: int) -> Token:
    if run in ("AND", "OR", "NOT"):
        return Token(run.lower(), run, column)
    if run.startswith("NEAR"):
        match = _NEAR.match(run)
        if not match:
            raise QueryError(column, f"unknown operator {run!r}; proximity is written NEAR/5")
        if match[1] is None:
            raise QueryError(column, "NEAR needs a distance in words, e.g. NEAR/5")
        distance = int(match[1])
        if not 1 <= distance <= MAX_NEAR:
            raise QueryError(column, f"NEAR distance must be 1 to {MAX_NEAR}")
        return Token("near", run, column, distance)
    lowered = run.lower()
    for prefix in FIELD_PREFIXES + FILTER_PREFIXES:
        if lowered.startswith(prefix):
            kind = "field" if prefix in FIELD_PREFIXES else "filter"
            rest = run[len(prefix) :]
            name = prefix[:-1]
            if not rest:
                return Token(kind, run, column, name)
            if kind == "filter":
                return Token("filter", run, column, (name, rest))
            return Token("field_word", rest, column + len(prefix), name)
    return Token("word", run, column)


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.terms = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if self.current.kind == "eof":
            raise QueryError(1, "the query is empty")
        node = self.or_expr()
        if self.current.kind == "rparen":
            raise QueryError(self.current.column, "unmatched )")
        if self.current.kind != "eof":
            raise QueryError(self.current.column, f"unexpected {self.current.text!r}")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.current.kind == "or":
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.unary()]
        while True:
            if self.current.kind == "and":
                self.advance()
            elif self.current.kind not in _STARTS:
                break
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        if self.current.kind != "not":
            return self.near()
        self.advance()
        if self.current.kind != "not":
            return Not(self.near())
        # NOT NOT …: each further NOT is one level deeper, as a parenthesis is (a run of
        # them was a recursion per NOT, however long)
        token = self.current
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                token.column, f"too deeply nested (at most {MAX_DEPTH} levels; NOT NOT is one)"
            )
        node = Not(self.unary())
        self.depth -= 1
        return node

    def near(self) -> Node:
        node = self.primary()
        while self.current.kind == "near":
            token = self.advance()
            right = self.primary()
            for side in (node, right):
                if not _positional(side):
                    raise QueryError(token.column, "NEAR joins words, phrases or (a OR b) lists")
            node = Near(node, right, token.value)
        return node

    def primary(self) -> Node:
        token = self.current
        if token.kind == "lparen":
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(token.column, f"too deeply nested (at most {MAX_DEPTH} levels)")
            if self.current.kind == "rparen":
                raise QueryError(self.current.column, "empty parentheses")
            node = self.or_expr()
            if self.current.kind != "rparen":
                raise QueryError(token.column, "unclosed parenthesis")
            self.advance()
            self.depth -= 1
            return node
        if token.kind == "field":
            self.advance()
            if self.current.kind not in ("lparen", "phrase", "word"):
                raise QueryError(
                    token.column, f"{token.text} must be followed by a word, a phrase or (…)"
                )
            return _scoped(self.primary(), token.value, token.column)
        if token.kind == "field_word":
            self.advance()
            return _scoped(
                self._words(token.text, token.column, exact=False), token.value, token.column
            )
        if token.kind == "filter":
            self.advance()
            return self._filter(token)
        if token.kind == "phrase":
            self.advance()
            return self._words(token.text, token.column, exact=bool(token.value), quoted=True)
        if token.kind == "word":
            self.advance()
            return self._word(token)
        if token.kind == "eof":
            raise QueryError(token.column, "the query ends where a word was expected")
        if token.kind == "rparen":
            raise QueryError(token.column, "unmatched )")
        raise QueryError(token.column, f"{token.text} must be followed by a word or (…)"
                         if token.kind in ("and", "or", "not", "near")
                         else f"unexpected {token.text!r}")  # fmt: skip

    def _word(self, token: Token) -> Node:
        text, column = token.text, token.column
        exact = text.startswith("=")
        if exact:
            text, column = text[1:], column + 1
        return self._words(text, column, exact=exact)

    def _words(self, text: str, column: int, *, exact: bool, quoted: bool = False) -> Node:
        if "~" in text:
            return self._stemmed(text, column, exact=exact, quoted=quoted)
        prefix = not quoted and text.endswith("*")
        body = text[:-1] if prefix else text
        if "*" in body:
            raise QueryError(column + body.index("*"), "* is only allowed at the end of a word")
        words = split_words(body)
        if not words:
            if quoted:
                raise QueryError(column, "empty phrase")
            return _NOTHING
        self.terms += len(words)
        if not exact:
            words = [fold(w) for w in words]
        if prefix:
            if len(words) > 1 or len(words[0]) < MIN_PREFIX:
                raise QueryError(column, f"a prefix needs at least {MIN_PREFIX} letters before *")
            return Term(words[0], prefix=True, exact=exact)
        if len(words) == 1:
            return Term(words[0], exact=exact)
        return Phrase(tuple(words), exact=exact)

    def _stemmed(self, text: str, column: int, *, exact: bool, quoted: bool) -> Node:
        """word~ : the word's forms (a Term with `stem`)."""
        at = column + text.index("~")
        if quoted:  # the column is the quote's (or the = before it)
            at += 2 if exact else 1
            raise QueryError(at, "~ (word forms) is not allowed inside quotes")
        if exact:
            raise QueryError(at, "~ (word forms) cannot be combined with = (exact form)")
        if "*" in text:
            raise QueryError(column + text.index("*"), "~ (word forms) cannot be combined with *")
        if text.index("~") != len(text) - 1:
            raise QueryError(at, "~ is only allowed at the end of a word")
        words = split_words(text[:-1])
        if len(words) != 1:
            raise QueryError(column, "~ needs one word before it")
        self.terms += 1
        return Term(fold(words[0]), stem=True)

    def _filter(self, token: Token) -> Node:
        if token.value and isinstance(token.value, tuple):
            name, value = token.value
        else:
            name = token.value
            if self.current.kind != "phrase":
                raise QueryError(token.column, f"{token.text} needs a value, e.g. lang:es")
            value = self.advance().text
        value = value.strip()
        if name == "lang":
            if not re.fullmatch(r"[A-Za-z]{2,3}", value):
                raise QueryError(
                    token.column, f"lang: takes a language code such as es or en, not {value!r}"
                )
            value = value.lower()
        if not value:
            raise QueryError(token.column, f"{name}: needs a value")
        return Filter(name, value)


_STARTS = {"lparen", "word", "phrase", "not", "field", "field_word", "filter"}
_NOTHING = And(())  # punctuation alone ("&"): matches, and adds nothing


def _positional(node: Node) -> bool:
    if isinstance(node, Term | Phrase):
        return True
    return isinstance(node, Or) and all(_positional(item) for item in node.items)


def _scoped(node: Node, field: str, column: int) -> Node:
    """Apply title:/body: to every word inside."""
    if isinstance(node, Term | Phrase):
        if node.field and node.field != field:
            raise QueryError(column, f"{node.field}: inside {field}: can never match")
        return replace(node, field=field)
    if isinstance(node, And | Or):
        return type(node)(tuple(_scoped(item, field, column) for item in node.items))
    if isinstance(node, Not):
        return Not(_scoped(node.item, field, column))
    if isinstance(node, Near):
        return Near(
            _scoped(node.left, field, column), _scoped(node.right, field, column), node.distance
        )
    return node


def query_names(text: str, limit: int = 6) -> list[str]:
    """The names a query looks for, as written: its quoted phrases and its acronyms
    (=MPP), in order, none twice, none from a NOT part. What a person reads to know what
    a topic covers (/topics), instead of its query code."""
    positive: set[tuple[bool, tuple[str, ...]]] = set()
    _collect_names(parse_query(text), positive)
    names: list[str] = []
    seen: set[str] = set()
    for token in _lex(text.translate(TYPOGRAPHIC)):
        raw = token.text
        if token.kind == "word" and raw.startswith("="):
            raw, exact = raw[1:], True
        elif token.kind == "phrase":
            exact = bool(token.value)
        else:
            continue
        words = split_words(raw)
        key = (exact, tuple(words if exact else (fold(w) for w in words)))
        shown = " ".join(words)
        if key in positive and shown.casefold() not in seen and (len(words) > 1 or exact):
            seen.add(shown.casefold())
            names.append(shown)
    return names[:limit]


def _collect_names(node: Node, found: set) -> None:
    if isinstance(node, Phrase):
        found.add((node.exact, node.words))
    elif isinstance(node, Term) and node.exact and not node.prefix:
        found.add((True, (node.word,)))
    elif isinstance(node, (And, Or)):
        for item in node.items:
            _collect_names(item, found)
    elif isinstance(node, Near):
        _collect_names(node.left, found)
        _collect_names(node.right, found)
