"""The bot's exception tree. Expected failures are these; anything else is a bug.

    BotError                 base; str(exc) is a message fit for a user
    ├── ConfigError          feeds.yaml or the environment is invalid (carries every problem)
    ├── UsageError           a command's argument is wrong (unknown feed, unreadable file)
    ├── FetchError           a feed could not be fetched (timeout, HTTP status, too large, …)
    ├── ParseError           bytes that yield no feed entries
    ├── StoreError           the database is unusable: not openable, damaged, read-only,
    │                        its disk full (`fault` says which, for code that must tell)
    └── DeliveryError        a message could not be delivered to Telegram
        ├── MessageRefused       Telegram refused this message (bad HTML, too long): skip it
        ├── ChatUnreachable      the chat refuses the bot (kicked, blocked, not found, not
        │                        an admin of the channel): mark the chat, go on with others
        ├── TokenRefused         the bot token itself was refused: nothing can be sent
        └── DeliveryUnavailable  still failing after the retries (outage, flood wait):
                                 keep the message pending and try again later

Messages start with the component (`fetch: …`, `parse: …`) so a log line says where.
Delivery errors never contain the bot token: they are built from Telegram's description
and the chat, not from the client library's exception text.
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
    """The database is unusable. `fault`, when the file or the machine is at fault:
    "damaged", "full", "read-only", "unreadable"; on PostgreSQL also "unreachable" (no
    server answers) and "missing" (no such database); None for any other store failure."""

    def __init__(self, message: str, *, fault: str | None = None):
        self.fault = fault
        super().__init__(f"store: {message}")


class DeliveryError(BotError):
    """Telegram did not take a message; `chat` is where it was going (None for getMe)."""

    def __init__(self, message: str, *, chat: int | str | None = None):
        self.chat = chat
        super().__init__(f"telegram: {message}")


class MessageRefused(DeliveryError):
    """A 400 about the message itself; `description` is Telegram's reason. Never retried."""

    def __init__(self, message: str, *, chat: int | str | None, description: str):
        self.description = description
        super().__init__(message, chat=chat)


class ChatUnreachable(DeliveryError):
    """The chat cannot receive from the bot until someone acts; the message says who and how.

    `description` is Telegram's reason; `migrated_to` is set when a group became a
    supergroup with a new id."""

    def __init__(
        self,
        message: str,
        *,
        chat: int | str | None,
        description: str,
        migrated_to: int | None = None,
    ):
        self.description = description
        self.migrated_to = migrated_to
        super().__init__(message, chat=chat)


class TokenRefused(DeliveryError):
    """Telegram refused the bot token (401/404): no chat can be reached with it."""


class DeliveryUnavailable(DeliveryError):
    """Transient failures outlasted the retries. `retry_after` (seconds) is set when
    Telegram's flood control asked for a longer wait than the sender is willing to make."""

    def __init__(self, message: str, *, chat: int | str | None, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message, chat=chat)
