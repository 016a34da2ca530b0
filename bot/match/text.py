"""What a word is, and how words are compared: shared by queries and the matcher, so a
query means the same thing as the text it is matched against."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+")  # letters and digits; hyphens and punctuation separate words


@lru_cache(maxsize=1 << 16)  # words repeat across articles; folding one is ~0.6 µs
def fold(word: str) -> str:
    """Case- and accent-insensitive form: 'Quédate' → 'quedate'."""
    folded = word.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_words(text: str) -> list[str]:
    return WORD.findall(text)


# Word forms (`deport~`): Snowball's English and Spanish stemmers (snowballstemmer, pure
# Python, about 20 000 words a second each: hence the cache). A stemmer object keeps
# its word while it works, so one thread at a time uses them.
_STEMMERS = (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("spanish"))
_stemming = threading.Lock()


@lru_cache(maxsize=1 << 17)  # words repeat across articles; stemming one is ~50 µs
def stems(word: str) -> tuple[str, str]:
    """The English and the Spanish stem of a folded word: 'deportados' → ('deportado',
    'deport')."""
    with _stemming:
        return _STEMMERS[0].stemWord(word), _STEMMERS[1].stemWord(word)


def same_stem(word: str, wanted: tuple[str, str]) -> bool:
    """Whether a folded word is a form of the word whose stems are `wanted`: its English
    stem is the English one, or its Spanish stem the Spanish one."""
    english, spanish = stems(word)
    return english == wanted[0] or spanish == wanted[1]


def stem_prefixes(word: str) -> tuple[str, ...]:
    """Prefixes that every form of a folded word begins with one of (what an index looks
    up for `word~`: a superset). Both stemmers only rewrite a word's ending, by at most
    one letter beyond what they cut (deporting → deport, audiencias → audienci, hoping →
    hope), so a stem less its last letter begins every word with that stem; the
    exceptions (dying → die) and short stems keep only the first letter, which no stem
    changes."""
    found: list[str] = []
    for stem in stems(word):
        prefix = stem[:-1] if len(stem) > 3 else (stem or word)[:1]
        found.append(prefix)
    found.sort(key=len)
    kept: list[str] = []
    for prefix in found:
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return tuple(kept)


def _byte_tables() -> tuple[bytes, bytes]:
    """For Latin-1 text, one `bytes.translate` does what WORD and fold() do word by word:
    a word character becomes its folded form, anything else a space. Characters whose
    folded form is not one Latin-1 character (ß → ss, µ → μ, ½ → 1⁄2) become NUL, which
    nothing else becomes: text with them takes the general path."""
    folded, exact = bytearray(b" " * 256), bytearray(b" " * 256)
    for code in range(256):
        char = chr(code)
        if not WORD.fullmatch(char):
            continue
        exact[code] = code
        form = fold(char)
        if len(form) == 1 and ord(form) < 256 and WORD.fullmatch(form):
            folded[code] = ord(form)
        else:
            folded[code] = 0
    return bytes(folded), bytes(exact)


_FOLDED, _EXACT = _byte_tables()


def latin_1(text: str) -> bytes | None:
    """The text as Latin-1 bytes, character for character, when every word character in it
    is Latin-1: a character beyond (typographic quotes and dashes, bullets: punctuation in
    most real text) becomes "?", a non-word character as it is. None when a letter or
    digit is beyond Latin-1 (such text takes the general path)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    raw = text.encode("latin-1", "replace")  # one "?" for each character it cannot encode
    at = raw.find(b"?")
    while at >= 0:
        char = text[at]
        if char != "?" and _is_word_char(char):
            return None
        at = raw.find(b"?", at + 1)
    return raw


@lru_cache(maxsize=1024)
def _is_word_char(char: str) -> bool:
    return WORD.match(char) is not None


def fold_text(text: str) -> str | None:
    """The text with every word character folded and every other character a space,
    character for character (so `.split()` gives `[fold(w) for w in split_words(text)]`
    and word offsets are the text's); None when that needs the general path (a letter or
    digit beyond Latin-1, or one whose folded form is longer)."""
    raw = latin_1(text)
    if raw is None:
        return None
    folded = raw.translate(_FOLDED)
    # The byte as an int: memchr, where a bytes needle takes the general search (~7×).
    return None if 0 in folded else folded.decode("latin-1")


def exact_words(text: str) -> list[str]:
    """split_words(text), through one `bytes.translate` when its words are Latin-1."""
    raw = latin_1(text)
    if raw is None:
        return WORD.findall(text)
    return raw.translate(_EXACT).decode("latin-1").split()
