"""Main text of an article page, for feeds marked `full_text: true`.

Extraction is done by trafilatura: it is well kept, tuned on news pages for precision (not
just recall), and already drops the usual site furniture (navigation, footers, share bars,
comment sections, link lists) with rules plus readability/jusText fallbacks. On top of it
this module prunes small boxes headed by a known boilerplate title (newsletter sign-ups,
"Most Popular", "Related Articles", closed-comments notices) and drops such lone lines,
which pages with meaningless class names let through.

No I/O here: the page is fetched elsewhere, with the same size and time limits as feeds;
this module only turns bytes or text into plain text, and never raises on bad input.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

MAX_INPUT_BYTES = 5_000_000  # bytes, or characters for str input; larger pages are not parsed
MAX_OUTPUT_CHARS = 200_000
MIN_TEXT_CHARS = 200  # less than this is a teaser, a paywall stub or a listing, not an article
MAX_BOILERPLATE_LINE = 300  # only lines up to this length can be dropped as boilerplate
MAX_BOX_CHARS = 600  # a box headed by a boilerplate title is pruned only up to this much text
MAX_TITLE_CHARS = 80  # longer first children are text, not a box title

# Titles of boxes that are never part of an article, lower case (as translate() makes them).
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
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÜÑ"
_LOWER = "abcdefghijklmnopqrstuvwxyzáéíóúüñ"
_TITLE = f"translate(normalize-space(.), '{_UPPER}', '{_LOWER}')"
# A container whose first child is a short title naming a boilerplate box, and which holds
# too little text to be (or to wrap) the article itself.
_BOX_XPATH = (
    "//*[self::div or self::section or self::aside or self::form or self::nav]"
    f"[*[1][string-length(normalize-space(.)) <= {MAX_TITLE_CHARS}]"
    "[" + " or ".join(f"contains({_TITLE}, '{t}')" for t in _BOX_TITLES) + "]]"
    f"[string-length(normalize-space(.)) <= {MAX_BOX_CHARS}]"
)

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
        raw = _trafilatura_text(html, url)
    except Exception as err:  # a third-party parser on untrusted bytes: never let it raise
        log.debug("extraction failed for %s: %r", url, err)
        return None
    if not raw:
        return None
    lines = (_SPACES.sub(" ", line).strip() for line in raw[: MAX_OUTPUT_CHARS * 2].splitlines())
    text = "\n".join(line for line in lines if line and not _is_boilerplate(line))
    if len(text) < MIN_TEXT_CHARS:
        return None
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS].rsplit(None, 1)[0]
    return text


def _is_boilerplate(line: str) -> bool:
    return len(line) <= MAX_BOILERPLATE_LINE and _BOILERPLATE_LINE.match(line) is not None


def _trafilatura_text(html: bytes | str, url: str | None) -> str | None:
    import trafilatura  # imported lazily: it takes ~0.4 s and only full_text feeds need it
    from trafilatura.deduplication import LRUCache

    return trafilatura.extract(
        html,
        url=url,
        output_format="txt",
        favor_precision=True,  # stricter rules: less text, but less furniture
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        with_metadata=False,  # no date/author search (htmldate): not needed, costs time
        # A cache of this call only: deduplicate=True shares one process-wide cache, so the
        # 4th page with the same paragraph (a re-fetch, a wire story on several outlets)
        # would lose it, and after a few more the whole text.
        deduplicate=LRUCache(maxsize=4096),
        prune_xpath=_BOX_XPATH,
        config=_config(),
    )


@functools.cache
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()  # a fresh copy of the defaults, not the shared one
    # bounds what a compressed body may inflate to (trafilatura decompresses gzip/zlib/brotli)
    config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_INPUT_BYTES))
    return config
