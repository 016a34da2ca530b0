"""One story in two languages: the English and Spanish reports of one ruling sit together
in a digest (bot/stories/crosslang.py's evidence, bot/digest/compose.py's placement)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.compose import compose
from bot.digest.model import Candidate
from bot.match.matcher import Topic
from bot.stories.crosslang import evidence, same_event
from tests.conftest import add_feeds, poll, rss

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
TOPICS = [("mpp", "Remain in Mexico (MPP)"), ("asylum", "Asylum")]

RULING_EN = (
    "Judge Blocks Return of Asylum Seekers to Matamoros",
    "BROWNSVILLE, Texas — U.S. District Judge Fernando Rodriguez on Monday ordered DHS to "
    "stop sending asylum seekers back to Matamoros under the Remain in Mexico program, "
    "saying 2,300 people had waited more than 18 months for hearings. The ACLU brought the "
    "case on behalf of families camped near the Gateway International Bridge.",
)
RULING_ES = (
    "Juez ordena frenar devoluciones de solicitantes de asilo a Matamoros",
    "BROWNSVILLE, Texas — El juez federal Fernando Rodríguez ordenó el lunes al DHS dejar de "
    "enviar a Matamoros a solicitantes de asilo bajo el programa Quédate en México, al "
    "señalar que 2.300 personas llevan más de 18 meses esperando sus audiencias. La ACLU "
    "presentó la demanda en nombre de familias acampadas junto al puente Gateway.",
)
TARIFFS_ES = (
    "Trump amenaza con aranceles a México por el acero",
    "El presidente Donald Trump dijo que México pagará nuevos aranceles si no frena las "
    "exportaciones de acero, en un mensaje que sacudió a los mercados de Monterrey.",
)
SHELTER_EN = (
    "Shelters in Reynosa fill as Trump presses Mexico on migration",
    "Shelters in Reynosa are at capacity, volunteers said, as President Trump presses "
    "Mexico to hold more migrants at its northern border.",
)


def cand(article_id, story, *, language, score=2.0, hours_ago=2.0, topic="mpp") -> Candidate:
    title, text = story
    return Candidate(
        article_id=article_id,
        topic=topic,
        score=score,
        snippet=text[:80],
        highlights=(),
        title=title,
        url=f"https://news.example/{article_id}",
        outlet="news.example",
        feed=f"Feed {article_id}",
        published=NOW - timedelta(hours=hours_ago),
        found=NOW - timedelta(hours=1),
        text=text,
        language=language,
    )


def filler(article_id, score, language="en") -> Candidate:
    words = " ".join(f"w{article_id}x{i}" for i in range(8))
    return cand(article_id, (f"Story {article_id} {words}", words), language=language,
                score=score)  # fmt: skip


def order(candidates) -> list[int]:
    since = NOW - timedelta(hours=24)
    digest = compose(candidates, kind="digest", chat_name="Border team", topics=TOPICS,
                     timezone="America/Tijuana", now=NOW, since=since)  # fmt: skip
    return [item.lead.article_id for section in digest.sections for item in section.items]


def test_the_english_and_spanish_reports_of_one_ruling_are_evidence_of_one_event():
    en, es = evidence(*RULING_EN), evidence(*RULING_ES)
    assert {"rodriguez", "fernando", "matamoros", "dhs", "aclu", "2300", "18"} <= en & es
    assert same_event(en, es, NOW, NOW - timedelta(hours=30))
    assert not same_event(en, es, NOW, NOW - timedelta(hours=37))  # not the same day's news


def test_the_spanish_report_moves_to_right_after_the_english_one():
    candidates = [
        cand(1, RULING_EN, language="en", score=5.0),
        filler(2, 4.0),
        filler(3, 3.5),
        cand(4, RULING_ES, language="es", score=3.0, hours_ago=5),
        filler(5, 2.0),
    ]
    assert order(candidates) == [1, 4, 2, 3, 5]
    # without languages the rule has nothing to go on: the ranking alone
    unknown = [c if c.article_id != 4 else cand(4, RULING_ES, language=None, score=3.0,
                                               hours_ago=5) for c in candidates]  # fmt: skip
    assert order(unknown) == [1, 2, 3, 4, 5]


def test_the_english_report_follows_a_spanish_one_ranked_above_it():
    candidates = [
        cand(1, RULING_ES, language="es", score=5.0),
        filler(2, 4.0, "es"),
        cand(3, RULING_EN, language="en", score=3.0),
    ]
    assert order(candidates) == [1, 3, 2]


def test_stories_sharing_only_generic_names_are_not_moved():
    en, es = evidence(*SHELTER_EN), evidence(*TARIFFS_ES)
    assert en & es == {"trump"}  # Mexico is too common to count
    assert not same_event(en, es, NOW, NOW)
    candidates = [
        cand(1, SHELTER_EN, language="en", score=5.0),
        filler(2, 4.0),
        cand(3, TARIFFS_ES, language="es", score=3.0),
    ]
    assert order(candidates) == [1, 2, 3]


def test_same_language_items_are_never_moved():
    # two English write-ups of the ruling, worded apart so they are not one copy
    other_en = (
        "Families at Matamoros camp win reprieve from deportation returns",
        "Fernando Rodriguez, a District Judge in Brownsville, Texas, told DHS on Monday that "
        "the 2,300 people camped in Matamoros for 18 months can stay, in an ACLU case.",
    )
    assert same_event(evidence(*RULING_EN), evidence(*other_en), NOW, NOW)
    candidates = [
        cand(1, RULING_EN, language="en", score=5.0),
        filler(2, 4.0),
        cand(3, other_en, language="en", score=3.0),
    ]
    assert order(candidates) == [1, 2, 3]


def test_a_story_published_days_apart_is_not_moved():
    candidates = [
        cand(1, RULING_EN, language="en", score=5.0, hours_ago=2),
        filler(2, 4.0),
        cand(3, RULING_ES, language="es", score=9.0, hours_ago=50),  # ranks low: old
    ]
    assert order(candidates)[-1] == 3


def test_title_case_headlines_sentence_starts_and_abbreviations():
    found = evidence(
        "Court Strikes Down Asylum Ban in Landmark Ruling",
        "Asylum lawyers said the U.S. Court of Appeals for the Ninth Circuit ruled 2-1. "
        "Officials from CBP declined to comment&#8217;s. Bars near Tijuana stayed open.",
    )
    assert {"ninth", "circuit", "appeals", "cbp", "tijuana"} <= found
    assert not {"strikes", "landmark", "asylum", "officials", "bars", "8217"} & found


def test_the_store_gives_candidates_their_language(store, httpserver):
    items = [{"title": "Remain in Mexico returns to Matamoros", "link": "https://b.example/1",
              "guid": "g1", "pubDate": datetime.now(UTC) - timedelta(hours=1),
              "description": "Remain in Mexico returns, advocates say."}]  # fmt: skip
    httpserver.expect_request("/es").respond_with_data(
        rss(items, language="es-mx"), content_type="text/xml"
    )
    add_feeds(store, ("Feed es", httpserver.url_for("/es")))
    poll(store, topics=[Topic(id="mpp", query='"remain in mexico"')])
    found = store.digest_candidates("1001", ["mpp"], datetime.now(UTC) - timedelta(hours=2))
    assert [c.language for c in found] == ["es"]
