"""`python -m bot evaluate`: exact counts on a hand-made set, bad lines, the JSON shape,
the "why" of misses and false hits, and the floors the shipped topics must keep on the
two dev sets (../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import topics
from bot.config import load_config
from bot.match.evaluation import ALL, evaluate_items, parse_items, show
from bot.match.query import parse_query
from tests.corpus import shared_path
from tests.test_cli import bot

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"

# Precision and recall each topic of feeds.yaml must keep on each dev set, in each
# language and over all: the target, 0.95. Measured on the real set when the
# floor was raised: mpp en 0.966/1.000, es 1.000/0.958; asylum en 0.981/1.000,
# es 0.978/0.978 (and, before the topics were tuned, mpp 0.946/0.673 over all).
FLOORS = {
    "relevance-dev.jsonl": {"mpp": (0.95, 0.95), "asylum": (0.95, 0.95)},
    "relevance-real-dev.jsonl": {"mpp": (0.95, 0.95), "asylum": (0.95, 0.95)},
}

CONFIG = """\
feeds: []
topics:
  mpp: {title: MPP, query: '"remain in mexico" OR (=MPP NEAR/5 (asylum OR asilo))'}
  asylum: {title: Asylum, query: 'asylum AND (border OR court)', exclude: 'Canada'}
"""
ITEMS = [
    # mpp: a hit (en), a miss (es: no name of the policy), a false hit (en)
    {"id": "a1", "title": "Remain in Mexico returns", "summary": "Asylum seekers at the border",
     "content": "", "language": "en", "topics": ["mpp", "asylum"]},
    {"id": "a2", "title": "Devueltos a esperar", "summary": "Solicitantes de asilo en la frontera",
     "content": "", "language": "es", "topics": ["mpp"]},
    {"id": "a3", "title": "Retirees remain in Mexico", "summary": "Sunny beaches",
     "content": "", "language": "en", "topics": []},
    # asylum: a miss (excluded by Canada), a true negative
    {"id": "a4", "title": "Asylum court in Canada", "summary": "", "content": "",
     "language": "en", "topics": ["asylum"]},
    {"id": "a5", "title": "Weather", "summary": "Rain", "content": "", "language": "es",
     "topics": []},
]  # fmt: skip


def write_set(tmp_path: Path, extra: str = "") -> None:
    (tmp_path / "feeds.yaml").write_text(CONFIG)
    lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in ITEMS)
    (tmp_path / "set.jsonl").write_text(lines + "\n" + extra)


def test_command_prints_exact_counts_and_each_error_with_why(tmp_path):
    write_set(tmp_path)
    result = bot(tmp_path, "evaluate", "set.jsonl")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("5 labeled items")
    lines = [line.split() for line in out.splitlines()]
    # mpp en: 3 items, 1 labeled, tp 1 fp 1 → P 0.5 R 1; es: 2 items, 1 labeled, 1 miss
    assert ["en", "3", "1", "0.500", "1.000", "0", "1"] in lines
    assert ["es", "2", "1", "1.000", "0.000", "1", "0"] in lines
    assert ["all", "5", "2", "0.500", "0.500", "1", "1"] in lines
    # asylum en: 3 items, 2 labeled, a1 found, a4 excluded
    assert ["en", "3", "2", "1.000", "0.500", "1", "0"] in lines
    assert (
        "a2 [es] Devueltos a esperar — nearest: =MPP NEAR/5 (asylum OR asilo): absent: =MPP" in out
    )
    assert 'a3 [en] Retirees remain in Mexico — matched: "remain in mexico"' in out
    assert "[remain in Mexico]" in out  # the false hit's snippet, hits marked
    assert "a4 [en] Asylum court in Canada — excluded by: canada" in out


def test_bad_line_is_reported_with_its_number_and_skipped(tmp_path):
    write_set(tmp_path, extra='not json\n{"id": "x", "title": "t"}\n')
    result = bot(tmp_path, "evaluate", "set.jsonl")
    assert result.returncode == 1
    assert "line 6:" in result.stderr and "line 7: 'topics' must be a list" in result.stderr
    assert "5 labeled items (2 bad lines skipped)" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_is_one_object_and_topic_and_floor_apply(tmp_path):
    write_set(tmp_path)
    result = bot(
        tmp_path, "evaluate", "set.jsonl", "--json", "--topic", "mpp", "--floor", "0.5,0.5"
    )
    assert result.returncode == 1  # mpp es has recall 0
    document = json.loads(result.stdout)
    assert document["items"] == 5 and document["bad_lines"] == []
    assert list(document["topics"]) == ["mpp"] and document["unknown_topics"] == []
    mpp = document["topics"]["mpp"]
    assert mpp["all"] == {"items": 5, "labeled": 2, "matched": 2, "tp": 1, "fp": 1, "fn": 1,
                          "precision": 0.5, "recall": 0.5, "f1": 0.5}  # fmt: skip
    assert set(mpp["languages"]) == {"en", "es"}
    assert [e["id"] for e in mpp["misses"]] == ["a2"]
    (false_hit,) = mpp["false_hits"]
    assert false_hit["id"] == "a3" and false_hit["branch"] == '"remain in mexico"'
    start, end = false_hit["highlights"][0]
    assert false_hit["snippet"][start:end] == "remain in Mexico"
    assert document["floor"]["passed"] is False
    assert document["floor"]["below"] == [
        {"topic": "mpp", "language": "es", "precision": 1.0, "recall": 0.0}
    ]


def test_unknown_topic_and_bad_floor_are_usage_errors(tmp_path):
    write_set(tmp_path)
    result = bot(tmp_path, "evaluate", "set.jsonl", "--topic", "tps")
    assert result.returncode == 2 and "no topic 'tps'" in result.stderr
    result = bot(tmp_path, "evaluate", "set.jsonl", "--floor", "high")
    assert result.returncode == 2 and "--floor" in result.stderr


def test_branches_are_named_by_their_text():
    node = parse_query('body:(("remain in mexico" OR a OR b) NEAR/15 (asylum OR asilo))')
    assert show(node) == 'body:(("remain in mexico" OR …) NEAR/15 (asylum OR asilo))'
    assert show(parse_query("=MPP AND x NOT (ontario OR canada)")) == (
        "=MPP AND x AND NOT (ontario OR canada)"
    )


def dev_set(name: str) -> Path:
    """A dev set, or a skip when ../shared/data is absent (a failure under CI)."""
    return shared_path(DATA / name, "dev set")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_shipped_topics_keep_their_floor_on_the_dev_sets(name):
    with dev_set(name).open(encoding="utf-8") as source:
        items, bad = parse_items(source)
    assert bad == [] and len(items) > 100
    report = evaluate_items(items, topics(load_config(REPO / "feeds.yaml")))
    assert report.unknown_topics == []
    figures = {
        (t.topic, lang): (cell.precision, cell.recall)
        for t in report.topics
        for lang, cell in t.cells.items()
    }
    assert {lang for _, lang in figures} == {"en", "es", ALL}
    below = {
        (topic, lang): got
        for (topic, lang), got in figures.items()
        if got[0] < FLOORS[name][topic][0] or got[1] < FLOORS[name][topic][1]
    }
    assert below == {}, f"{name}: below the floor {FLOORS[name]}: {below}"


def test_synthetic_set_passes_the_command_floor(tmp_path):
    path = dev_set("relevance-dev.jsonl")
    (tmp_path / "feeds.yaml").write_text((REPO / "feeds.yaml").read_text())
    result = bot(tmp_path, "evaluate", str(path), "--floor", "0.95,0.95")
    assert result.returncode == 0, result.stdout[-2000:]
    assert result.stdout.rstrip().endswith("PASS")
