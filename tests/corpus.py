"""Locate what the project keeps beside the repo (shared/corpus/, shared/data/) for tests
that read real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS_ROOT = SHARED / "corpus"


def corpus_dir(*parts: str) -> Path:
    """The corpus folder, or a skip when it is absent; under CI a missing corpus fails instead."""
    return shared_path(CORPUS_ROOT.joinpath(*parts), "test corpus folder")


def shared_path(path: Path, what: str) -> Path:
    """The path, or a skip when it is absent (a clone on its own); under CI, where shared/
    is always beside the repo, a failure instead."""
    if path.exists():
        return path
    reason = f"{what} {path} is absent"
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so it must be there (it is not skipped)")
    pytest.skip(reason)
