"""Language of a text, when the feed does not say (py3langid ships its model; ~40 µs a call)."""

from __future__ import annotations

import re

MIN_CHARS = 24  # shorter texts are guessed too often wrong to be worth a label


def primary_subtag(tag: str | None) -> str | None:
    """'en-US' → 'en', 'es_419' → 'es'; None for empty or malformed tags."""
    if not tag:
        return None
    primary = re.split(r"[-_\s]", tag.strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short."""
    if len(text) < MIN_CHARS:
        return None
    import py3langid  # imported lazily: loading its model costs a few hundred ms

    code, _score = py3langid.classify(text)
    return code
