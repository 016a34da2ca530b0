"""Logging set-up: one line per event on stderr, the bot token never shown."""

from __future__ import annotations

import base64
import logging
import re
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
    (exc_text, which formatters print), since handlers would format the original again.

    Every form a secret can take on its way through URLs, JSON and error bodies is
    replaced (secret_pattern): each character as itself, percent-encoded once or twice
    (either case of hex), as a JSON or Python \\uXXXX / \\xXX escape or an HTML
    character reference; the bot id with a colon in any of those forms and whatever of
    the secret part follows (so a truncated token goes too); the secret part alone; and
    its base64, at each of the three alignments it can have inside a longer text."""

    def __init__(self, secrets: list[str] | tuple[str, ...] = ()):
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Redact `secret` too, from now on."""
        if secret and secret not in self.secrets:
            self.secrets = (*self.secrets, secret)
            self._pattern = re.compile("|".join(secret_pattern(s) for s in self.secrets))

    def redact(self, text: str) -> str:
        return self._pattern.sub("[token]", text) if self._pattern else text

    def has_secret(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            if self.has_secret(text):
                record.exc_info, record.exc_text = None, self.redact(text)
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def secret_pattern(secret: str) -> str:
    """A regular expression for every encoding of `secret` that may reach a log line
    (RedactSecrets says which); longest alternatives first."""
    forms = [_encoded(secret)]
    bot_id, colon, rest = secret.partition(":")
    if colon and bot_id.isdigit():  # a Telegram token: <bot id>:<35 characters>
        forms.append(r"(?<![0-9])" + _encoded(bot_id + colon) + r"[A-Za-z0-9_-]*")
        if len(rest) >= 16:  # the secret part is itself secret; short test values are not
            forms.append(_encoded(rest))
    forms.extend(_base64_forms(secret))
    return "|".join(f"(?:{form})" for form in forms)


def _encoded(text: str) -> str:
    """Each character of text as itself or in any escaped form."""
    return "".join(_char_forms(char) for char in text)


def _char_forms(char: str) -> str:
    code = ord(char)
    forms = [re.escape(char)]
    if code < 0x100:
        hex2 = _any_case(f"{code:02x}")
        forms += [f"%(?:25)*{hex2}", rf"\\+x{hex2}"]  # %3A, %253A; \x3a
    forms += [
        rf"\\+u{_any_case(f'{code:04x}')}",  # JSON's \u003a, also escaped twice
        rf"&#0*{code};",
        rf"&#[xX]0*{_any_case(f'{code:x}')};",
    ]
    if char == " ":
        forms.append(r"\+")  # quote_plus
    return "(?:" + "|".join(forms) + ")"


def _any_case(hex_digits: str) -> str:
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in hex_digits)


def _base64_forms(secret: str) -> list[str]:
    """The base64 text that depends on the secret alone, at each alignment (0, 1 or 2
    bytes before it), in the standard and URL-safe alphabets."""
    raw = secret.encode()
    forms = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        first = -(-offset * 8 // 6)  # characters that hold bits before the secret
        last = (offset + len(raw)) * 8 // 6  # characters that hold bits after it
        core = encoded[first:last]
        if len(core) >= 16:
            forms += [re.escape(core), re.escape(core.replace("+", "-").replace("/", "_"))]
    return list(dict.fromkeys(forms))


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
