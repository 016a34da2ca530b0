"""/search in the chat, end to end (the real service against the fake Bot API): a chat
searches the shared topics and its own watches, never another chat's; page buttons
refuse pages that are not there; a query the index cannot read gets the query-error
answer."""

from __future__ import annotations

import pytest

from bot.chat.service import SORRY
from tests import test_chat
from tests.chatbot import button, message, wait_for
from tests.test_chat import ADMIN, GROUP, MEMBER, markup, story, with_text

pytestmark = pytest.mark.slow  # the real service, end to end

PRIVATE = ADMIN  # a bot admin's private chat: allowed, and another chat than GROUP
start = test_chat.start  # the fixture: start(items) runs the service with one feed of them


def tps_stories():
    return [story(1, "Temporary protected status for Venezuelans extended", hours_ago=30),
            story(2, "Remain in Mexico hearing in Matamoros", hours_ago=20)]  # fmt: skip


def test_a_chat_searches_the_shared_topics_and_its_own_watches_only(start, fake_bot_api):
    start(tps_stories())
    fake_bot_api.push_update(message(GROUP, ADMIN, '/watch tps "temporary protected status"'))
    assert with_text(fake_bot_api, GROUP, "Watching tps")
    for query in ("topic:tps", f"topic:watch:{GROUP}:tps", f"topic:WATCH:{GROUP}:TPS venezuelans"):
        before = len(fake_bot_api.sent_to(GROUP))
        fake_bot_api.push_update(message(GROUP, MEMBER, f"/search {query}"))
        found = wait_for(lambda b=before: fake_bot_api.sent_to(GROUP)[b:], what=query)[0]
        assert "1 result for" in found.text and "Venezuelans" in found.text, query

    # Another allowed chat: the shared topic yes, GROUP's watch no, by name or by id.
    fake_bot_api.push_update(message(PRIVATE, ADMIN, "/search topic:mpp"))
    assert "Matamoros" in with_text(fake_bot_api, PRIVATE, "1 result for").text
    for query in (f"topic:watch:{GROUP}:tps", "topic:tps", f"topic:watch:{GROUP}:tps status"):
        before = len(fake_bot_api.sent_to(PRIVATE))
        fake_bot_api.push_update(message(PRIVATE, ADMIN, f"/search {query}"))
        answer = wait_for(lambda b=before: fake_bot_api.sent_to(PRIVATE)[b:], what=query)[0]
        assert answer.text.startswith("No topic") and "here" in answer.text, query
        assert "Venezuelans" not in answer.text
    fake_bot_api.push_update(message(PRIVATE, ADMIN, "/search topic:mpp topic:tps"))
    assert with_text(fake_bot_api, PRIVATE, "One topic: at a time")


def test_the_watch_reply_names_the_chats_digest_once(start, fake_bot_api):
    start()
    fake_bot_api.push_update(message(GROUP, ADMIN, '/watch tps "temporary protected status"'))
    plain = with_text(fake_bot_api, GROUP, "Watching tps").text
    assert "new matches go to this chat's digest." in plain and "its" not in plain.split("—")[1]
    fake_bot_api.push_update(message(GROUP, ADMIN, '/watch cfi "credible fear" alerts'))
    alerts = with_text(fake_bot_api, GROUP, "Watching cfi").text
    assert "new matches go to this chat's digest and instant alerts." in alerts


def test_page_buttons_refuse_pages_that_are_not_there(start, fake_bot_api):
    start([story(n, f"Remain in Mexico hearing {n}", hours_ago=30 + n) for n in range(12)])
    fake_bot_api.push_update(message(GROUP, MEMBER, '/search "remain in mexico"'))
    first = with_text(fake_bot_api, GROUP, "results")
    ((_, data),) = markup(first.params)
    search_id = data.split(":")[1]

    def press(page: str) -> str:
        count = len(fake_bot_api.callback_answers)
        fake_bot_api.push_update(button(GROUP, MEMBER, f"s:{search_id}:{page}", first.message_id))
        wait_for(lambda: len(fake_bot_api.callback_answers) > count, what=f"page {page}")
        return fake_bot_api.callback_answers[count].get("text") or ""

    for page in ("0", "00", "9999", "-1"):
        answer = press(page)
        assert answer and "--limit" not in answer and "--offset" not in answer, page
    assert "Pages stop at 200" in press("9999")
    assert not fake_bot_api.calls_to("editMessageText")  # the message stayed as it was

    press("150")  # past the last page: said so, with the way back to the last page
    edit = wait_for(lambda: fake_bot_api.calls_to("editMessageText"), what="the edit")[-1]
    assert "No more results" in edit.params["text"]
    assert markup(edit.params) == [("‹ Previous", f"s:{search_id}:3")]
    assert all(SORRY not in m.text for m in fake_bot_api.sent_to(GROUP))


def test_a_query_the_index_cannot_read_gets_the_query_error_answer(
    start, fake_bot_api, monkeypatch
):
    """As an SQLite whose FTS5 parser has a smaller stack would: the expression is
    refused before it runs, and the chat says where and what, not "Something went
    wrong"."""
    start(tps_stories())
    monkeypatch.setattr(
        "bot.store.search_sqlite.expression_problem", lambda _: "fts5: parser stack overflow"
    )
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search venezuelans"))
    answer = with_text(fake_bot_api, GROUP, "Query error").text
    assert "column 1" in answer and "fts5: parser stack overflow" in answer
    assert "fewer parentheses" in answer and SORRY not in answer


WIRE = (
    "A federal judge in Texas on Tuesday blocked the administration's plan to restart the "
    "Migrant Protection Protocols, the policy known as Remain in Mexico, leaving thousands "
    "of asylum seekers waiting in shelters in Matamoros and Reynosa."
)


def test_pages_count_stories_and_next_never_leads_to_no_more_results(start, fake_bot_api):
    """Six articles, two of them copies of one wire story: five stories, one page. The
    header counted articles ("6 results", page 1 of 2) and Next led to "No more
    results"."""
    items = [story(n, f"Remain in Mexico hearing {n} in Matamoros", hours_ago=30 + n)
             for n in range(4)]  # fmt: skip
    items += [story(10, "Judge blocks Remain in Mexico restart", hours_ago=5, text=WIRE),
              story(11, "Judge blocks 'Remain in Mexico' restart (AP)", hours_ago=6,
                    text=WIRE + " Subscribe to our newsletter.")]  # fmt: skip
    start(items)
    fake_bot_api.push_update(message(GROUP, MEMBER, '/search "remain in mexico"'))
    page = with_text(fake_bot_api, GROUP, "results")
    assert "5 results</b> (6 articles)" in page.html and "page 1 of 1" in page.text
    assert "also in: Border Wire" not in page.text  # one feed: the copy is not "elsewhere"
    assert page.text.count("Judge blocks") == 1
    assert markup(page.params) == []  # no Next: the five stories are all on this page


def test_filters_alone_and_lower_case_operators_are_explained(start, fake_bot_api):
    start(tps_stories())
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search lang:es"))
    refused = with_text(fake_bot_api, GROUP, "alone would list").text
    assert refused == (
        "lang:es alone would list every article in that language: add words to search for."
    )
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search venezuelans or zyzzyva"))
    nothing = with_text(fake_bot_api, GROUP, "No articles match").text
    assert nothing.endswith("Did you mean OR? Operators are upper case: a OR b, NEAR/5.")
    fake_bot_api.push_update(message(GROUP, MEMBER, "/search venezuelans OR zyzzyva"))
    assert "Venezuelans" in with_text(fake_bot_api, GROUP, "1 result for").text
    assert all(SORRY not in m.text for m in fake_bot_api.sent_to(GROUP))
