"""Normalization: canonical URLs, plain text, dates, ids, Google News titles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.normalize import (
    _PLAIN_URL,
    DEFAULT_PORTS,
    TRACKING_PARAMS,
    TRACKING_PREFIXES,
    _canonical,
    _without_marks,
    canonical_url,
    normalize_entry,
    plain_text,
    split_outlet_suffix,
    title_key,
    without_repeated_headline,
)
from bot.model import RawEntry

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://Example.COM/a?utm_source=rss&utm_medium=x&id=7#top", "https://example.com/a?id=7"),
        ("http://example.com:80/a/?fbclid=XYZ", "http://example.com/a/"),
        ("https://example.com:8443/a?gclid=1&b=2", "https://example.com:8443/a?b=2"),
        ("https://example.com", "https://example.com/"),
        ("https://www.example.com/x?mc_cid=1&page=2&utm_campaign=z", "https://www.example.com/x?page=2"),
        ("ftp://example.com/file", None),
        ("javascript:alert(1)", None),
        ("/relative/path", None),
        ("http://[::1]:8080/feed", "http://[::1]:8080/feed"),
        ("", None),
        (None, None),
    ],
    ids=["utm+fragment", "default-port+fbclid", "custom-port", "empty-path", "mailchimp",
         "ftp", "javascript", "relative", "ipv6", "empty", "none"],
)  # fmt: skip
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def _canonical_in_general(url: str | None) -> tuple[str | None, str | None]:
    """_canonical as it was before its fast path: every URL through the general path."""
    if not url:
        return None, None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None, None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None, None
    host = parts.hostname.rstrip(".")
    netloc = f"[{host}]" if ":" in host else host
    if port not in (None, DEFAULT_PORTS[scheme]):
        netloc = f"{netloc}:{port}"
    query = parts.query
    if query:
        query = urlencode(
            [
                (key, value)
                for key, value in parse_qsl(query, keep_blank_values=True)
                if key.lower() not in TRACKING_PARAMS
                and not key.lower().startswith(TRACKING_PREFIXES)
            ],
            doseq=True,
        )
    return urlunsplit((scheme, netloc, parts.path or "/", query, "")), host


_URL_TEXT = "aZ09-._~!$&'()*+,;=:@%/ ?#[]\\é\t+"
_KEYS = st.sampled_from(["id", "page", "utm_source", "UTM_Medium", "fbclid", "Gclid", "oc",
                         "a b", "k%20", "a+b", "", "pk_x", "__twitter_x", "x=y"])  # fmt: skip
_VALUES = st.text(alphabet=_URL_TEXT, max_size=8)
_QUERIES = st.one_of(
    st.lists(st.tuples(_KEYS, _VALUES), max_size=4).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
    ),
    st.lists(_KEYS, max_size=3).map("&".join),  # keys without values, empty pairs
    st.text(alphabet=_URL_TEXT, max_size=12),
)
_URLS = st.builds(
    lambda scheme, host, dot, port, path, query, fragment: (
        f"{scheme}://{host}{dot}{port}{path}{query}{fragment}"
    ),
    st.sampled_from(["http", "https", "HTTP", "Https", "ftp", ""]),
    st.lists(st.sampled_from(["example", "com", "News", "a-b", "xn--bcher-kva", "1", "",
                              "ex_ample", "münchen", "user@host"]),
             min_size=1, max_size=3).map(".".join),
    st.sampled_from(["", "", "."]),
    st.sampled_from(["", "", "", ":80", ":443", ":8080", ":", ":99999", ":x"]),
    st.one_of(st.just(""), st.text(alphabet=_URL_TEXT, max_size=16).map(lambda p: "/" + p)),
    st.one_of(st.just(""), _QUERIES.map(lambda q: "?" + q)),
    st.sampled_from(["", "", "", "#top", "#"]),
)  # fmt: skip


_SAFE = "aZ09_.~-"
_PLAIN_URLS = st.builds(  # mostly the fast path's kind of URL, some one character off
    lambda scheme, host, path, pairs, odd: f"{scheme}://{host}{path}{pairs}{odd}",
    st.sampled_from(["http", "https"]),
    st.lists(st.text(alphabet="ab09-", min_size=1, max_size=5), min_size=1, max_size=3).map(
        ".".join
    ),
    st.one_of(st.just(""), st.text(alphabet="aZ09-._~!$&'()*+,;=:@%/", max_size=16).map(
        lambda p: "/" + p
    )),
    st.one_of(st.just(""), st.lists(st.tuples(_KEYS | st.text(alphabet=_SAFE, min_size=1),
                                              st.text(alphabet=_SAFE)),
                                    min_size=1, max_size=4).map(
        lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs)
    )),
    st.sampled_from(["", "", "", "", "&", "=", "#", "?", ".", " x", "%20", "+"]),
)  # fmt: skip


@given(st.one_of(_URLS, _PLAIN_URLS, _URLS.map(lambda u: f"  {u}\n"), st.text()))
def test_canonical_url_fast_path_gives_the_general_paths_keys(url):
    assert _canonical(url) == _canonical_in_general(url)


def test_canonical_url_fast_path_takes_common_article_links():
    for url in (
        "https://sierraexaminer.example/2026/12/advocates-0000001?utm_source=rss&utm_medium=feed",
        "https://news.google.com/rss/articles/CBMiK2h0dHBzOi8vZXhhbXBsZS5jb20v0gEA?oc=5",
        "https://www.example.com/world/2026/12/07/story.html",
    ):
        assert _PLAIN_URL.fullmatch(url), url
    assert _canonical("https://a.example/x?utm_source=rss&id=7&UTM_medium=feed&fbclid=1") == (
        "https://a.example/x?id=7",
        "a.example",
    )


@given(st.text())
def test_canonical_url_never_raises(text):
    result = canonical_url(text)
    assert result is None or result.startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Asylum&nbsp;officers <b>refuse</b></p>", "Asylum officers refuse"),
        ("AT&amp;T &#8211; court", "AT&T – court"),
        ("line<br/>break<p>para</p>", "line break para"),
        ("<script>alert('x')</script>Text<style>p{}</style>", "Text"),
        ("  many \n\t spaces  ", "many spaces"),
        ("&lt;b&gt;escaped tag&lt;/b&gt;", "<b>escaped tag</b>"),
        ("Quédate en México", "Quédate en México"),
        ("", ""),
    ],
)
def test_plain_text(markup, expected):
    assert plain_text(markup) == expected


@given(st.text())
def test_plain_text_is_single_line_and_stripped(text):
    result = plain_text(text)
    assert "\n" not in result and result == result.strip()


def test_title_key_folds_case_accents_and_punctuation():
    assert title_key("Quédate en México: ¡Remain-in-Mexico!") == title_key(
        "QUEDATE EN MEXICO remain in mexico"
    )


def test_google_news_suffix_is_removed_only_when_it_names_the_source():
    assert split_outlet_suffix("Judge blocks MPP - Border Report", "Border Report") == (
        "Judge blocks MPP"
    )
    assert split_outlet_suffix("Judge blocks MPP - Border Report", "KPBS") == (
        "Judge blocks MPP - Border Report"
    )
    assert split_outlet_suffix("Border Report", "Border Report") == "Border Report"


def entry(**fields) -> RawEntry:
    base = {"guid": "g1", "link": "https://n.example/a?utm_source=x", "title": "A title here"}
    return RawEntry(**{**base, **fields})


def test_future_dates_are_clamped_to_fetch_time():
    article = normalize_entry(entry(published=NOW + timedelta(days=2)), feed="f", fetched_at=NOW)
    assert article.published == NOW


def test_missing_date_falls_back_to_updated_then_fetch_time():
    updated = NOW - timedelta(hours=3)
    assert normalize_entry(entry(updated=updated), feed="f", fetched_at=NOW).published == updated
    assert normalize_entry(entry(), feed="f", fetched_at=NOW).published == NOW


def test_stable_id_prefers_guid_then_link_then_hash():
    a = normalize_entry(entry(), feed="f", fetched_at=NOW)
    b = normalize_entry(entry(guid=None), feed="f", fetched_at=NOW)
    c1 = normalize_entry(entry(guid=None, link=None, published=NOW), feed="f", fetched_at=NOW)
    c2 = normalize_entry(
        entry(guid=None, link=None, published=NOW), feed="f", fetched_at=NOW + timedelta(hours=1)
    )
    assert a.entry_id == "g1"
    assert b.entry_id == "https://n.example/a?utm_source=x"
    assert c1.entry_id.startswith("sha1:") and c1.entry_id == c2.entry_id


def test_entry_without_title_or_link_is_skipped_and_title_falls_back():
    assert normalize_entry(entry(title=None, link=None), feed="f", fetched_at=NOW) is None
    untitled = normalize_entry(
        entry(title=None, summary="<p>Only a summary here</p>"), feed="f", fetched_at=NOW
    )
    assert untitled.title == "Only a summary here"


def test_google_news_entry_gets_publisher_outlet_and_clean_title():
    article = normalize_entry(
        entry(
            link="https://news.google.com/rss/articles/CBMiXWh0dHBz?oc=5",
            title="Asylum officers file brief against MPP - Border Report",
            source_title="Border Report",
            source_url="https://www.borderreport.com",
        ),
        feed="gn",
        fetched_at=NOW,
    )
    assert article.title == "Asylum officers file brief against MPP"
    assert article.outlet == "borderreport.com"
    assert article.outlet_name == "Border Report"


def test_google_news_description_that_repeats_the_headline_is_dropped():
    gn = dict(
        link="https://news.google.com/rss/articles/CBMiXWh0dHBz?oc=5",
        title="Shelters in Tijuana prepare for MPP - Zeta Tijuana",
        source_title="Zeta Tijuana",
        source_url="https://zetatijuana.com",
    )
    repeated = '<a href="https://news.google.com/x">Shelters in Tijuana prepare for MPP</a>'
    repeated += '&nbsp;&nbsp;<font color="#6f6f6f">Zeta Tijuana</font>'
    article = normalize_entry(entry(summary=repeated, **gn), feed="gn", fetched_at=NOW)
    assert article.summary == ""
    more = repeated + "<ol><li>Albergues se preparan</li></ol>"
    kept = normalize_entry(entry(summary=more, **gn), feed="gn", fetched_at=NOW)
    assert kept.summary == "Albergues se preparan"
    own = normalize_entry(entry(summary="Shelters in Tijuana prepare, officials say", **gn),
                          feed="gn", fetched_at=NOW)  # fmt: skip
    assert own.summary == "Shelters in Tijuana prepare, officials say"


def _without_repeated_headline_before(summary, title, outlet_name):
    """without_repeated_headline as it was: both folded before anything else."""
    if not summary or not title:
        return summary
    opening = summary[: 2 * len(title) + 32]
    if not title_key(opening).startswith(title_key(title)):
        return summary
    rest = summary[len(title) :] if summary.startswith(title) else None
    if rest is None:
        return summary
    rest = rest.strip(" -–—|·")
    if outlet_name and rest.startswith(outlet_name):
        rest = rest[len(outlet_name) :].strip(" -–—|·")
    return rest


_WORDS = st.text(alphabet="aAéÉßſ -–|·.¿", max_size=6)


@given(_WORDS, _WORDS, _WORDS, st.sampled_from([None, "", "Zeta", "a"]))
def test_repeated_headline_cut_as_before_when_the_summary_does_not_start_with_it(
    head, tail, extra, outlet
):
    for title, summary in ((head, head + tail), (head + extra, head + tail), (head, tail)):
        assert without_repeated_headline(summary, title, outlet) == (
            _without_repeated_headline_before(summary, title, outlet)
        )


def test_language_from_entry_then_feed_then_detection():
    text = {"title": "Los solicitantes de asilo esperan en Tijuana la decisión del tribunal"}
    assert normalize_entry(entry(language="es-MX"), feed="f", fetched_at=NOW).language == "es"
    assert (
        normalize_entry(entry(), feed="f", fetched_at=NOW, feed_language="en-US").language == "en"
    )
    assert normalize_entry(entry(**text), feed="f", fetched_at=NOW).language == "es"


def test_hostile_title_is_plain_text():
    article = normalize_entry(
        entry(title="<img src=x onerror=alert(1)>Breaking &amp; <b>bold</b>"),
        feed="f",
        fetched_at=NOW,
    )
    assert article.title == "Breaking & bold"


def test_scripts_comments_and_unclosed_blocks_are_invisible():
    assert plain_text("a<!-- x > y -->b<SCRIPT>x</script >c") == "a b c"
    assert plain_text("before<style>p { color: red }") == "before"
    assert plain_text("<script" * 10_000) == ""  # hostile input stays linear


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF) | st.sampled_from("ĳŒœẞﬁ½µ\u0301")))
def test_title_key_latin1_fast_path_folds_as_nfkd_without_marks(text):
    """The one-pass Latin-1 folding gives what NFKD without combining marks gives."""
    general = _without_marks(text.casefold())
    assert title_key(text) == re.sub(r"[\W_]+", " ", general).strip()
    assert title_key("Ciudad Juárez: ¿Qué pasó? ½ año") == "ciudad juarez que paso 1 2 ano"
