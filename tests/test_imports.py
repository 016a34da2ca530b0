"""The layout holds: arrows run one way (shell → pipeline → edges → core → shared values),
no circle of modules, and the pure core reaches no I/O library, even transitively.

Every import counts, those inside functions too. `python tests/test_imports.py` prints
the graph between packages, the picture README's "Where things are" describes.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"

# Layers, lowest first: a module imports from its own layer or a lower one. The first
# prefix that names a module decides its layer.
LAYERS = {
    "shared": ("bot.model", "bot.errors", "bot.logs", "bot.durations", "bot.telegram_html"),
    # "bot" alone: the package's own __init__ (its version); it names no other module.
    "core": (
        "bot.match",
        "bot.digest",
        "bot.stories",
        "bot.feeds.parse",
        "bot.feeds.fastparse",
        "bot.feeds.feedparser_internals",
        "bot.feeds.jsonfeed",
        "bot.feeds.normalize",
        "bot.feeds.extract",
        "bot.feeds.language",
        "bot.feeds.next_poll",
        "bot.feeds.opml",
        "bot.feeds.health",
    ),
    "edges": (
        "bot.feeds",
        "bot.store",
        "bot.delivery",
        "bot.config",
    ),
    "pipeline": ("bot.pipeline",),
    "shell": ("bot.app", "bot.scheduler", "bot.cli", "bot.chat", "bot.__main__"),
}
ORDER = list(LAYERS)
IO_LIBRARIES = ("httpx", "httpcore", "telegram", "sqlalchemy", "alembic", "psycopg", "sqlite3")
TOP_LEVEL_LIMIT = 10


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        if "migrations" not in path.parts:
            found[module_name(path)] = path
    return found


@cache
def imports(name: str) -> tuple[frozenset[str], frozenset[str], tuple[tuple[str, str], ...]]:
    """(bot modules imported, other top-level packages imported, private names imported
    from bot modules) by one module, every import statement counted."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ours, theirs, private = set(), set(), []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (ours if alias.name.split(".")[0] == "bot" else theirs).add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "bot":
                theirs.add(source)
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" in modules():
                    ours.add(f"{source}.{alias.name}")  # a submodule, not the package
                else:
                    ours.add(source)
                    if alias.name.startswith("_"):
                        private.append((source, alias.name))
    ours = {_known(m) for m in ours} - {name}
    return frozenset(ours), frozenset(t.split(".")[0] for t in theirs), tuple(private)


def _known(dotted: str) -> str:
    while dotted not in modules() and "." in dotted:
        dotted = dotted.rpartition(".")[0]
    return dotted


def layer(name: str) -> str:
    if name == "bot":
        return "shared"
    best = None
    for level, prefixes in LAYERS.items():
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[1])
            ):
                best = (level, prefix)
    assert best is not None, f"{name} is in no layer of tests/test_imports.py"
    return best[0]


def reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        for other in imports(current)[0]:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in imports(v)[0]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in modules():
        if name not in index:
            visit(name)
    return found


def test_no_circle_of_modules():
    assert cycles() == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_run_down_the_layers(name):
    mine = ORDER.index(layer(name))
    upward = {m for m in imports(name)[0] if ORDER.index(layer(m)) > mine}
    assert not upward, f"{name} ({layer(name)}) imports from higher layers: {sorted(upward)}"


@pytest.mark.parametrize("name", sorted(m for m in modules() if layer(m) in ("shared", "core")))
def test_pure_core_reaches_no_io_library_and_no_edge(name):
    """bot/match, bot/digest, bot/stories, the parsers and normalization (and the shared
    values under them): testable without fakes, and safe to run in any process."""
    closure = reachable(name) | {name}
    edges = {m for m in closure if layer(m) not in ("shared", "core")}
    libraries = {lib for m in closure for lib in imports(m)[1] if lib in IO_LIBRARIES}
    assert not edges, f"{name} reaches {sorted(edges)}"
    assert not libraries, f"{name} reaches I/O libraries {sorted(libraries)}"


def test_only_the_store_speaks_sql():
    """SQLAlchemy, Alembic and the database drivers stay behind Store's interface."""
    speaking = {
        name
        for name in modules()
        if imports(name)[1] & {"sqlalchemy", "alembic", "sqlite3", "psycopg"}
        and not name.startswith("bot.store")
    }
    assert speaking == set()


def test_no_module_imports_a_private_name_of_another():
    private = {name: imports(name)[2] for name in modules() if imports(name)[2]}
    assert private == {}


@pytest.mark.parametrize("name", sorted(modules()))
def test_an_import_inside_a_function_says_why(name):
    """Only a heavy library is imported on first use, and a comment says so."""
    lines = modules()[name].read_text().splitlines()
    tree = ast.parse("\n".join(lines))
    silent = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                around = lines[max(0, node.lineno - 4) : node.lineno]
                if not any("#" in line for line in around):
                    silent.append(node.lineno)
    assert not silent, f"{name}: imports inside functions without a reason at lines {silent}"


def test_few_modules_directly_in_bot():
    top = [p.name for p in BOT.glob("*.py")]
    assert len(top) <= TOP_LEVEL_LIMIT, sorted(top)


def test_the_checks_see_a_violation():
    """The graph is read as the checks assume: a known import is found, layers order."""
    assert "bot.match.matcher" in imports("bot.pipeline.poll")[0]
    assert "bot.store" in reachable("bot.app")
    assert ORDER.index(layer("bot.store.fts")) > ORDER.index(layer("bot.match.plan"))
    assert layer("bot.feeds.fetch") == "edges" and layer("bot.feeds.parse") == "core"


def package_graph() -> dict[str, set[str]]:
    def package(name: str) -> str:
        return ".".join(name.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for name in modules():
        targets = {package(m) for m in imports(name)[0]} - {package(name)}
        graph.setdefault(package(name), set()).update(targets)
    return graph


if __name__ == "__main__":
    for source, targets in sorted(package_graph().items()):
        print(f"{source:<18} [{layer(source)}] -> {', '.join(sorted(targets)) or '-'}")
    sys.exit(0)
