"""Main text of article pages: the story stays, the site furniture goes, bad input gives None."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.feeds.extract import MAX_OUTPUT_CHARS, extract_main_text

URL = "https://fronteradaily.example/news/2025/03/04/asylum-seekers-tijuana"

EN_TITLE = "Asylum seekers sleep outside Tijuana port of entry as appointments stall"
EN_PARAGRAPHS = [
    "TIJUANA, Baja California — More than 300 asylum seekers slept outside the El Chaparral "
    "port of entry on Tuesday night after U.S. officials paused appointments made through the "
    "CBP One application, shelter directors said.",
    "Many of the families had waited in Tijuana for months under the Migrant Protection "
    "Protocols, the policy known as Remain in Mexico, before the program was wound down. "
    "Some said they now fear being returned again.",
    "“We have nowhere else to go,” said Marisol Hernández, 34, who fled Guerrero with her two "
    "daughters. “Every day they tell us to wait one more week.”",
    "José María García, who runs the Agape shelter, said the 180 beds there have been full "
    "since March and volunteers are turning people away each night.",
    "A spokesperson for U.S. Customs and Border Protection said in a statement that the agency "
    "continues to process asylum claims at ports of entry in accordance with the law.",
]

ES_TITLE = "Solicitantes de asilo duermen frente a la garita de Tijuana"
ES_PARAGRAPHS = [
    "TIJUANA, Baja California.— Cientos de solicitantes de asilo pasaron la noche a la "
    "intemperie frente a la garita de El Chaparral, después de que las autoridades "
    "estadounidenses suspendieran las citas de la aplicación CBP One.",
    "Muchas familias esperaron durante meses en Tijuana bajo los Protocolos de Protección a "
    "Migrantes, el programa conocido como Quédate en México, y temen ser devueltas otra vez.",
    "«No tenemos a dónde ir», dijo Marisol Hernández, de 34 años, quien huyó de Guerrero con "
    "sus dos hijas. «Cada día nos dicen que esperemos una semana más».",
    "El director del albergue Ágape, José María García, explicó que las 180 camas están "
    "ocupadas desde marzo y que los voluntarios rechazan a personas cada noche.",
]

# Text of the page furniture below: none of it may reach the result.
EN_BOILERPLATE = [
    "We use cookies",
    "Accept all cookies",
    "Sign up for our newsletter",
    "in your inbox",
    "Most Popular",
    "Load more",
    "Comments are closed",
    "Join the conversation",
    "Related Articles",
    "detention plan",
    "Weekend weather",
    "district title",
    "All rights reserved",
    "Privacy Policy",
    "Share on Facebook",
    "Subscribe",
]
ES_BOILERPLATE = [
    "Utilizamos cookies",
    "Aceptar cookies",
    "Suscríbete a nuestro boletín",
    "en tu correo",
    "Lo más leído",
    "Cargar más",
    "Los comentarios están cerrados",
    "Únete a la conversación",
    "Noticias relacionadas",
    "Patrulla Fronteriza",
    "clima",
    "Todos los derechos reservados",
    "Aviso de privacidad",
]


def news_page(title: str, paragraphs: list[str], lang: str = "en") -> str:
    """An outlet's story page: the article inside the site's usual furniture."""
    body = "\n".join(f"      <p>{p}</p>" for p in paragraphs)
    if lang == "es":
        furniture = {
            "cookies": "Utilizamos cookies para mejorar su experiencia. Al continuar navegando "
            "acepta nuestro uso de cookies.",
            "accept": "Aceptar cookies",
            "newsletter": "Suscríbete a nuestro boletín",
            "blurb": "Recibe las noticias de la frontera en tu correo cada mañana.",
            "popular": "Lo más leído",
            "more": "Cargar más",
            "closed": "Los comentarios están cerrados.",
            "join": "Únete a la conversación",
            "related": "Noticias relacionadas",
            "links": [
                "Patrulla Fronteriza anuncia nuevo plan de vigilancia en el valle",
                "El clima del fin de semana: vuelve el calor a la región",
            ],
            "footer": "© 2025 Diario Frontera. Todos los derechos reservados.",
            "privacy": "Aviso de privacidad",
        }
    else:
        furniture = {
            "cookies": "We use cookies to improve your experience on our site. By continuing to "
            "browse you agree to our use of cookies.",
            "accept": "Accept all cookies",
            "newsletter": "Sign up for our newsletter",
            "blurb": "Get the border news you need in your inbox every morning.",
            "popular": "Most Popular",
            "more": "Load more",
            "closed": "Comments are closed.",
            "join": "Join the conversation",
            "related": "Related Articles",
            "links": [
                "Border Patrol union endorses new detention plan for the valley",
                "Weekend weather: heat returns to the valley this Saturday",
            ],
            "footer": "© 2025 Frontera Daily. All rights reserved.",
            "privacy": "Privacy Policy",
        }
    links = "\n".join(
        f'        <li><a href="/story/{i}">{text}</a></li>'
        for i, text in enumerate(furniture["links"])
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{title} | Frontera Daily</title>
  <meta property="og:title" content="{title}">
  <meta property="og:type" content="article">
  <script>window.dataLayer = window.dataLayer || [];</script>
  <style>.cookie-consent {{ position: fixed; bottom: 0; }}</style>
</head>
<body>
  <div id="cookie-banner" class="cookie-consent">
    <p>{furniture["cookies"]}</p>
    <button>{furniture["accept"]}</button> <a href="/privacy">{furniture["privacy"]}</a>
  </div>
  <header class="site-header">
    <a href="/" class="logo">Frontera Daily</a>
    <nav class="main-nav"><ul>
      <li><a href="/news">News</a></li><li><a href="/border">Border</a></li>
      <li><a href="/politics">Politics</a></li><li><a href="/opinion">Opinion</a></li>
      <li><a href="/subscribe">Subscribe</a></li>
    </ul></nav>
  </header>
  <main>
    <article class="story">
      <h1>{title}</h1>
      <p class="byline">By Ana Ruiz · March 4, 2025</p>
      <div class="share-bar">
        <a href="https://facebook.example/share">Share on Facebook</a>
        <a href="https://x.example/share">Share on X</a>
      </div>
      <div class="story-body">
{body}
      </div>
      <aside class="newsletter-signup">
        <h3>{furniture["newsletter"]}</h3>
        <p>{furniture["blurb"]}</p>
        <form><input type="email" placeholder="Email"><button>OK</button></form>
      </aside>
      <section class="related-articles">
        <h3>{furniture["related"]}</h3>
        <ul>
{links}
        </ul>
      </section>
      <section id="comments" class="comments-area">
        <h3>{furniture["join"]}</h3>
        <p class="comments-closed">{furniture["closed"]}</p>
      </section>
    </article>
    <aside class="sidebar">
      <div class="most-popular">
        <h2>{furniture["popular"]}</h2>
        <ol>
{links}
          <li><a href="/p/3">High school football: Saints win the district title again</a></li>
        </ol>
        <button class="load-more">{furniture["more"]}</button>
      </div>
    </aside>
  </main>
  <footer class="site-footer">
    <p>{furniture["footer"]}</p>
    <a href="/privacy">{furniture["privacy"]}</a> <a href="/terms">Terms of Use</a>
  </footer>
</body>
</html>"""


def anonymous_page(paragraphs: list[str]) -> str:
    """The same furniture with meaningless class names (CSS modules): no markup to go by."""
    p = [f"<p>{text}</p>" for text in paragraphs]
    return f"""<html><head><title>Asylum seekers | Frontera</title></head><body>
<div class="x1"><p>We use cookies to personalise content and ads and to analyse our traffic.
You can change your choices at any time.</p><a>Accept all cookies</a></div>
<div class="x2"><div class="x3"><a href="/">Home</a> <a href="/news">News</a></div>
<div class="x4">
<h1>Asylum seekers sleep outside Tijuana port</h1>
{p[0]}{p[1]}
<div class="x5"><h4>Sign up for our newsletter</h4>
<p>Get the border news you need in your inbox every morning, free of charge.</p>
<button>Sign up</button></div>
{p[2]}
<div class="x6"><h4>Related Articles</h4><ul>
<li><a href="/x">Border Patrol union endorses new detention plan for the valley region</a></li>
<li><a href="/y">Weekend weather: heat returns to the valley this Saturday afternoon</a></li>
</ul></div>
{p[3]}{p[4]}
<div class="x7"><h3>Join the conversation</h3><p>Comments are closed.</p></div>
<div class="x8"><h3>Most Popular</h3><ul>
<li><a href="/p/1">Border Patrol union endorses new detention plan</a></li>
<li><a href="/p/2">Weekend weather: heat returns to the valley</a></li></ul>
<a class="x9">Load more</a></div>
</div>
<div class="x10">© 2025 Frontera Daily. All rights reserved. <a>Privacy Policy</a></div>
</div></body></html>"""


def assert_article(text: str | None, paragraphs: list[str], boilerplate: list[str]) -> None:
    assert text is not None
    lines = text.split("\n")
    for paragraph in paragraphs:
        assert paragraph in lines  # whole, on a line of its own
    leaked = [b for b in boilerplate if b.lower() in text.lower()]
    assert not leaked, f"boilerplate kept: {leaked}\n{text}"


def test_english_story_keeps_paragraphs_and_drops_furniture():
    text = extract_main_text(news_page(EN_TITLE, EN_PARAGRAPHS), URL)
    assert_article(text, EN_PARAGRAPHS, EN_BOILERPLATE)


def test_spanish_story_keeps_accents_and_drops_furniture():
    text = extract_main_text(news_page(ES_TITLE, ES_PARAGRAPHS, "es").encode("utf-8"), URL)
    assert_article(text, ES_PARAGRAPHS, ES_BOILERPLATE)
    assert "Quédate en México" in text


def test_story_in_legacy_encoding_is_decoded():
    page = news_page(ES_TITLE, ES_PARAGRAPHS, "es").replace(
        '<meta charset="utf-8">', '<meta charset="windows-1252">'
    )
    text = extract_main_text(page.encode("cp1252"))
    assert_article(text, ES_PARAGRAPHS, ES_BOILERPLATE)


def test_furniture_without_telling_class_names_is_dropped():
    text = extract_main_text(anonymous_page(EN_PARAGRAPHS), URL)
    assert_article(text, EN_PARAGRAPHS, EN_BOILERPLATE)


def test_whitespace_is_tidy():
    spaced = [p.replace(" ", "  \t ", 3) for p in EN_PARAGRAPHS]
    text = extract_main_text(news_page(EN_TITLE, spaced))
    assert text is not None
    assert "  " not in text and "\t" not in text and "\n\n" not in text
    assert text == text.strip()
    assert_article(text, EN_PARAGRAPHS, EN_BOILERPLATE)


def test_next_articles_of_an_infinite_scroll_page_are_left_out():
    other = [
        f"Story {k}, part {j}: the city council met on Monday to discuss road repairs, water "
        "rates and a new park in the eastern district of the city, officials said."
        for k in range(3)
        for j in range(6)
    ]

    def post(title: str, paragraphs: list[str]) -> str:
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        return f"<div class='post'><h1>{title}</h1>{body}</div>"

    appended = "".join(post(f"Story {k}", other[k * 6 : (k + 1) * 6]) for k in range(3))
    story = post(EN_TITLE, EN_PARAGRAPHS)
    page = f"<html><body><div class='wrap'>{story}{appended}</div></body></html>"
    text = extract_main_text(page)
    assert_article(text, EN_PARAGRAPHS, ["city council", "Story 1"])


def test_text_outside_paragraph_tags_is_still_found():
    # no <p> at all: trafilatura's own extractor gives up, its fallbacks find the text
    divs = "".join(f"<div>{p}</div>" for p in EN_PARAGRAPHS)
    page = f"<html><body><div class='nav'><a href='/'>Home</a></div><div>{divs}</div></body></html>"
    text = extract_main_text(page)
    assert text is not None
    assert all(p in text for p in EN_PARAGRAPHS)


def test_same_page_gives_same_text_every_time():
    # trafilatura's deduplicate=True shares one cache per process: the 4th extraction of a page
    # would lose repeated paragraphs, later ones the whole text
    page = news_page(EN_TITLE, EN_PARAGRAPHS)
    results = {extract_main_text(page, URL) for _ in range(8)}
    assert len(results) == 1
    assert None not in results


def test_output_is_capped():
    paragraphs = [
        f"Paragraph {i}: shelter {i} in Tijuana reported {i * 7} new arrivals from the interior "
        f"of Mexico this week, and {i * 3} families asked for help with their asylum claims."
        for i in range(2_000)
    ]
    text = extract_main_text(news_page(EN_TITLE, paragraphs))
    assert text is not None
    assert 0.9 * MAX_OUTPUT_CHARS < len(text) <= MAX_OUTPUT_CHARS


def test_short_text_is_not_an_article():
    page = news_page("Brief", ["Tijuana: the port of entry is closed today."])
    assert extract_main_text(page) is None


@pytest.mark.parametrize(
    "page",
    [
        "",
        b"",
        "   \n\t ",
        "<html><head><title>Frontera Daily</title></head><body></body></html>",
        b"<!DOCTYPE html><html><body>\n</body></html>",
    ],
    ids=["empty-str", "empty-bytes", "whitespace", "empty-body", "empty-body-bytes"],
)
def test_empty_pages_give_none(page):
    assert extract_main_text(page) is None


def test_navigation_only_page_gives_none():
    items = "".join(
        f'<li><a href="/section/{i}">Section {i} news and updates</a></li>' for i in range(60)
    )
    page = f"""<html><body><header><nav><ul>{items}</ul></nav></header>
    <div class="menu"><ul>{items}</ul></div>
    <footer><a href="/privacy">Privacy Policy</a> <a href="/terms">Terms</a></footer>
    </body></html>"""
    assert extract_main_text(page) is None


def test_png_gives_none():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 40
    assert extract_main_text(png, "https://fronteradaily.example/photo.png") is None


def test_invalid_utf8_gives_none():
    garbage = b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\x80\xbf" * 500
    assert extract_main_text(garbage) is None


@pytest.mark.parametrize("kind", [bytes, str])
def test_huge_page_gives_none_quickly(kind):
    paragraph = "<p>Asylum seekers waited at the port of entry in Tijuana again today.</p>\n"
    page = "<html><body><article>" + paragraph * 280_000 + "</article></body></html>"
    data = page.encode() if kind is bytes else page
    assert len(data) > 20_000_000
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = extract_main_text(data)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result is None
    assert elapsed < 1.0
    assert peak < 1_000_000  # not parsed, not copied


def test_not_text_gives_none():
    assert extract_main_text(None) is None  # type: ignore[arg-type]
    assert extract_main_text(12345) is None  # type: ignore[arg-type]


def test_pathological_markup_gives_none_or_text():
    deep = "<div>" * 50_000 + "deep text " * 50 + "</div>" * 50_000
    pages = [
        f"<html><body>{deep}</body></html>",
        "<html><body>" + "<b><i>" * 20_000 + "</body></html>",
        "<html>\x00<body><p>\x00 \x0b\x1f" + "abc " * 100 + "</p></body></html>",
        "<html><body><p>\ud800 lone surrogate " + "x " * 200 + "</p></body></html>",
    ]
    for page in pages:
        result = extract_main_text(page)
        assert result is None or isinstance(result, str)


FUZZ = settings(
    max_examples=50,
    deadline=None,  # the first call imports trafilatura
    suppress_health_check=[HealthCheck.too_slow],
)

HTML_BITS = st.sampled_from(
    ["<html>", "<body>", "<p>", "</p>", "<div>", "</div>", "<article>", "<script>", "<!--",
     "<h1>", "&amp;", "&#0;", "<br/>", "<table><tr><td>", "<meta charset='x-unknown'>",
     EN_PARAGRAPHS[0], ES_PARAGRAPHS[2], "Most Popular", "\x00", "\n"]
)  # fmt: skip


@FUZZ
@given(st.text())
def test_any_text_gives_none_or_str(html):
    result = extract_main_text(html)
    assert result is None or isinstance(result, str)


@FUZZ
@given(st.binary())
def test_any_bytes_give_none_or_str(html):
    result = extract_main_text(html)
    assert result is None or isinstance(result, str)


@FUZZ
@given(st.lists(st.one_of(HTML_BITS, st.text(max_size=20)), max_size=60).map("".join))
def test_html_like_soup_gives_none_or_str(html):
    result = extract_main_text(html, URL)
    assert result is None or (isinstance(result, str) and len(result) <= MAX_OUTPUT_CHARS)
