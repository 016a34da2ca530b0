"""OPML 1.0/2.0 import and export of feed lists, as feed readers write them. Pure: bytes in/out.

Readers differ (Feedly, Inoreader, NetNewsWire, Miniflux) but agree on the shape: a feed is an
<outline> with an xmlUrl attribute, and a folder is an <outline> without one that holds others.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from bot.errors import ParseError

# Characters XML 1.0 cannot carry even escaped; render_opml drops them so its output parses.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ET_POSITION = re.compile(r"^(?P<reason>.*): line (?P<line>\d+), column (?P<column>\d+)$")


@dataclass(frozen=True)
class OpmlFeed:
    """A feed in an OPML file; tags are its folder names, outermost first."""

    name: str
    url: str
    tags: tuple[str, ...] = ()


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Read the feeds from an OPML export; ParseError says why a file is unusable."""
    root = _parse_xml(data)
    if _local(root.tag) != "opml":
        raise ParseError(f"opml: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), root)
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for feed in _walk(body):
        if feed.url not in seen:
            seen.add(feed.url)
            feeds.append(feed)
    if not feeds:
        raise ParseError("opml: no feed outlines (outline elements with xmlUrl) found")
    return feeds


def render_opml(
    feeds: list[OpmlFeed], title: str = "mpp-monitor feeds", *, created: datetime | None = None
) -> bytes:
    """Write feeds as OPML 2.0 that feed readers import, one folder per first tag."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    when = (created or datetime.now(UTC)).astimezone(UTC)
    ET.SubElement(head, "dateCreated").text = format_datetime(when, usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        tag = _xml_text(feed.tags[0]).strip() if feed.tags else ""
        if tag:  # a blank first tag would make a nameless folder: keep the feed at top level
            if tag not in folders:
                folders[tag] = ET.SubElement(body, "outline", text=tag, title=tag)
            parent = folders[tag]
        name, url = _xml_text(feed.name), _xml_text(feed.url)
        ET.SubElement(parent, "outline", type="rss", text=name, title=name, xmlUrl=url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _parse_xml(data: bytes) -> ET.Element:
    """Parse with ElementTree after refusing DTDs, the door to entity-expansion attacks."""
    if not data.strip():
        raise ParseError("opml: empty body")
    if _declares_dtd(data):
        raise ParseError("opml: DOCTYPE is not allowed")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ParseError(_xml_error_message(exc)) from None


def _declares_dtd(data: bytes) -> bool:
    """True when the document has <!DOCTYPE or <!ENTITY, in any encoding expat would accept."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
    elif data[:1] == b"\x00":
        text = data.decode("utf-16-be", errors="replace")
    elif data[1:2] == b"\x00":
        text = data.decode("utf-16-le", errors="replace")
    else:  # UTF-8 and the Latin encodings spell "<!DOCTYPE" in the same ASCII bytes
        text = data.decode("latin-1")
    upper = text.upper()
    return "<!DOCTYPE" in upper or "<!ENTITY" in upper


def _xml_error_message(exc: ET.ParseError) -> str:
    """'opml: not well-formed XML at line 3, column 7 (mismatched tag)', columns counted from 1."""
    line, column = exc.position
    match = _ET_POSITION.match(str(exc))
    reason = f" ({match['reason']})" if match else ""
    return f"opml: not well-formed XML at line {line}, column {column + 1}{reason}"


def _walk(body: ET.Element) -> list[OpmlFeed]:
    """Feed outlines in document order; iterative, so hostile nesting cannot overflow the stack."""
    feeds: list[OpmlFeed] = []
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [(o, ()) for o in reversed(_outlines(body))]
    while stack:
        outline, tags = stack.pop()
        attrs = {key.lower(): value.strip() for key, value in outline.attrib.items()}
        url = attrs.get("xmlurl") or (attrs.get("url", "") if attrs.get("type") == "rss" else "")
        label = attrs.get("title") or attrs.get("text") or ""
        if url:
            feeds.append(OpmlFeed(name=label or url, url=url, tags=tags))
            inner = tags  # outlines nested in a feed (rare) stay in the feed's folder
        else:
            inner = (*tags, label) if label else tags
        stack.extend((child, inner) for child in reversed(_outlines(outline)))
    return feeds


def _outlines(element: ET.Element) -> list[ET.Element]:
    """The <outline> children of an element."""
    return [child for child in element if _local(child.tag) == "outline"]


def _local(tag: object) -> str:
    """An element's name without any {namespace} prefix (comments and PIs have no str tag)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml_text(value: str) -> str:
    """Drop characters XML 1.0 cannot represent (controls, lone surrogates, U+FFFE/FFFF)."""
    return _NOT_XML_CHAR.sub("", value)
