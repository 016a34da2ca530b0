"""The matcher's compiled form, and the guard that keeps it from running stale code.

`make venv` compiles the pure-Python modules listed in COMPILED with Cython (setup.py):
the same source, run as C, for the matching speed target (bench/README.md). Python then
imports the compiled module in place of the source. A compiled module left behind by an
older source would silently run old code, so the build records each source's digest, and
on import of `bot.match` any module whose source no longer has that digest is loaded from
its source instead, with a warning. Without a compiler (a plain clone), nothing is
compiled and the source runs as it is: the compiled form is an accelerator, never needed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import logging
import sys
from pathlib import Path
from types import ModuleType

COMPILED = ("text", "matcher")  # in import order: matcher imports text
RECORD = "compiled.json"  # written by the build: source file name → its sha256

log = logging.getLogger(__name__)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_record(directory: Path) -> Path:
    """Record the digest of each compiled module's source (the build calls this)."""
    record = directory / RECORD
    sources = {f"{name}.py": digest(directory / f"{name}.py") for name in COMPILED}
    record.write_text(json.dumps(sources, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return record


def compiled_file(directory: Path, name: str) -> Path | None:
    """The compiled module Python would import for `name`, if there is one."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = directory / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def stale_modules(directory: Path) -> list[str]:
    """The compiled modules whose source changed since the build (or was never recorded)."""
    try:
        recorded = json.loads((directory / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    return [
        name
        for name in COMPILED
        if compiled_file(directory, name) is not None
        and (directory / f"{name}.py").is_file()  # without its source, it is all there is
        and recorded.get(f"{name}.py") != digest(directory / f"{name}.py")
    ]


def load_source(package: str, directory: Path, name: str) -> ModuleType:
    """Import `package.name` from its .py file, passing over a compiled file beside it."""
    full_name = f"{package}.{name}"
    spec = importlib.util.spec_from_file_location(full_name, directory / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[full_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[full_name]
        raise
    return module


def prefer_fresh(package: str, directory: Path) -> list[str]:
    """Load from source every module whose compiled form is stale; the names loaded."""
    stale = [name for name in stale_modules(directory) if f"{package}.{name}" not in sys.modules]
    for name in stale:
        log.warning(
            "%s/%s.py changed after it was compiled: running the source, which matches "
            "more slowly (`make venv` compiles it again)",
            directory,
            name,
        )
        load_source(package, directory, name)
    return stale


def is_compiled(module: ModuleType) -> bool:
    """Whether a module runs compiled (an extension module) rather than from source."""
    origin = getattr(module, "__file__", None) or ""
    return origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def from_source(package: str = "bot.match") -> list[str]:
    """The modules of COMPILED that this process runs from source (importing them)."""
    return [
        name for name in COMPILED if not is_compiled(importlib.import_module(f"{package}.{name}"))
    ]
