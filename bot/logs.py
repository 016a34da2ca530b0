"""Logging set-up: one line per event on stderr, the bot token never shown."""

from __future__ import annotations

import logging
import sys

QUIET = (
    "httpx",
    "httpcore",
    "apscheduler",
    "telegram",
    "alembic",
    "trafilatura",
    "htmldate",
    "courlan",
)


class RedactSecrets(logging.Filter):
    """Replaces secrets (the bot token) wherever they appear in a record's message."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "[token]")
            record.msg, record.args = message, None
        return True


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
