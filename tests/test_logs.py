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
