"""Locate the shared test corpus (shared/corpus/ beside the repo) for tests that read real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def corpus_dir(*parts: str) -> Path:
    """The corpus folder, or a skip when it is absent; under CI a missing corpus fails instead."""
    path = CORPUS_ROOT.joinpath(*parts)
    if path.is_dir():
        return path
    reason = f"test corpus folder {path} is absent"
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so the corpus must be there (it is not skipped)")
    pytest.skip(reason)
