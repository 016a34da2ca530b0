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
    """Replaces secrets (the bot token) wherever they appear in a record: its message and
    its exception's text. An exception that quotes a secret is kept as redacted text only
    (exc_text, which formatters print), since handlers would format the original again."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self.secrets):
                record.exc_info, record.exc_text = None, self.redact(text)
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
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
