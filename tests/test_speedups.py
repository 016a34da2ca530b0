"""The compiled matcher (bot/match/speedups.py, setup.py): in use after `make venv`, the
same results as its source, and never run once its source has changed."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.match.matcher as compiled_matcher
import bot.match.text as compiled_text
from bot.app import topics as config_topics
from bot.config import load_config
from bot.match import speedups
from tests.match_samples import QUERIES, WORDS

REPO = Path(__file__).resolve().parent.parent
MATCH = REPO / "bot" / "match"
sys.path.insert(0, str(REPO / "bench"))
from synthtopics import build_articles, build_topics  # noqa: E402


def require_compiled() -> None:
    """Compiled modules are what `make venv` builds, and what CI tests; a plain clone
    (no compiler run) has only the source, and there the comparisons mean nothing."""
    missing = speedups.from_source()
    if not missing:
        return
    reason = f"{', '.join(missing)} not compiled (run `make venv`)"
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI builds them through `make test`, so they must be in use")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def source_modules():
    """text.py and matcher.py loaded from source under other names, beside the compiled
    ones (the source matcher on the source text module)."""
    require_compiled()
    saved = {name: sys.modules.get(f"bot.match.{name}") for name in speedups.COMPILED}
    try:
        loaded = {n: speedups.load_source("bot.match", MATCH, n) for n in speedups.COMPILED}
    finally:
        for name, module in saved.items():
            sys.modules[f"bot.match.{name}"] = module
    assert not speedups.is_compiled(loaded["matcher"])
    assert loaded["matcher"].fold is loaded["text"].fold  # not the compiled text module's
    return loaded


def test_the_compiled_modules_are_in_use_and_recorded():
    require_compiled()
    assert speedups.stale_modules(MATCH) == []
    recorded = json.loads((MATCH / speedups.RECORD).read_text())
    assert recorded["matcher.py"] == speedups.digest(MATCH / "matcher.py")


PIECES = [*"aAéÉñÑüßµ½ -.,'’“”—…«»\n", "Łódź", "キ", "\u0301", "MPP", "México"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=40)


@settings(max_examples=300)
@given(TEXT)
def test_compiled_text_folds_as_its_source(source_modules, text):
    source = source_modules["text"]
    assert compiled_text.fold_text(text) == source.fold_text(text)
    assert compiled_text.exact_words(text) == source.exact_words(text)
    assert [compiled_text.fold(w) for w in compiled_text.split_words(text)] == [
        source.fold(w) for w in source.split_words(text)
    ]


def as_plain(matches) -> list[tuple]:
    return [dataclasses.astuple(m) for m in matches]


def matchers(source_modules, topics) -> tuple:
    made = []
    for module in (compiled_matcher, source_modules["matcher"]):
        made.append(module.Matcher([module.Topic(t.id, t.query, t.exclude, t.languages)
                                    for t in topics]))  # fmt: skip
    return tuple(made)


def test_compiled_matcher_matches_as_its_source(source_modules):
    """Every Match (topic, score, snippet, highlights) of 1,500 synthetic articles against
    the benchmark's 50 topics and feeds.yaml's, compiled and from source."""
    source = source_modules["matcher"]
    starter = config_topics(load_config(REPO / "feeds.yaml"))
    topic_sets = [build_topics(50), starter]
    articles = build_articles(1500, seed=7)
    compared = 0
    for topics in topic_sets:
        fast, slow = matchers(source_modules, topics)
        for a in articles:
            fields = (a.title, a.summary, a.content)
            args = {"language": a.language, "feed": a.feed}
            got = as_plain(fast.match(compiled_matcher.build_document(*fields, **args)))
            want = as_plain(slow.match(source.build_document(*fields, **args)))
            assert got == want, a.title
            compared += len(want)
    assert compared > 1000  # the comparison saw matches, not only empty lists


def test_a_changed_source_runs_instead_of_its_stale_compiled_form(tmp_path, caplog):
    package = tmp_path / "pkg"
    package.mkdir()
    for name in speedups.COMPILED:
        (package / f"{name}.py").write_text(f"WHERE = 'source of {name}'\n")
        # An empty file named as a compiled module: loading it would fail loudly.
        (package / f"{name}{speedups.importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    speedups.write_record(package)
    assert speedups.stale_modules(package) == []

    (package / "matcher.py").write_text("WHERE = 'edited source'\n")
    assert speedups.stale_modules(package) == ["matcher"]
    try:
        assert speedups.prefer_fresh("pkg_for_test", package) == ["matcher"]
        assert sys.modules["pkg_for_test.matcher"].WHERE == "edited source"
    finally:
        sys.modules.pop("pkg_for_test.matcher", None)
    assert "matcher.py changed after it was compiled" in caplog.text

    (package / speedups.RECORD).unlink()  # no record: nothing compiled can be trusted
    assert speedups.stale_modules(package) == ["text", "matcher"]
    (package / "text.py").unlink()  # shipped compiled alone: nothing else to run
    assert speedups.stale_modules(package) == ["matcher"]
    for name in speedups.COMPILED:
        (package / f"{name}{speedups.importlib.machinery.EXTENSION_SUFFIXES[0]}").unlink()
    assert speedups.stale_modules(package) == []  # nothing compiled: the source runs anyway


GLUE = [" ", " ", ", ", "-", "  ", ". ", "’", " “", "” ", "\n"]  # one space or many
PIECES_OF_TEXT = st.tuples(st.sampled_from([*WORDS, "Łódź", "キ", "MPPT"]), st.sampled_from(GLUE))
ARTICLE_TEXT = st.lists(PIECES_OF_TEXT, max_size=30).map(lambda p: "".join(w + g for w, g in p))


@settings(max_examples=300, deadline=None)
@given(ARTICLE_TEXT, ARTICLE_TEXT, st.sampled_from([None, "en", "es"]))
def test_compiled_matcher_agrees_on_random_texts(source_modules, title, body, language):
    source = source_modules["matcher"]
    topics = [compiled_matcher.Topic(str(i), q, exclude="lunatic" if i % 2 else None)
              for i, q in enumerate(QUERIES)]  # fmt: skip
    fast, slow = matchers(source_modules, topics)
    got = fast.match(compiled_matcher.build_document(title, body, language=language))
    want = slow.match(source.build_document(title, body, language=language))
    assert as_plain(got) == as_plain(want)
