"""The pure core imports no I/O library: it stays testable without fakes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
PURE = [
    "feeds/parse.py",
    "feeds/normalize.py",
    "feeds/jsonfeed.py",
    "feeds/next_poll.py",
    "feeds/extract.py",
    "feeds/language.py",
    "match/ast.py",
    "match/query.py",
    "match/text.py",
    "match/matcher.py",
    "match/plan.py",
    "stories/sketch.py",
    "stories/cluster.py",
    "model.py",
    "feeds/opml.py",
]
FORBIDDEN = ("httpx", "telegram", "sqlalchemy", "alembic", "bot.config", "bot.store", "apscheduler")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io(module):
    bad = {m for m in imported_modules(BOT / module) if m.startswith(FORBIDDEN)}
    assert not bad, f"{module} imports {bad}"
