"""Topics and search queries: one query language (query.py), its meaning defined once
(reference.py, the tests' oracle), one matcher (matcher.py) and the index plan (plan.py).

text.py and matcher.py may run compiled (speedups.py); a compiled form older than its
source gives way to the source here, before anything imports them."""

from pathlib import Path

from bot.match.speedups import prefer_fresh

prefer_fresh(__name__, Path(__file__).resolve().parent)
