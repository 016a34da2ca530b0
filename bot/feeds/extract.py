"""Main text of an article page, for feeds marked `full_text: true`.

Extraction is done by trafilatura: it is well kept, tuned for precision on news pages, and
already drops the usual site furniture (navigation, footers, share bars, comment sections,
link lists). Its own extractor runs first, alone (fast=True): the full cascade, which also
asks readability and jusText, would take in the next articles an infinite-scroll page
appends. That cascade runs only when the first pass finds no article (pages whose text is
not in <p>). Around it, this module prunes small boxes opened by a known boilerplate title
("Most Popular", newsletter sign-ups, closed comments...) and drops such lines left alone,
which pages with meaningless class names let through.

No I/O here: the page is fetched elsewhere, with the same size and time limits as feeds;
this only turns bytes or text into plain text, and never raises on bad input.
"""

from __future__ import annotations

import itertools
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

MAX_INPUT_BYTES = 5_000_000  # bytes, or characters for str input; larger pages are not parsed
MAX_OUTPUT_CHARS = 200_000
MIN_TEXT_CHARS = 200  # less than this is a teaser, a paywall stub or a listing, not an article
MAX_BOILERPLATE_LINE = 300  # only lines up to this length can be dropped as boilerplate
MAX_BOX_CHARS = 600  # a box headed by a boilerplate title is pruned only up to this much text
MAX_TITLE_CHARS = 80  # a longer element is prose, not the title of a box

# Titles of boxes that are never part of an article (matched on lower-cased text).
_BOX_TITLES = (
    "newsletter",
    "sign up for",
    "subscribe to our",
    "most popular",
    "most read",
    "trending now",
    "related articles",
    "related stories",
    "related posts",
    "related coverage",
    "more stories",
    "you may also like",
    "recommended for you",
    "join the conversation",
    "comments are closed",
    "leave a comment",
    "leave a reply",
    "boletín",
    "suscríbete",
    "lo más leído",
    "lo más visto",
    "más leídas",
    "noticias relacionadas",
    "notas relacionadas",
    "te puede interesar",
    "te recomendamos",
    "únete a la conversación",
    "deja un comentario",
    "comentarios cerrados",
)
_BOX_TITLE = re.compile("|".join(re.escape(title) for title in _BOX_TITLES))
_BOX_TAGS = ("div", "section", "aside", "form", "nav")

# Whole lines that are site furniture, in English and Spanish; prefixes for the wordy ones.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
      most\ (?:popular|read|viewed)|trending(?:\ now)?|top\ stories|
      load\ more|show\ more|read\ more|see\ more|view\ more|more\ stories|
      related(?:\ (?:articles?|stories|posts|coverage|content|links|news))?|
      you\ may\ also\ like|recommended(?:\ for\ you)?|advertisement|sponsored(?:\ content)?|
      share(?:\ this(?:\ (?:article|story|post))?)?|
      comments?(?:\ \(\d+\))?|\d+\ comments?|join\ the\ conversation|comments\ are\ closed|
      leave\ a\ (?:comment|reply)|
      (?:sign\ up|subscribe)\ (?:for|to)\ (?:our|the)\b.*newsletters?\b.*|
      (?:we|this\ (?:web)?site)\ uses?\ cookies\b.*|accept(?:\ all)?\ cookies|
      lo\ más\ (?:leído|visto)|más\ leídas|cargar\ más|ver\ más|leer\ más|
      (?:noticias|notas)\ relacionadas|te\ puede\ interesar|te\ recomendamos|publicidad|
      comentarios(?:\ cerrados)?|los\ comentarios\ están\ cerrados|deja\ (?:un|tu)\ comentario|
      únete\ a\ la\ conversación|suscríbete\b.*|
      (?:utilizamos|usamos)\ cookies\b.*|este\ sitio(?:\ web)?\ (?:utiliza|usa)\ cookies\b.*|
      aceptar(?:\ todas(?:\ las)?)?\ cookies
    )[\s.,:;!?…»›>→+\-–—]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SPACES = re.compile(r"[^\S\n]+")


def extract_main_text(html: bytes | str, url: str | None = None) -> str | None:
    """Plain main text of an article page, or None: topics are matched on this, not on chrome."""
    if not isinstance(html, bytes | str) or len(html) > MAX_INPUT_BYTES or not html.strip():
        return None
    try:
        text = _main_text(html, url)
    except Exception as err:  # a third-party parser on untrusted bytes: never let it raise
        log.debug("extraction failed for %s: %r", url, err)
        return None
    if len(text) < MIN_TEXT_CHARS:
        return None
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS].rsplit(None, 1)[0]
    return text


def _main_text(html: bytes | str, url: str | None) -> str:
    import trafilatura  # imported lazily: it takes ~0.4 s and only full_text feeds need it

    # decodes bytes (UTF-8, else a charset guess) and bounds what a compressed body inflates to
    tree = trafilatura.load_html(html, MAX_INPUT_BYTES)
    if tree is None:
        return ""
    _prune_boxes(tree)
    text = _tidy(_trafilatura(tree, url, fast=True))
    if len(text) < MIN_TEXT_CHARS:
        text = _tidy(_trafilatura(tree, url, fast=False))
    return text


def _trafilatura(tree: Any, url: str | None, *, fast: bool) -> str | None:
    # Imported on use, as in _main_text: only full_text feeds need trafilatura (~0.4 s).
    import trafilatura
    from trafilatura.deduplication import LRUCache

    return trafilatura.extract(  # works on a copy of tree
        tree,
        url=url,
        fast=fast,
        favor_precision=True,  # stricter rules: less text, but less furniture
        include_comments=False,
        include_tables=False,  # layout tables hold navigation; data tables add little to match on
        include_images=False,
        include_links=False,
        include_formatting=False,
        output_format="txt",
        with_metadata=False,  # no date/author search (htmldate): not needed, costs time
        # A cache for this call only: deduplicate=True shares one process-wide cache, so the
        # 4th page with the same paragraph (a re-fetch, a wire story on several outlets)
        # would lose it, and after a few more the whole text.
        deduplicate=LRUCache(maxsize=4096),
    )


def _tidy(raw: str | None) -> str:
    """One paragraph a line, spaces squeezed, boilerplate lines dropped."""
    if not raw:
        return ""
    lines = (_SPACES.sub(" ", line).strip() for line in raw[: MAX_OUTPUT_CHARS * 2].splitlines())
    return "\n".join(line for line in lines if line and not _is_boilerplate(line))


def _is_boilerplate(line: str) -> bool:
    return len(line) <= MAX_BOILERPLATE_LINE and _BOILERPLATE_LINE.match(line) is not None


def _prune_boxes(tree: Any) -> None:
    """Drops small containers that open with a short boilerplate title ("Most Popular", ...)."""
    boxes = []
    for element in tree.iter():
        text = element.text  # cheap first look; most elements stop here
        if not isinstance(element.tag, str) or not text or len(text) > MAX_TITLE_CHARS:
            continue
        if not _BOX_TITLE.search(text.lower()):
            continue
        title = _short_text(element, MAX_TITLE_CHARS)  # the whole element is that short title
        if not title:
            continue
        box = None
        for ancestor in itertools.islice(element.iterancestors(*_BOX_TAGS), 4):
            content = _short_text(ancestor, MAX_BOX_CHARS)
            if content is None or not content.startswith(title):
                break
            box = ancestor
        if box is not None:
            boxes.append(box)
    for box in boxes:
        if box.getparent() is not None:
            box.drop_tree()


def _short_text(element: Any, limit: int) -> str | None:
    """Normalised lower-case text of the element, or None once it passes limit characters."""
    parts, size = [], 0
    for piece in element.itertext():
        parts.append(piece)
        size += len(piece)
        if size > limit * 4:  # whitespace is squeezed below; this only stops a big walk early
            return None
    text = " ".join(" ".join(parts).split()).lower()
    return text if len(text) <= limit else None
