"""One event in two languages: the English and the Spanish report of the same ruling.

Translation leaves the words apart, but not the names, places and numbers: "Judge Dana
Sabraw in San Diego" is "el juez Dana Sabraw en San Diego". A story's evidence is the set
of those, folded (accents off, lower case): the capitalized words of its headline and the
opening of its text, all-capital words (DHS, ACLU, a dateline's TIJUANA) and numbers of two
digits or more (1,500 and 1.500 alike), less the capitalized common words of both
languages. A sentence's first word is only a name when it is in capitals; a headline in
Title Case ("Judge Blocks Remain in Mexico Policy") gives only what its text also
capitalizes. Two stories in different languages report one event when they were published
within WINDOW of each other and their evidence shares at least MIN_SHARED tokens and a
Jaccard of at least MIN_JACCARD (bench/crosslang.py measures the rule on the dev sets).
Pure: texts in, a verdict out.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.match.text import fold

WINDOW = timedelta(hours=36)
MIN_SHARED = 3
MIN_JACCARD = 0.3
LEAD_CHARS = 600  # the opening of the text that counts, as much as a digest candidate has

# Capitalized words that are no names: articles, pronouns, prepositions, months, days, and
# the countries every story of this beat names (US, EE. UU., Estados Unidos, Mexico), and
# the titles and bodies a name follows in either language (Judge, Juez, District, Gobierno).
_COMMON = """the a an in on at of for to from by with and or but as is it its this that these
    those he she they we his her their our after before over under new what why how who
    when where while if not no us u s usa mexico mexican america american united states
    el la los las lo un una unos unas en de del al por para con sin sobre tras entre y o
    e que se su sus es este esta estos estas ese esa eso como mas pero cuando donde quien
    ee uu eeuu estados unidos mexico mexicano mexicana mexicanos
    mr mrs ms sr sra dr one san santa ciudad city
    judge juez jueza district distrito court corte tribunal federal supreme suprema
    government gobierno president presidente administration administracion secretary
    secretario secretaria department departamento law ley immigration inmigracion
    january february march april may june july august september october november december
    enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre
    noviembre diciembre monday tuesday wednesday thursday friday saturday sunday lunes
    martes miercoles jueves viernes sabado domingo"""
COMMON = frozenset(_COMMON.split())

_ENTITY = re.compile(r"&#?\w+;")  # an HTML entity a feed left in ("&#8217;"): no number
_TOKEN = re.compile(r"\d[\d.,]*\d|\d|[^\W\d_]+")
_TITLE_CASE = 0.6  # a headline this capitalized (words of 4+ letters) is in Title Case


def evidence(title: str, text: str = "") -> frozenset[str]:
    """The names, places and numbers of a story's headline and lead, folded."""
    title, lead = _ENTITY.sub(" ", title), _ENTITY.sub(" ", text[:LEAD_CHARS])
    from_lead = _names(lead, sentence_starts=True)
    if _title_case(title):
        from_title = {t for t in _names(title, sentence_starts=False) if t in from_lead}
        from_title |= _names(title, sentence_starts=False, capitals_only=True)
    else:
        from_title = _names(title, sentence_starts=True)
    return frozenset(from_title | from_lead)


def same_event(
    a: frozenset[str], b: frozenset[str], a_published: datetime, b_published: datetime
) -> bool:
    """Whether two stories' evidence (and dates) say they report one event. The caller
    decides that their languages differ; the rule itself is language-blind."""
    if abs(a_published - b_published) > WINDOW:
        return False
    shared = len(a & b)
    return shared >= MIN_SHARED and shared >= MIN_JACCARD * len(a | b)


def _names(text: str, *, sentence_starts: bool, capitals_only: bool = False) -> set[str]:
    """Capitalized words, capital words and numbers of `text`, folded, minus COMMON. With
    `sentence_starts`, a sentence's first word counts only when it is in capitals; without,
    every capitalized word counts (a headline in Title Case, read by the caller)."""
    found = set()
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word[0].isdigit():
            digits = word.replace(",", "").replace(".", "")
            if len(digits) >= 2:
                found.add(digits)
            continue
        capitals = len(word) >= 2 and word.isupper()
        if not (capitals or (word[0].isupper() and not capitals_only)):
            continue
        if sentence_starts and not capitals and _starts_sentence(text, match.start()):
            continue
        folded = fold(word)
        if folded not in COMMON and len(folded) >= 2:
            found.add(folded)
    return found


def _starts_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` opens the text, a line or a sentence. A period after a
    capital or a short word ("U.S.", "EE. UU.", "Sr.") ends no sentence."""
    before = text[:at].rstrip(" \t\"'“”«¿¡(")
    if not before or before[-1] in "!?:;—–\n":
        return True
    if before[-1] != ".":
        return False
    previous = re.search(r"(\w+)\W*$", before[:-1])
    if previous is None:
        return True
    word = previous.group(1)
    return not (word[0].isupper() and (len(word) <= 3 or word.isupper()))


def _title_case(title: str) -> bool:
    words = re.findall(r"[^\W\d_]{4,}", title)
    return bool(words) and sum(w[0].isupper() for w in words) >= _TITLE_CASE * len(words)
