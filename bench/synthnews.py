"""Synthetic news articles with a realistic vocabulary, for the search benchmark. Seeded.

bench/synthtopics.py builds its texts from a few hundred template phrases: right for
matching speed (every article is tokenized anyway), wrong for an index, where what costs
is how many articles hold a word. Its 1,000,000 articles share 1,801 distinct words, so
"Matamoros" is in 38 % of them. Here most words come from a generated vocabulary of
200,000 words per language drawn with Zipf's law (as in real text), the function words of
each language come at their usual rates, and an article is *about* something: one place
(of 40 border and national places) some of the time, one of synthtopics' 24 beats half
of the time (its words and phrases recur in the article), the mission's phrases in a few
hundred articles. Lengths as in synthtopics: a title of 8-14 words, a summary of 30-80,
a full text of 200-600 words for 30 %.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import synthtopics as topics

VOCABULARY = 200_000
ZIPF_S = 1.07
SPANISH_SHARE = 0.35
CONTENT_SHARE = 0.30
BEAT_SHARE = 0.50
MISSION_SHARE = 0.0004  # "a few hundred" in 1,000,000
PLACE_SHARE = 0.35
FOCUS_RATE = 0.06  # share of an article's words that are its beat's words and place

FUNCTION_EN = {
    ("the", 6), ("of", 3), ("and", 3), ("to", 3), ("a", 2.5), ("in", 2.2), ("that", 1.2),
    ("is", 1.1), ("for", 1), ("on", 0.8), ("with", 0.7), ("as", 0.7), ("was", 0.7),
    ("said", 0.6), ("it", 0.6), ("by", 0.5), ("at", 0.5), ("from", 0.5), ("he", 0.5),
    ("she", 0.3), ("they", 0.4), ("have", 0.4), ("are", 0.4), ("be", 0.4), ("not", 0.3),
    ("this", 0.3), ("but", 0.3), ("an", 0.3), ("their", 0.3), ("has", 0.3), ("were", 0.3),
    ("would", 0.2), ("will", 0.2), ("after", 0.2), ("new", 0.2), ("officials", 0.1),
    ("people", 0.1), ("year", 0.1), ("state", 0.1), ("federal", 0.08), ("border", 0.05),
    ("migrants", 0.04), ("immigration", 0.04), ("asylum", 0.02),
}  # fmt: skip
FUNCTION_ES = {
    ("de", 6), ("la", 4), ("que", 3), ("el", 3), ("en", 2.5), ("y", 2.5), ("a", 2),
    ("los", 2), ("se", 1.3), ("del", 1.2), ("las", 1.2), ("un", 1), ("por", 1), ("con", 0.9),
    ("no", 0.8), ("una", 0.8), ("su", 0.7), ("para", 0.7), ("es", 0.6), ("al", 0.6),
    ("lo", 0.5), ("como", 0.5), ("más", 0.5), ("pero", 0.3), ("sus", 0.3), ("dijo", 0.3),
    ("fue", 0.3), ("autoridades", 0.1), ("gobierno", 0.1), ("año", 0.1), ("frontera", 0.06),
    ("migrantes", 0.05), ("migración", 0.03), ("asilo", 0.02),
}  # fmt: skip
FUNCTION = {"en": sorted(FUNCTION_EN), "es": sorted(FUNCTION_ES)}
PLACES = (
    "Tijuana", "Matamoros", "Reynosa", "Ciudad Juárez", "Nogales", "Mexicali", "El Paso",
    "San Diego", "Laredo", "Brownsville", "McAllen", "Del Rio", "Eagle Pass", "Yuma",
    "Tucson", "Phoenix", "Houston", "Dallas", "Austin", "Chicago", "New York", "Denver",
    "Los Angeles", "Miami", "Washington", "Tapachula", "Monterrey", "Piedras Negras",
    "Nuevo Laredo", "Ciudad Acuña", "Sonoyta", "Agua Prieta", "Hermosillo", "Chihuahua",
    "Guatemala City", "San Pedro Sula", "Caracas", "Port-au-Prince", "Havana", "Managua",
)  # fmt: skip
SYLLABLES = {
    "en": "ba be bi bo bu ka ke ki ko ra re ri ro ta te ti to la le li lo ma me mi mo na ne ni "
    "no sa se si so da de di do ga go pa pe pi po ster ton ing ly er an en in on al",
    "es": "ba be bi bo bu ca co cu ra re ri ro ta te ti to la le li lo ma me mi mo na ne ni "
    "no sa se si so da de di do ga go pa pe pi po ción dad mente ero ado ía án én ón ño",
}


def _vocabulary(language: str, seed: int) -> list[str]:
    """VOCABULARY distinct made-up words, shortest first (Zipf's law: short ones common)."""
    rng = random.Random(seed)
    words: dict[str, None] = {}
    parts = SYLLABLES[language].split()
    while len(words) < VOCABULARY:
        words["".join(rng.choice(parts) for _ in range(rng.choice((2, 2, 3, 3, 3, 4, 4, 5))))] = (
            None
        )
    return sorted(words, key=len)


@dataclass(frozen=True)
class NewsArticle:
    title: str
    summary: str
    content: str
    language: str
    feed: str


class NewsMaker:
    """Seeded article generator: the same seed gives the same articles."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.vocab = {lang: _vocabulary(lang, 1000 + i) for i, lang in enumerate(("en", "es"))}
        weights = [1 / (rank**ZIPF_S) for rank in range(1, VOCABULARY + 1)]
        self.cumulative = list(itertools.accumulate(weights))
        self.function = {
            lang: ([w for w, _ in pairs], list(itertools.accumulate(f for _, f in pairs)))
            for lang, pairs in FUNCTION.items()
        }

    def _words(self, language: str, count: int, focus: list[str]) -> list[str]:
        rng = self.rng
        common, cw = self.function[language]
        n_function = int(count * 0.45)
        n_focus = int(count * FOCUS_RATE) if focus else 0
        out = rng.choices(common, cum_weights=cw, k=n_function)
        out += rng.choices(self.vocab[language], cum_weights=self.cumulative,
                           k=count - n_function - n_focus)  # fmt: skip
        out += [rng.choice(focus) for _ in range(n_focus)]
        rng.shuffle(out)
        return out

    def _sentences(self, words: list[str], lead: tuple[str, ...] = ()) -> str:
        rng = self.rng
        out = [f"{s}." for s in lead]
        i = 0
        while i < len(words):
            n = rng.randint(8, 22)
            chunk = words[i : i + n]
            i += n
            text = " ".join(chunk)
            out.append(text[:1].upper() + text[1:] + ("," if rng.random() < 0.05 else "."))
        return " ".join(out)

    def article(self) -> NewsArticle:
        rng = self.rng
        spanish = rng.random() < SPANISH_SHARE
        language = "es" if spanish else "en"
        focus: list[str] = []
        lead: tuple[str, ...] = ()
        title_focus = None
        roll = rng.random()
        if roll < MISSION_SHARE:
            phrases = topics.MISSION_PHRASES_ES if spanish else topics.MISSION_PHRASES_EN
            focus = list(phrases)
            title_focus = rng.choice(phrases)
            if rng.random() < 0.3:
                lead = (rng.choice(topics.MPP_SENTENCES),)
        elif roll < MISSION_SHARE + BEAT_SHARE:
            beat = rng.choice(topics.BEATS_ES if spanish else topics.BEATS_EN)
            focus = list(beat.words + beat.mentions + beat.title)
            if rng.random() < 0.5:
                title_focus = rng.choice(beat.words + beat.title)
        if rng.random() < PLACE_SHARE:
            place = rng.choice(PLACES)
            focus.append(place)
            if title_focus is None and rng.random() < 0.5:
                title_focus = place
        title_words = self._words(language, rng.randint(8, 14), [])
        if title_focus:
            title_words[rng.randrange(len(title_words))] = title_focus
        title = " ".join(title_words)
        title = title[:1].upper() + title[1:]
        summary = self._sentences(self._words(language, rng.randint(30, 80), focus), lead)
        content = ""
        if rng.random() < CONTENT_SHARE:
            content = self._sentences(self._words(language, rng.randint(200, 600), focus))
        feeds = topics.FEEDS_ES if spanish else topics.FEEDS_EN
        return NewsArticle(title, summary, content, language, rng.choice(feeds))
