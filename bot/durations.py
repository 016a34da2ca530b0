"""Human durations, sizes and time zones in config, chats and on the command line:
"15m", "6h", "10MB", "America/Tijuana"."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_BYTES = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


class BareNumber(ValueError):
    """A duration written without its unit (`interval: 15`: seconds or minutes?)."""

    def __init__(self, value: str | int | float):
        self.value = value
        super().__init__(f"{value} has no unit: write {value}m or {value}s")


def parse_duration(value: str | int | float, *, unit_required: bool = False) -> float:
    """Seconds from 90, "90s", "15m", "6h", "2d", "1w"; ValueError on anything else.
    With unit_required (feeds.yaml), a number without a unit raises BareNumber: a reader
    cannot tell whether `interval: 15` means seconds or minutes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if unit_required:
            raise BareNumber(value)
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (examples: 30s, 15m, 6h, 2d)")
        if unit_required and not match[2]:
            raise BareNumber(match[1])
        seconds = float(match[1]) * _SECONDS[(match[2] or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {value!r}")
    return seconds


def parse_size(value: str | int) -> int:
    """Bytes from 1048576, "512KB", "10MB"; ValueError on anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise ValueError(f"not a size: {value!r} (examples: 512KB, 10MB)")
        size = int(float(match[1]) * _BYTES[(match[2] or "b").lower()])
    if size <= 0:
        raise ValueError(f"size must be positive, got {value!r}")
    return size


def format_duration(seconds: float) -> str:
    """The short form a person reads: 45s, 12m, 3h, 2d."""
    seconds = round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if (seconds >= size and seconds % size == 0) or seconds >= size * 2:
            return f"{round(seconds / size)}{unit}"
    return f"{seconds}s"


def check_time_zone(name: str) -> str:
    """`name` when it is a time zone of the IANA database; otherwise ValueError saying so.
    One check for feeds.yaml and /timezone alike. A folder of the database (`America`,
    `Pacific`, `US`) raises IsADirectoryError in ZoneInfo, a name too long for the file
    system OSError, other files of the folder (`zone.tab`) or paths out of it ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name} is not a time zone; use a name such as America/Tijuana") from None
    return name
