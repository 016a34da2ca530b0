"""The shipped starter topics against the false friends a real feed brings, and the
classify command's format. (Precision and recall on the labeled set: bench/relevance.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import topics
from bot.config import load_config
from bot.match.matcher import Matcher, build_document
from tests.test_cli import bot

REPO = Path(__file__).resolve().parent.parent
MATCHER = Matcher(topics(load_config(REPO / "feeds.yaml")))


def topics_of(title: str, summary: str = "", language: str = "en") -> list[str]:
    doc = build_document(title, summary, language=language)
    return sorted(m.topic for m in MATCHER.match(doc))


@pytest.mark.parametrize(
    ("title", "summary", "language"),
    [
        ("Ontario MPP tables bill on housing", "The MPP for Windsor West spoke at Queen's "
         "Park.", "en"),
        ("New MPPT charge controller boosts solar output", "Maximum power point tracking (MPP) "
         "lets panels deliver more energy.", "en"),
        ("MPP Industries reports quarterly earnings", "The MPP group expects growth.", "en"),
        ("Restoring the old lunatic asylum", "The Victorian asylum will become flats.", "en"),
        ("Brexit: Remain campaigners regroup", "Remain voters in Kent want a new "
         "referendum.", "en"),
        ("Germany tightens asylum rules", "Berlin will process asylum seekers faster, the "
         "interior ministry said.", "en"),
        ("Australia's offshore asylum policy criticised", "Asylum seekers on Nauru …", "en"),
        ("Canada sees record asylum claims", "Refugee claimants arriving in Quebec.", "en"),
        ("España: el Gobierno agiliza el asilo en Canarias", "Solicitantes de asilo llegan a "
         "las islas.", "es"),
    ],
    ids=["ontario-mpp", "mppt-solar", "other-mpp", "lunatic-asylum", "brexit-remain",
         "germany", "australia", "canada", "spain"],
)  # fmt: skip
def test_false_friends_match_no_topic(title, summary, language):
    assert topics_of(title, summary, language) == []


@pytest.mark.parametrize(
    ("title", "summary", "language", "expected"),
    [
        ("Asylum officers urge 9th Circuit to end Remain in Mexico", "The union's brief says "
         "the Migrant Protection Protocols violate US law.", "en", ["asylum", "mpp"]),
        ("Shelters in Tijuana prepare for return of 'Quédate en México'", "Albergues esperan a "
         "solicitantes de asilo devueltos por Estados Unidos.", "es", ["asylum", "mpp"]),
        ("Credible fear screenings resume at the border", "USCIS asylum officers will "
         "interview migrants held by CBP in Texas.", "en", ["asylum"]),
    ],
    ids=["brief", "tijuana-es", "credible-fear"],
)  # fmt: skip
def test_mission_stories_match(title, summary, language, expected):
    assert topics_of(title, summary, language) == expected


def test_classify_reads_json_lines_and_reports_bad_lines(tmp_path):
    (tmp_path / "feeds.yaml").write_text((REPO / "feeds.yaml").read_text())
    lines = [
        {"id": "a", "title": "Credible fear interviews resume at the Texas border",
         "summary": "USCIS asylum officers", "content": "", "language": "en"},
        {"id": "b", "title": "Ontario MPP on housing", "summary": "", "language": "en"},
    ]  # fmt: skip
    source = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    (tmp_path / "in.jsonl").write_text(source)
    result = bot(tmp_path, "classify", "in.jsonl")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0]["id"] == "a" and out[0]["topics"] == ["asylum"]
    assert set(out[0]["scores"]) == {"asylum"} and out[0]["scores"]["asylum"] > 0
    assert out[1] == {"id": "b", "topics": [], "scores": {}}
    assert "classify: line 3:" in result.stderr and result.returncode == 1
