"""Topics in a readable shape (names, context, near, described, exclude), compiled into
the one query language: the compiler, feeds.yaml's errors, the CLI and /topics."""

from __future__ import annotations

import pytest

from bot.app import topics
from bot.chat.answers import topics_list
from bot.config import parse_config
from bot.errors import ConfigError
from bot.match.matcher import Matcher, Topic, build_document
from bot.match.topic_shape import ShapeError, TopicShape, compile_exclude, compile_shape
from tests.test_cli import bot

MPP = """\
feeds: []
topics:
  mpp:
    title: Remain in Mexico
    description: The MPP policy, its courts and the people returned
    names: ["Remain in Mexico", MPP, "Quédate en México"]
    context: [asylum, court*, asilo]
    near: 8
    described: ['"returned to mexico" NEAR/5 asylum~']
    exclude: [ontario, "mpp ontario"]
  raw:
    title: Asylum
    query: '"credible fear" OR asylum'
"""


def test_names_alone_compile_to_an_or_of_quoted_names_exact_in_capitals():
    assert compile_shape(["Remain in Mexico", "MPP", "asylum"]) == (
        '("Remain in Mexico" OR =MPP OR asylum)'
    )
    assert compile_shape(["=Remain in Mexico", "Quédate en México"]) == (
        '(="Remain in Mexico" OR "Quédate en México")'
    )


def test_context_compiles_to_title_and_anywhere_or_body_near():
    assert TopicShape(("MPP", "remain in mexico"), ("asylum", "court*"), 10).compile() == (
        'title:(=MPP OR "remain in mexico") AND (asylum OR court*) OR '
        'body:((=MPP OR "remain in mexico") NEAR/10 (asylum OR court*))'
    )
    assert compile_shape(["MPP"], ["asylum"], described=["a NEAR/3 b", "c d"]) == (
        "title:(=MPP) AND (asylum) OR body:((=MPP) NEAR/15 (asylum)) OR (a NEAR/3 b) OR (c d)"
    )


def test_operators_as_names_are_quoted_and_exclude_is_an_or():
    assert compile_shape(["AND", "NEARby"]) == '(="AND" OR "NEARby")'
    assert compile_exclude(["ontario", "mpp ontario"]) == 'ontario OR "mpp ontario"'


@pytest.mark.parametrize(
    ("shape", "path", "text"),
    [
        ({"names": ["ok", 'say "x"']}, "names[1]", "quotes"),
        ({"names": ["ok"], "context": ["a (b)"]}, "context[0]", "parentheses"),
        ({"names": ["ok"], "context": ["two words*"]}, "context[0]", "single word"),
        ({"names": ["ok"], "described": ["x", "y AND ("]}, "described[1]", "column"),
        ({"names": []}, "names", "at least one"),
        ({"names": ["ok"], "near": 0}, "near", "1 to 50"),
        ({"names": ["ok"], "described": ["word " * 250] * 2}, "", "compiled query"),
    ],
)
def test_a_bad_shape_names_its_field(shape, path, text):
    with pytest.raises(ShapeError) as caught:
        compile_shape(**shape)
    assert caught.value.path == path
    assert text in str(caught.value)


def _matcher() -> Matcher:
    return Matcher(topics(parse_config(MPP)))


def _topics(title: str, body: str = "", language: str | None = None) -> list[str]:
    return [m.topic for m in _matcher().match(build_document(title, body, language=language))]


def test_a_name_counts_with_a_context_word_near_it_or_anywhere_when_in_the_headline():
    assert "mpp" in _topics("", "Under MPP, people wait months for an asylum hearing")
    assert "mpp" in _topics("Remain in Mexico returns", "the court in Brownsville reopened")
    assert "mpp" in _topics("", "Programa Quédate en México: solicitudes de asilo")
    far = "MPP " + "word " * 20 + "asylum"
    assert "mpp" not in _topics("", far)  # more than 8 words apart
    assert "mpp" not in _topics("", "mpp asylum court")  # not MPP: the capitals are exact
    assert "mpp" not in _topics("", "Remain in Mexico, said the coach")  # no context word


def test_described_counts_without_a_name_and_exclude_drops():
    assert "mpp" in _topics("", "They were returned to Mexico to seek asylum there")
    assert "mpp" not in _topics("MPP in Ontario", "asylum court")


def test_names_alone_count_alone():
    config = parse_config("feeds: []\ntopics:\n  t:\n    title: T\n    names: [MPP]\n")
    assert config.topics["t"].query == "(=MPP)"
    matcher = Matcher(topics(config))
    assert matcher.match(build_document("", "MPP is back"))
    assert not matcher.match(build_document("", "the mpp is back"))
    assert Topic("t", "(=MPP)") in topics(config)


def test_the_config_keeps_the_compiled_query_and_the_names():
    topic = parse_config(MPP).topics["mpp"]
    assert topic.query.startswith('title:("Remain in Mexico" OR =MPP OR "Quédate en México")')
    assert topic.query.endswith('OR ("returned to mexico" NEAR/5 asylum~)')
    assert topic.exclude == 'ontario OR "mpp ontario"'
    assert topic.names == ["Remain in Mexico", "MPP", "Quédate en México"]
    assert parse_config(MPP).topics["raw"].names is None


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return caught.value.problems


TOPIC = "feeds: []\ntopics:\n  mpp:\n    title: M\n"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("    query: x\n    names: [y]\n", "topics.mpp: write either query: or names:, not both"),
        ("    description: d\n", "topics.mpp: write query:"),
        ("    query: x\n    context: [y]\n", "topics.mpp: context: belong to a shape"),
        ("    names: ['a (b']\n", "topics.mpp.names[0]: 'a (b': "),
        ("    names: [a]\n    context: [ok, 'x\"y']\n", "topics.mpp.context[1]: "),
        ("    names: [a]\n    near: 99\n", "topics.mpp.near: "),
        ("    names: []\n", "topics.mpp.names: needs at least one name"),
        ("    query: x\n    exclude: [ok, '(no']\n", "topics.mpp.exclude: entry [1]: "),
    ],
)
def test_config_errors_name_the_field(lines, expected):
    problems = _problems(TOPIC + lines)
    assert any(expected in p for p in problems), problems


def test_a_described_clause_error_points_into_feeds_yaml():
    text = TOPIC + "    names: [MPP]\n    described:\n      - a\n      - b\n      - 'mpp AND ('\n"
    (problem,) = _problems(text)
    head, shown, caret = problem.split("\n")
    assert head.startswith("feeds.yaml line 9: topics.mpp.described[2]: query error at column")
    assert "mpp AND (" in shown and caret.strip() == "^"


def test_topics_list_shows_the_shape_names_not_query_code():
    config = parse_config(MPP)
    blocks = topics_list(config.topics, None, [])
    mpp = next(b for b in blocks if "(mpp)" in b)
    assert "Looks for: Remain in Mexico, MPP, Quédate en México" in mpp
    assert "<i>The MPP policy, its courts and the people returned</i>" in mpp
    assert "NEAR" not in mpp and "title:" not in mpp
    raw = next(b for b in blocks if "(raw)" in b)
    assert "Looks for: credible fear" in raw  # a hand-written query: its phrases


def test_check_verbose_prints_each_topics_compiled_query(tmp_path):
    result = bot(tmp_path, "check", "--verbose", config=MPP)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "topic mpp (compiled from names:):\n  query: title:(" in out
    assert "NEAR/8 (asylum OR court* OR asilo)) OR (" in out
    assert '  exclude: ontario OR "mpp ontario"' in out
    assert 'topic raw:\n  query: "credible fear" OR asylum' in out
    plain = bot(tmp_path, "check")
    assert "topic mpp" not in plain.stdout


def test_match_topic_matches_a_topic_of_feeds_yaml(tmp_path):
    text = "Under MPP they waited for an asylum hearing in Matamoros"
    result = bot(tmp_path, "match", "--topic", "mpp", "--verbose", "--text", text, config=MPP)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('topic mpp: title:("Remain in Mexico"')
    assert "[MPP]" in result.stdout and "[asylum]" in result.stdout
    excluded = bot(tmp_path, "match", "--topic", "mpp", "--text", "MPP asylum in Ontario")
    assert excluded.returncode == 1 and "no match" in excluded.stdout
    unknown = bot(tmp_path, "match", "--topic", "nope", "--text", "x")
    assert unknown.returncode == 2 and "no topic 'nope'" in unknown.stderr
    both = bot(tmp_path, "match", "asylum", "--topic", "mpp", "--text", "x")
    assert both.returncode == 2 and "not both" in both.stderr
    neither = bot(tmp_path, "match", "--text", "x")
    assert neither.returncode == 2
    plain = bot(tmp_path, "match", "asylum", "--text", "asylum seekers")
    assert plain.returncode == 0 and "matches" in plain.stdout
