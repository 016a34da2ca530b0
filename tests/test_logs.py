"""The bot token never reaches a log line."""

from __future__ import annotations

import logging

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
