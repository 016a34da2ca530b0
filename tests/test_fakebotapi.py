"""The fake Bot API itself: its HTML referee and its answers, checked over plain HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.tg_html import Entity, EntityError, parse_html, utf16_len

GOOD = [
    ("plain", "just text", "just text"),
    ("escaped", "a &lt; b &amp;&amp; c &gt; d &quot;q&quot;", 'a < b && c > d "q"'),
    ("numeric entities", "&#39;&#x27;&#128512;", "''😀"),
    ("all tags", "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>", "bsieun"),
    ("strike tags", "<s>1</s><strike>2</strike><del>3</del>", "123"),
    ("spoilers", '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
    ("link", '<a href="https://e.org/?a=1&amp;b=2">t</a>', "t"),
    ("code", '<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
    ("blockquote", "<blockquote>q</blockquote><blockquote expandable>e</blockquote>", "qe"),
    ("emoji", '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ("nested", "<b>bold <i>both</i></b>", "bold both"),
    ("upper case", "<B>x</B>", "x"),
    ("unquoted attribute", "<a href=https>x</a>", "x"),
    ("anonymous end tag", "<b>x</>", "x"),
    ("right to left", "<b>مرحبا</b> שלום", "مرحبا שלום"),
]

BAD = [
    ("script", "<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
    ("bare less-than", "a < b", 'Unsupported start tag "" at byte offset 2'),
    ("br", "line<br/>line", 'Unsupported start tag "br/" at byte offset 4'),
    ("bare ampersand", "AT&T", 'Unescaped "&" at byte offset 2'),
    ("unknown entity", "&nbsp;", 'Unescaped "&" at byte offset 0'),
    ("no semicolon", "&lt b", 'Unescaped "&" at byte offset 0'),
    ("bare greater-than", "a > b", 'Unescaped ">" at byte offset 2'),
    ("unclosed", "<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
    ("crossed", "<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ("stray end", "x</b>", "Unexpected end tag at byte offset 1"),
    ("cut tag", "text <a href=", "Unclosed start tag at byte offset 5"),
    ("cut quoted value", '<a href="https://e.org', "Unclosed start tag at byte offset 0"),
    ("cut start", "<b", "Unclosed start tag at byte offset 0"),
    ("cut end", "<b>x</b", "Unclosed end tag at byte offset 4"),
    ("span without class", "<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ("attribute without value", "<a href>x</a>", "Expected equal sign"),
    ("offset in bytes", "é<x>", 'Unsupported start tag "x" at byte offset 2'),
    ("ampersand in href", '<a href="?a=1&b=2">x</a>', 'Unescaped "&" at byte offset 13'),
]


@pytest.mark.parametrize(("html", "text"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_valid_html_parses_to_its_text(html, text):
    assert parse_html(html)[0] == text


@pytest.mark.parametrize(("html", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_invalid_html_is_refused_with_telegrams_reason(html, reason):
    with pytest.raises(EntityError) as caught:
        parse_html(html)
    assert reason in str(caught.value)


def test_entities_are_counted_in_utf16_units():
    text, entities = parse_html('😀 <b>hit</b> <a href="https://e.org/x">link</a>')
    assert text == "😀 hit link"
    assert entities == [
        Entity("bold", 3, 3),
        Entity("text_link", 7, 4, url="https://e.org/x"),
    ]
    assert utf16_len("😀") == 2


def call(fake, method, token=None, **params):
    url = f"{fake.base_url}{token or fake.token}/{method}"
    response = httpx.post(url, data=params, timeout=5)
    return response.status_code, response.json()


def test_send_message_is_recorded(fake_bot_api):
    status, body = call(
        fake_bot_api,
        "sendMessage",
        chat_id="-100123",
        text="<b>Digest</b> &amp; more",
        parse_mode="HTML",
        message_thread_id="7",
        link_preview_options=json.dumps({"is_disabled": True}),
    )
    assert status == 200 and body["result"]["message_id"] == 1
    [sent] = fake_bot_api.sent_to(-100123)
    assert (sent.text, sent.thread, sent.preview_disabled) == ("Digest & more", 7, True)
    assert sent.html == "<b>Digest</b> &amp; more"


def test_message_ids_increase_per_chat(fake_bot_api):
    ids = [call(fake_bot_api, "sendMessage", chat_id=c, text="x")[1] for c in (5, 5, 6)]
    assert [i["result"]["message_id"] for i in ids] == [1, 2, 1]


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("<p>x</p>", "HTML", 'Bad Request: can\'t parse entities: Unsupported start tag "p"'),
        ("x" * 4097, "", "Bad Request: message is too long"),
        ("<b>" + "x" * 4096 + "</b>", "HTML", None),  # tags do not count
        ("😀" * 2049, "", "Bad Request: message is too long"),  # 4098 UTF-16 units
        ("<b> </b>", "HTML", "Bad Request: message text is empty"),
        ("", "", "Bad Request: message text is empty"),
    ],
    ids=["bad tag", "too long", "tags do not count", "emoji count twice", "blank", "empty"],
)
def test_send_message_refusals(fake_bot_api, text, parse_mode, description):
    status, body = call(fake_bot_api, "sendMessage", chat_id=1, text=text, parse_mode=parse_mode)
    if description is None:
        assert status == 200
    else:
        assert (status, body["ok"], body["error_code"]) == (400, False, 400)
        assert body["description"].startswith(description)
        assert fake_bot_api.messages == []


def test_wrong_token_is_unauthorized(fake_bot_api):
    status, body = call(fake_bot_api, "getMe", token="1:wrong")
    assert (status, body["description"]) == (401, "Unauthorized")


def test_scripted_faults_are_met_in_order(fake_bot_api):
    fake_bot_api.flood(3)
    fake_bot_api.fail(500, method="sendMessage")
    assert call(fake_bot_api, "getMe") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    assert call(fake_bot_api, "getMe")[0] == 200  # the 500 waits for a sendMessage
    assert call(fake_bot_api, "sendMessage", chat_id=1, text="x")[0] == 500
    assert call(fake_bot_api, "sendMessage", chat_id=1, text="x")[0] == 200


def test_dropped_connection_answers_nothing(fake_bot_api):
    fake_bot_api.drop()
    with pytest.raises(httpx.RemoteProtocolError):
        call(fake_bot_api, "sendMessage", chat_id=1, text="x")
    assert fake_bot_api.calls[0].status is None and fake_bot_api.messages == []


@pytest.mark.parametrize(
    ("chat", "setup", "status", "description"),
    [
        (-1005, "kick", 403, "Forbidden: bot was kicked from the group chat"),
        (5, "kick", 403, "Forbidden: bot was blocked by the user"),
        (-1005, "forget", 400, "Bad Request: chat not found"),
        ("@unknown", None, 400, "Bad Request: chat not found"),
        ("@news", "not admin", 400, "Bad Request: need administrator rights in the channel chat"),
        ("@news", "not member", 403, "Forbidden: bot is not a member of the channel chat"),
        ("@news", "admin", 200, None),
    ],
)
def test_unreachable_chats(fake_bot_api, chat, setup, status, description):
    if setup in ("kick", "forget"):
        getattr(fake_bot_api, setup)(chat)
    elif setup == "not admin":
        fake_bot_api.add_channel(chat, admin=False)
    elif setup == "not member":
        fake_bot_api.add_channel(chat, member=False)
    elif setup == "admin":
        fake_bot_api.add_channel(chat)
    answer = call(fake_bot_api, "sendMessage", chat_id=chat, text="x")
    assert answer[0] == status
    assert answer[1].get("description") == description


def test_send_photo_takes_a_multipart_upload(fake_bot_api):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    response = httpx.post(
        f"{fake_bot_api.base_url}{fake_bot_api.token}/sendPhoto",
        data={"chat_id": "9", "caption": "<b>Trend</b>", "parse_mode": "HTML"},
        files={"photo": ("trend.png", png, "image/png")},
        timeout=5,
    )
    assert response.status_code == 200
    [sent] = fake_bot_api.messages
    assert (sent.method, sent.photo, sent.text) == ("sendPhoto", png, "Trend")


def test_get_updates_returns_queued_updates_once_confirmed(fake_bot_api):
    first = fake_bot_api.push_update({"message": {"text": "/digest"}})
    assert [u["update_id"] for u in call(fake_bot_api, "getUpdates")[1]["result"]] == [first]
    assert call(fake_bot_api, "getUpdates", offset=first + 1)[1]["result"] == []
