"""Whatever a user types, search answers with results or with one of its documented
errors: QueryError (with a column) or Refused. In-process on a small real store, then a
few examples through the command line (exit 0, 1 or 2, never a traceback) and through
/search in the chat (never "Something went wrong"). Hypothesis tests are marked slow by
tests/conftest.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot.chat.service import SORRY
from bot.match.matcher import CompiledQuery, build_document
from bot.match.query import QueryError
from bot.model import Article, FeedSpec
from bot.pipeline.search import Refused, SearchRequest, search
from bot.store import Store
from tests.chatbot import Running, message, wait_for
from tests.test_cli import bot as run_cli

NOW = datetime.now(UTC)
WORDS = [
    "asylum", "court", "courts", "mpp", "MPP", "méxico", "Mexico", "quédate", "en", "remain",
    "in", "officers", "fear", "credible", "matamoros", "straße", "ＭＰＰ", "niño", "zz1", "zz2",
    "42", "don't", "Remain-in-Mexico", "a", "x", "ﬁnance", "Øresund", "日本", "🙂", "\u0301",
    "عربي", "\u200b", "\x00", "*", "=", "-", ":", "''", "^", "{", "}", "+", "@", ",", ".",
]  # fmt: skip
OPERATORS = [
    "AND", "OR", "NOT", "and", "or", "NEAR/1", "NEAR/5", "NEAR/50", "NEAR/0", "NEAR/51",
    "NEAR", "NEAR/x", "NEAR/99999999999999999999", '"', "“", "”", "(", ")", "((", "))",
    "title:", "body:", "TITLE:", "title:(", 'body:"', "lang:es", "lang:", "lang:espanol",
    'feed:"A"', "feed:B", "feed:", 'feed:"nope"', "=", '="', "*", "-", "\n", "\t",
]  # fmt: skip
TEXTS = [  # (title, summary, language, feed)
    ("Remain in Mexico returns to court", "Asylum officers in Matamoros, México.", "en", "A"),
    ("Quédate en México regresa", "El programa MPP vuelve a la corte.", "es", "B"),
    ("Credible fear interviews", "Officers held credible fear interviews.", "en", "A"),
    ("Straße und ﬁnance", "Ein Gericht in Øresund. ＭＰＰ 日本 🙂", "de", "B"),
    ("Court zz1 notice", "zz2 court records, 42 filings, don't wait.", "en", "A"),
]
NOT_CHAIN = "court " + " ".join(f"NOT zz{i}" for i in range(1, 96))  # the query


@st.composite
def queries(draw):
    """Query text from words, operators and punctuation; sometimes a long NOT chain or a
    deep nesting of parentheses, which the index's parser is most sensitive to."""
    shape = draw(st.sampled_from(["soup", "soup", "soup", "not-chain", "nested", "text"]))
    if shape == "text":
        return draw(st.text(max_size=60))
    if shape == "not-chain":
        n = draw(st.integers(1, 205))
        head = draw(st.sampled_from(["court", "(court OR asylum)", '"remain in mexico"']))
        return head + "".join(f" NOT zz{i}" for i in range(n))
    if shape == "nested":
        joins = st.sampled_from(["NOT", "OR", "AND", "", "NOT title:", "OR NOT", "NOT NOT"])
        joins = draw(st.lists(joins, min_size=1, max_size=22))
        query = draw(st.sampled_from(["court", '"remain in" NEAR/3 (court OR asylum)']))
        for i, join in enumerate(joins):
            query = f"w{i} {join} ({query})"
        return query
    tokens = draw(st.lists(st.sampled_from(WORDS) | st.sampled_from(OPERATORS), max_size=25))
    return draw(st.sampled_from([" ", ""])).join(tokens)


def fill(path) -> None:
    """A small real store at `path`: feeds A and B, the TEXTS as their articles."""
    store = Store.open(f"sqlite:///{path}")
    store.sync_feeds([FeedSpec(name, f"https://{name.lower()}.example/f") for name in "AB"], NOW)
    feeds = {f.name: f.id for f in store.feed_states()}
    for n, (title, summary, lang, feed) in enumerate(TEXTS):
        article = Article(
            feed=feed, entry_id=f"e{n}", url=f"https://x.example/{n}", title=title,
            summary=summary, content="", author=None, published=NOW - timedelta(days=n + 1),
            language=lang, outlet="x.example", title_key=title.lower(), content_hash=f"h{n}",
        )  # fmt: skip
        store.save_poll(feeds[feed], [article], NOW, next_poll_at=NOW)
    store.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("search-properties") / "bot.db"
    fill(path)
    store = Store.open(f"sqlite:///{path}")
    yield store
    store.close()


def matching(query: str) -> set[str]:
    """The titles the matcher matches (what search must find, no more)."""
    compiled = CompiledQuery(query)
    return {
        title
        for title, summary, lang, feed in TEXTS
        if compiled.evaluate(build_document(title, summary, "", language=lang, feed=feed))
    }


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries(), sort=st.sampled_from(["relevance", "date"]), offset=st.integers(0, 3))
@example(query=NOT_CHAIN, sort="relevance", offset=0)
@example(query="court NOT NOT zz1", sort="relevance", offset=0)
@example(query="court NOT (asylum OR NOT zz1)", sort="date", offset=0)
@example(query="court " + "NOT " * 990 + "zz1", sort="relevance", offset=0)
@example(query="court NOT (NOT (zz1))", sort="relevance", offset=0)
def test_search_answers_or_raises_only_its_documented_errors(archive, query, sort, offset):
    request = SearchRequest(query, sort=sort, limit=2, offset=offset)
    try:
        found = search(archive.search, archive.feed_ids(), request, NOW)
    except QueryError as exc:
        assert 1 <= exc.column <= len(query) + 2, exc
        return
    except Refused as exc:
        assert str(exc).startswith("search: ") and "\n" not in str(exc)
        return
    expected = matching(query)  # the same query, the same meaning
    assert {r.title for r in found.results} <= expected
    assert len(found.results) == min(2, max(0, len(expected) - offset))
    assert found.total == len(expected) or not found.total_exact


def test_a_long_not_chain_is_searched_not_crashed(archive):
    """The hardening issue's query: 95 NOTs made FTS5's parser overflow its stack."""
    query = "court " + " ".join(f"NOT zz{i}" for i in range(3, 96))
    found = search(archive.search, archive.feed_ids(), SearchRequest(query), NOW)
    assert {r.title for r in found.results} == {"Remain in Mexico returns to court",
                                                "Court zz1 notice"}  # fmt: skip
    excluded = search(archive.search, archive.feed_ids(), SearchRequest(query + " NOT zz1"), NOW)
    assert [r.title for r in excluded.results] == ["Remain in Mexico returns to court"]
    assert search(archive.search, archive.feed_ids(), SearchRequest(NOT_CHAIN), NOW).total == 1


# --- Through the command line and the chat: a few examples, each a real run -------------

CHATS = (-1001, -1002, -1003, -1004)  # one chat's answers are paced: four keep it quick
CHAT_LINES = "".join(f"  - {{id: {chat}, name: 'Team {chat}'}}\n" for chat in CHATS)
CONFIG = f"""settings: {{timezone: UTC, commands_per_minute: 600}}
feeds:
  - {{name: "A", url: "https://a.example/f"}}
  - {{name: "B", url: "https://b.example/f"}}
topics:
  mpp: {{title: "Remain in Mexico", query: '"remain in mexico" OR mpp'}}
chats:
{CHAT_LINES}"""
FEW = [
    NOT_CHAIN,
    "court NOT NOT zz1",
    'title:(court OR "remain in") NEAR/3 x',
    "(" * 21 + "court" + ")" * 21,
    "straße OR ＭＰＰ 🙂 NOT (asylum OR NOT zz1)",
    'feed:"A" NOT lang:es',
    "topic:mpp topic:mpp",
]
FAST = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("search-cli")
    (path / "feeds.yaml").write_text(CONFIG)
    fill(path / "bot.db")
    return path


@FAST
@given(query=queries())
@example(query=FEW[0])
@example(query=FEW[1])
@example(query=FEW[3])
@example(query=FEW[4])
def test_queries_through_the_command_line_exit_0_1_or_2(workdir, query):
    assume("\x00" not in query)  # no process takes it in an argument
    result = run_cli(workdir, "search", "--json", "--", query)  # a query may start with -
    assert "Traceback" not in result.stderr, (query, result.stderr)
    assert result.returncode in (0, 1, 2), (query, result.stderr)
    if result.returncode == 2:
        assert result.stderr.startswith(("query error at column ", "search: ")), result.stderr
        assert result.stdout == ""
    else:
        assert json.loads(result.stdout)["total"] == len(matching(query))


@pytest.fixture
def chat_service(fake_bot_api, tmp_path):
    fill(tmp_path / "bot.db")
    running = Running(fake_bot_api, CONFIG, f"sqlite:///{tmp_path / 'bot.db'}")
    yield running
    running.close()


@FAST
@given(query=queries())
@example(query=FEW[0])
@example(query=FEW[1])
@example(query=FEW[2])
@example(query=FEW[3])
@example(query=FEW[4])
@example(query=FEW[6])
def test_queries_through_the_chat_are_answered_never_sorry(chat_service, fake_bot_api, query):
    chat = CHATS[len(fake_bot_api.messages) % len(CHATS)]
    before = len(fake_bot_api.sent_to(chat))
    fake_bot_api.push_update(message(chat, 5, f"/search {query}"))
    answers = wait_for(lambda: fake_bot_api.sent_to(chat)[before:], what=f"an answer to {query!r}")
    assert all(SORRY not in answer.text for answer in answers), (query, answers[0].text)
