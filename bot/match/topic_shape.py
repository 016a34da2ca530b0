"""A topic's readable shape (feeds.yaml) → one query of the query language.

    names:      ["Remain in Mexico", MPP, "Quédate en México"]   the subject's names
    context:    [asylum, court*, "migrant protection"]           must be near a name
    near:       15                                               words (default 15)
    described:  ['"returned to mexico" NEAR/10 asylum~']         count without a name
    exclude:    [ontario, "mpp ontario"]                         an item that matches: dropped

compiles to

    title:(N) AND (C) OR body:((N) NEAR/15 (C)) OR (D1) OR (D2)

with N the names and C the context words joined by OR: a name counts in the headline
with a context word anywhere in the item, or in the text with a context word at most
`near` words away. Without `context` the names count alone. Names and context words are
plain words or phrases, matched case- and accent-insensitively, except a name written
in capitals (MPP, ICE) or marked with a leading `=`, which is matched exactly; a single
word may end with `*` (prefix) or `~` (word forms). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.match.query import MAX_NEAR, TYPOGRAPHIC, QueryError, parse_query
from bot.match.text import split_words

DEFAULT_NEAR = 15
_AFFIXED = re.compile(r"[^\W_][\w'-]*[*~]")  # court*, deport~: one word and its mark
_WORD = re.compile(r"[^\W_][\w'-]*")  # one word, written without quotes
_OPERATORS = ("AND", "OR", "NOT")
_FORBIDDEN = {'"': "quotes", "(": "parentheses", ")": "parentheses"}


class ShapeError(ValueError):
    """A shape that cannot be compiled; `path` names the field (`names[2]`, `near`)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class TopicShape:
    names: tuple[str, ...]
    context: tuple[str, ...] = ()
    near: int = DEFAULT_NEAR
    described: tuple[str, ...] = ()

    def compile(self) -> str:
        return compile_shape(self.names, self.context, self.near, self.described)


def entry(text: str) -> str:
    """One name, context word or excluded phrase as query code: `"remain in mexico"`,
    `=MPP`, `court*`. ValueError (the reason) when it is not a plain word or phrase."""
    if not isinstance(text, str):
        raise ValueError("must be a word or a phrase in quotes-free text")
    plain = text.translate(TYPOGRAPHIC).strip()
    for char, what in _FORBIDDEN.items():
        if char in plain:
            raise ValueError(
                f"{text!r}: a name or word is plain text, no {what} inside "
                "(write a query clause under described: instead)"
            )
    exact = plain.startswith("=")
    body = plain[1:].strip() if exact else plain
    if not split_words(body.rstrip("*~")):
        raise ValueError(f"{text!r}: needs at least one word")
    if body.endswith(("*", "~")):
        if not _AFFIXED.fullmatch(body):
            raise ValueError(f"{text!r}: * and ~ end a single word only (court*, deport~)")
        code = ("=" if exact else "") + body
    else:
        if "*" in body or "~" in body:
            raise ValueError(f"{text!r}: * and ~ end a single word only (court*, deport~)")
        letters = [c for c in body if c.isalpha()]
        exact = exact or (len(letters) >= 2 and all(c.isupper() for c in letters))
        words = " ".join(body.split())
        bare = _WORD.fullmatch(words) and words not in _OPERATORS and not words.startswith("NEAR")
        code = ("=" if exact else "") + (words if bare else f'"{words}"')
    try:
        parse_query(code)
    except QueryError as exc:
        raise ValueError(f"{text!r}: {exc.message}") from None
    return code


def any_of(entries: Sequence[str], field: str = "") -> str:
    """Entries as `a OR b OR c`; ShapeError names the entry (`field[1]`) that is not plain."""
    codes = []
    for index, text in enumerate(entries):
        try:
            codes.append(entry(text))
        except ValueError as exc:
            raise ShapeError(f"{field}[{index}]", str(exc)) from None
    return " OR ".join(codes)


def compile_exclude(words: Sequence[str], field: str = "exclude") -> str:
    """The list form of `exclude:`: an item with any of these words or phrases is dropped."""
    if not words:
        raise ShapeError(field, "needs at least one word or phrase")
    return any_of(words, field)


def compile_shape(
    names: Sequence[str],
    context: Sequence[str] = (),
    near: int = DEFAULT_NEAR,
    described: Sequence[str] = (),
) -> str:
    """The one query for a shape; ShapeError (with the field's path) when it is not valid.
    The whole query is parsed last, so its limits (length, words) hold as for any query."""
    if isinstance(names, str) or not names:
        raise ShapeError("names", "needs a list of at least one name")
    if not isinstance(near, int) or isinstance(near, bool) or not 1 <= near <= MAX_NEAR:
        raise ShapeError("near", f"must be a number of words from 1 to {MAX_NEAR}")
    n = any_of(names, "names")
    parts = [f"({n})"]
    if context:
        c = any_of(context, "context")
        parts = [f"title:({n}) AND ({c})", f"body:(({n}) NEAR/{near} ({c}))"]
    for index, clause in enumerate(described):
        if not isinstance(clause, str) or not clause.strip():
            raise ShapeError(f"described[{index}]", "must be a query clause")
        try:
            parse_query(clause)
        except QueryError as exc:
            raise ShapeError(f"described[{index}]", str(exc)) from None
        parts.append(f"({clause.strip()})")
    query = " OR ".join(parts)
    try:
        parse_query(query)
    except QueryError as exc:
        raise ShapeError("", f"the compiled query: {exc}") from None
    return query
