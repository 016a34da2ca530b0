"""The bot's exception tree. Expected failures are these; anything else is a bug.

    BotError                 base; str(exc) is a message fit for a user
    ├── ConfigError          feeds.yaml or the environment is invalid (carries every problem)
    ├── UsageError           a command's argument is wrong (unknown feed, unreadable file)
    ├── FetchError           a feed could not be fetched (timeout, HTTP status, too large, …)
    ├── ParseError           bytes that yield no feed entries
    └── StoreError           the database could not be opened or migrated

Messages start with the component (`fetch: …`, `parse: …`) so a log line says where.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every expected failure."""


class ConfigError(BotError):
    """Invalid configuration; `problems` lists each one as 'place: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class UsageError(BotError):
    """A mistake in a command's arguments; the message says what to do instead."""


class FetchError(BotError):
    """A fetch failed. `retry_after` (seconds) is set when the server asked us to wait."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"fetch: {message}")


class ParseError(BotError):
    """The body is not a feed we can read."""

    def __init__(self, message: str):
        super().__init__(f"parse: {message}")


class StoreError(BotError):
    """The database is unusable."""

    def __init__(self, message: str):
        super().__init__(f"store: {message}")


class DeliveryError(BotError):
    """Telegram did not take a message."""

    def __init__(self, message: str):
        super().__init__(f"telegram: {message}")


class MessageRefused(DeliveryError):
    """Telegram refused the message itself (bad HTML, too long): never retried as is."""


class ChatUnreachable(DeliveryError):
    """The chat cannot be written to (bot kicked or blocked, no admin rights, no chat)."""


class DeliveryUnavailable(DeliveryError):
    """Telegram could not be reached, through every retry: try again later."""
