"""RawEntry → Article: plain text, canonical URL, UTC time, language, dedup keys.

Pure: the clock (`fetched_at`) and the feed's facts come in as arguments.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.feeds.language import detect_language, primary_subtag
from bot.model import Article, RawEntry

MAX_OUTLET_NAME = 200
MAX_TITLE = 1_000
MAX_SUMMARY = 20_000
MAX_CONTENT = 200_000
MAX_ENTRY_ID = 512

# Query parameters that only track the reader; removing them never changes the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid", "smid",
        "twclid", "ttclid", "li_fat_id", "_ga", "_gl", "ncid", "sr_share",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "__twitter", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
# A URL already in canonical form but for its tracking parameters: lower-case scheme and
# host, no port, no fragment, a path of plain URL characters and a query of key=value
# pairs that parsing and encoding again leave as they are. Most article links are; the
# general path (urlsplit, parse_qsl, urlencode, urlunsplit) takes ~4.6 µs for a link with
# two utm_ parameters, this one ~1.7 (the same keys: tests/test_normalize.py checks it
# against the general path).
_QUERY_PAIR = r"[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*"
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)*)"
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)?"
    rf"(?:\?({_QUERY_PAIR}(?:&{_QUERY_PAIR})*))?"
)

_INVISIBLE_OPEN = re.compile(r"<(script|style|noscript|template|applet)\b|<!--", re.I)
_TAG = re.compile(r"<[^<>]*>")
_BLOCK_TAG = re.compile(r"</?(p|div|br|li|h[1-6]|tr|blockquote|section|article)\b[^<>]*>", re.I)
# Control and format characters (Unicode Cc, Cf) other than white space: invisible noise.
_INVISIBLE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_NOT_WORD = re.compile(r"[\W_]+")


def _without_marks(text: str) -> str:
    """NFKD, combining marks dropped: 'é' → 'e', 'ª' → 'a', '½' → '1⁄2'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# The same folding for Latin-1 text (most non-ASCII titles: Spanish, French, German) as
# one bytes.translate: every Latin-1 character that folds to one Latin-1 character. The
# few that do not (fractions) send a title down the general path.
_LATIN1_FOLDS = {c: _without_marks(chr(c)) for c in range(256)}
_LATIN1_TABLE = bytes(
    ord(f) if len(f) == 1 and ord(f) < 256 else c for c, f in _LATIN1_FOLDS.items()
)
_LATIN1_ODD_CHARS = "".join(chr(c) for c, f in _LATIN1_FOLDS.items() if len(f) != 1 or ord(f) > 255)
_LATIN1_ODD = re.compile(f"[{re.escape(_LATIN1_ODD_CHARS)}]")


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    Returns None for anything that is not an absolute http(s) URL.
    """
    return _canonical(url)[0]


def _canonical(url: str | None) -> tuple[str | None, str | None]:
    """(canonical URL, host) in one parse; (None, None) when it is not an http(s) URL."""
    if not url:
        return None, None
    url = url.strip()
    if plain := _PLAIN_URL.fullmatch(url):
        scheme, host, path, query = plain.groups()
        if query:
            query = "&".join(p for p in query.split("&") if not _tracks(p.partition("=")[0]))
        return f"{scheme}://{host}{path or '/'}{'?' if query else ''}{query or ''}", host
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None, None
    host = parts.hostname.rstrip(".")
    netloc = f"[{host}]" if ":" in host else host  # IPv6 literal
    if port not in (None, DEFAULT_PORTS[scheme]):
        netloc = f"{netloc}:{port}"
    query = parts.query
    if query:
        query = urlencode(
            [
                (key, value)
                for key, value in parse_qsl(query, keep_blank_values=True)
                if not _tracks(key)
            ],
            doseq=True,
        )
    return urlunsplit((scheme, netloc, parts.path or "/", query, "")), host


def _tracks(key: str) -> bool:
    """Whether a query parameter only tracks the reader."""
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def site_of(url: str | None) -> str | None:
    """The publisher's host without 'www.', used to tell outlets apart."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def plain_text(markup: str | None, limit: int = MAX_SUMMARY) -> str:
    """HTML or text → one line of plain text: tags stripped, entities decoded, spaces collapsed.

    The regular expressions are linear (no nested quantifiers), so hostile input cannot
    make them backtrack.
    """
    if not markup:
        return ""
    text = markup
    if "<" in text:
        text = _TAG.sub("", _BLOCK_TAG.sub(" ", _drop_invisible(text)))
    if "&" in text:
        text = html.unescape(text)
    if not text.isprintable():
        text = _INVISIBLE_CHARS.sub("", text)
    return " ".join(text.split())[:limit]


def _drop_invisible(markup: str) -> str:
    """Remove scripts, styles and comments with their contents, in one forward pass (a
    regular expression with a lazy middle would rescan the rest for every opening tag)."""
    lowered = markup.lower()
    kept, position = [], 0
    while match := _INVISIBLE_OPEN.search(markup, position):
        kept.append(markup[position : match.start()])
        closing = "-->" if match[0] == "<!--" else f"</{match[1].lower()}"
        end = lowered.find(closing, match.end())
        if end < 0:
            return " ".join(kept)  # unclosed: the rest is invisible too
        position = lowered.find(">", end) + 1 if closing != "-->" else end + 3
        if position == 0:
            return " ".join(kept)
        kept.append(" ")
    kept.append(markup[position:])
    return "".join(kept)


def title_key(title: str) -> str:
    """Title folded for comparison: case, accents and punctuation do not count."""
    folded = title.casefold()
    if not folded.isascii():
        try:
            latin1 = None if _LATIN1_ODD.search(folded) else folded.encode("latin-1")
        except UnicodeEncodeError:
            latin1 = None
        if latin1 is not None:
            folded = latin1.translate(_LATIN1_TABLE).decode("latin-1")
        else:
            folded = _without_marks(folded)
    return _NOT_WORD.sub(" ", folded).strip()


def split_outlet_suffix(title: str, outlet: str | None) -> str:
    """Drop the " - Outlet" that Google News appends to every title."""
    if not outlet:
        return title
    for dash in (" - ", " – ", " — ", " | "):
        suffix = f"{dash}{outlet}"
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].rstrip()
    return title


def without_repeated_headline(summary: str, title: str, outlet_name: str | None) -> str:
    """The summary less a leading copy of the headline and the outlet's name after it:
    Google News' description is just "Headline  Outlet", which says nothing the item
    does not show already. What follows them (other outlets' headlines) is kept."""
    # Only a summary that starts with the headline as written is cut (the same words
    # spelled otherwise are not cut blindly), so that is looked at first: folding both
    # for every article cost ~5 µs of a first poll's ~60 an article for nothing.
    if not summary or not title or not summary.startswith(title):
        return summary
    # Only the summary's opening can repeat the headline: folding all of it (a whole
    # article in some feeds) would cost in proportion to its length for nothing.
    opening = summary[: 2 * len(title) + 32]
    if not title_key(opening).startswith(title_key(title)):
        return summary
    rest = summary[len(title) :].strip(" -–—|·")
    if outlet_name and rest.startswith(outlet_name):
        rest = rest[len(outlet_name) :].strip(" -–—|·")
    return rest


def stable_entry_id(raw: RawEntry, title: str, published: datetime | None) -> str:
    """guid, else link, else a hash of title and date: the same entry keeps its id."""
    candidate = (raw.guid or "").strip() or (raw.link or "").strip()
    if candidate and len(candidate) <= MAX_ENTRY_ID:
        return candidate
    if candidate:
        return "sha1:" + hashlib.sha1(candidate.encode()).hexdigest()
    stamp = published.isoformat() if published else ""
    return "sha1:" + hashlib.sha1(f"{title}\x00{stamp}".encode()).hexdigest()


def normalize_entry(
    raw: RawEntry,
    *,
    feed: str,
    fetched_at: datetime,
    feed_language: str | None = None,
) -> Article | None:
    """Make an Article of a RawEntry; None when it has neither a title nor a link."""
    url, host = _canonical(raw.link)
    title = plain_text(raw.title, MAX_TITLE)
    if not title and not raw.link:
        return None
    summary = plain_text(raw.summary)
    content = plain_text(raw.content, MAX_CONTENT)
    if content == summary:
        content = ""
    outlet = site_of(raw.source_url) if raw.source_url else host and host.removeprefix("www.")
    outlet_name = plain_text(raw.source_title, MAX_OUTLET_NAME) or None
    title = split_outlet_suffix(title, raw.source_title)
    summary = without_repeated_headline(summary, title, outlet_name)
    if not title:
        title = summary[:120] or url or raw.link or ""
    published = raw.published or raw.updated
    event_time = min(published, fetched_at) if published else fetched_at
    language = primary_subtag(raw.language) or primary_subtag(feed_language)
    if language is None:
        language = detect_language(title, summary)
    return Article(
        feed=feed,
        entry_id=stable_entry_id(raw, title, published),
        url=url,
        title=title,
        summary=summary,
        content=content,
        author=plain_text(raw.author, 200) or None,
        published=event_time,
        language=language,
        outlet=outlet,
        outlet_name=outlet_name,
        title_key=title_key(title),
        content_hash=hashlib.sha1(f"{title}\x00{summary}\x00{content}".encode()).hexdigest()[:20],
    )


def distinct_entries(batch: list[Article]) -> list[Article]:
    """One feed document's articles with unique ids: exact repeats dropped, and entries that
    share an id but differ (court dockets give every event of a case the case's id) told
    apart by a suffix of their content hash."""
    by_id: dict[str, list[Article]] = {}
    for article in batch:
        by_id.setdefault(article.entry_id, []).append(article)
    result = []
    for entry_id, group in by_id.items():
        variants = list({a.content_hash + a.published.isoformat(): a for a in group}.values())
        if len(variants) == 1:
            result.append(variants[0])
            continue
        for article in variants:
            suffix = hashlib.sha1(
                f"{article.content_hash}{article.published.isoformat()}".encode()
            ).hexdigest()[:12]
            result.append(replace(article, entry_id=f"{entry_id}#{suffix}"))
    return result
