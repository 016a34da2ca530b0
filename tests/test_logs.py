"""The bot token never reaches a log line, in any encoding."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote, quote_plus

import pytest

from bot.logs import RedactSecrets

TOKEN = "123456789:AAH" + "x" * 32


def test_token_is_redacted_in_messages_and_arguments(caplog):
    logger = logging.getLogger("bot.test.redact")
    logger.addFilter(RedactSecrets([TOKEN]))
    with caplog.at_level(logging.INFO, logger="bot.test.redact"):
        logger.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning(f"failed: bot{TOKEN} unreachable")
    text = caplog.text
    assert TOKEN not in text
    assert text.count("[token]") == 2


def test_token_is_redacted_in_exception_texts(caplog):
    logger = logging.getLogger("bot.test.redact-exc")
    logger.addFilter(RedactSecrets([TOKEN]))
    with caplog.at_level(logging.INFO, logger="bot.test.redact-exc"):
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates failed")
        except RuntimeError:
            logger.exception("polling failed")
        try:
            raise ValueError("nothing secret")
        except ValueError:
            logger.exception("other")
    quoting, plain = caplog.records
    assert TOKEN not in caplog.text and "bot[token]/getUpdates failed" in caplog.text
    assert quoting.exc_info is None and "RuntimeError" in quoting.exc_text
    assert isinstance(plain.exc_info[1], ValueError)  # kept: nothing to hide


def b64_inside(prefix: bytes, text: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(prefix + text.encode() + b" trailing bytes").decode()


ID, SECRET = TOKEN.split(":")
ENCODED = {
    "quote": quote(TOKEN, safe=""),  # 123456789%3AAAH…
    "quote lower hex": quote(TOKEN, safe="").replace("%3A", "%3a"),
    "quote_plus": quote_plus(TOKEN),
    "quote twice": quote(quote(TOKEN, safe=""), safe=""),  # %253A
    "every character": "".join(f"%{b:02X}" for b in TOKEN.encode()),
    "JSON": json.dumps({"url": f"https://api.telegram.org/bot{TOKEN}/getMe"}),
    "JSON \\u escapes": json.dumps(TOKEN).replace(":", "\\u003A"),
    "JSON in JSON": json.dumps(json.dumps({"t": TOKEN.replace(":", "\\u003a")})),
    "Python repr bytes": repr(TOKEN.encode()).replace(":", "\\x3a"),
    "HTML reference": TOKEN.replace(":", "&#58;"),
    "HTML hex reference": TOKEN.replace(":", "&#x3A;"),
    "id and encoded colon, cut short": f"bot{ID}%3A{SECRET[:10]}… (truncated)",
    "id and encoded colon only": f"path /bot{ID}%3a",
    "the secret part alone": f"secret={SECRET}",
    "base64": base64.b64encode(TOKEN.encode()).decode(),
    "base64 after 1 byte": b64_inside(b"x", TOKEN),
    "base64 after 2 bytes": b64_inside(b"xy", TOKEN),
    "base64 url-safe": b64_inside(b"Authorization: ", TOKEN, urlsafe=True),
}


@pytest.mark.parametrize("form", ENCODED.values(), ids=ENCODED.keys())
def test_every_encoding_of_the_token_is_redacted(caplog, form):
    logger = logging.getLogger("bot.test.redact-encoded")
    logger.addFilter(redact := RedactSecrets([TOKEN]))
    try:
        with caplog.at_level(logging.INFO, logger="bot.test.redact-encoded"):
            logger.warning("Telegram said: %s", form)
    finally:
        logger.removeFilter(redact)
    text = caplog.text
    assert "[token]" in text
    for leak in (TOKEN, SECRET, SECRET[:10], quote(TOKEN, safe=""), f"{ID}%3", f"{ID}%25"):
        assert leak not in text and leak.lower() not in text.lower()
    assert ENCODED["base64"][4:40] not in text


def test_an_exception_quoting_the_encoded_token_is_kept_as_redacted_text(caplog):
    logger = logging.getLogger("bot.test.redact-encoded-exc")
    logger.addFilter(RedactSecrets([TOKEN]))
    with caplog.at_level(logging.INFO, logger="bot.test.redact-encoded-exc"):
        try:
            raise RuntimeError(f'400 {{"description": "bad url /bot{quote(TOKEN, safe="")}"}}')
        except RuntimeError:
            logger.exception("send failed")
    (record,) = caplog.records
    assert record.exc_info is None and "/bot[token]" in record.exc_text
    assert SECRET not in caplog.text


def test_only_the_token_is_redacted_not_what_resembles_it(caplog):
    logger = logging.getLogger("bot.test.redact-neighbours")
    logger.addFilter(RedactSecrets([TOKEN]))
    kept = [f"chat {ID} sent 3 messages", f"9{ID}:AAH", "AAH" + "x" * 20, "%3A%3a", "QUFI"]
    with caplog.at_level(logging.INFO, logger="bot.test.redact-neighbours"):
        for line in kept:
            logger.info(line)
    assert [r.getMessage() for r in caplog.records] == kept


def test_hide_in_logs_covers_the_encoded_token_on_http_loggers(caplog):
    from bot.delivery.telegram import hide_in_logs

    token = "987654321:BBQ" + "y" * 32
    hide_in_logs(token)
    with caplog.at_level(logging.INFO, logger="httpx"):
        logging.getLogger("httpx").info(
            "HTTP Request: POST http://127.0.0.1/bot%s/getMe", quote(token, safe="")
        )
    assert "bot[token]/getMe" in caplog.text and "y" * 32 not in caplog.text
