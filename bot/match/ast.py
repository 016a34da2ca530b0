"""The parsed form of a query. Words are stored folded (lower case, no accents) unless
`exact`, in which case they are compared as written (for acronyms such as MPP)."""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("title", "body")  # None: anywhere


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool = False  # migra* : any word starting with it
    exact: bool = False  # =MPP : case- and accent-sensitive
    field: str | None = None
    stem: bool = False  # deport~ : any word with its English or Spanish stem (text.stems)


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    exact: bool = False
    field: str | None = None


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int  # at most this many words apart, either order


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Filter:
    name: str  # "lang" or "feed"
    value: str


Node = Term | Phrase | Near | And | Or | Not | Filter
