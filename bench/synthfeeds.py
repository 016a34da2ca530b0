"""Synthetic RSS 2.0 news feeds for the poll benchmark: English and Spanish, seeded.

The same seed gives the same feeds (texts, links, ids); only the publication times move
with the clock, so that every item is within the last three days whenever the bench runs.
Every item has a unique link and a unique title, so the bot's dedup keeps all of them.

Two workloads. `declared` (the first benchmark's): every feed declares its `<language>`
and carries a description per item. `real` (the default of bench/poll.py), feeds as they
come: most declare no language at all (the bot must detect it), some mix English and
Spanish items (bilingual outlets), and some carry each article's text in
`content:encoded`, as WordPress feeds do. The `declared` feeds are the same bytes as
before this option existed; the `real` ones add their own random draws on top.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

SPANISH_SHARE = 0.35  # share of feeds in es-mx
TOPIC_SHARE = 0.004  # share of items that mention MPP / asylum phrases (a few hundred in 100k)
MAX_TITLE_TRIES = 20  # attempts at a title not used before, then a numbered fallback
WINDOW_SECONDS = 3 * 86400 - 120  # items are published within the last three days
WORKLOADS = ("real", "declared")
UNDECLARED_SHARE = 0.6  # real: share of feeds without any language declaration
BILINGUAL_SHARE = 0.15  # real: share of feeds whose items are English or Spanish by turns
FULL_TEXT_SHARE = 0.2  # real: share of feeds with each article's text in content:encoded

OUTLETS_EN = (
    "borderwire", "southwestherald", "riograndetimes", "pacificledger", "desertsun-news",
    "valleyobserver", "capitoldispatch", "gulfcoastpost", "sandiegobeacon", "elpasochronicle",
    "arizonaledger", "texastribune-wire", "metrodaily", "nationalcourier", "frontlinereport",
    "lonestarpress", "coastalgazette", "midlandbulletin", "sierraexaminer", "uniondispatch",
)  # fmt: skip
OUTLETS_ES = (
    "diariofrontera", "elnorte-noticias", "vozdetijuana", "heraldodejuarez", "nortedigital",
    "elsoldematamoros", "lajornada-norte", "noticiasreynosa", "cronicamexicali", "expreso-sonora",
    "milenio-frontera", "elimparcial-bc", "periodicocentral", "diariodelgolfo", "puntonorte",
)  # fmt: skip
SECTIONS_EN = ("news", "politics", "border", "local", "world", "us", "immigration", "business")
SECTIONS_ES = ("noticias", "politica", "frontera", "local", "mundo", "migracion", "economia")

EN = {
    "subject": (
        "Border officials", "A federal judge", "Mexican authorities", "The city council",
        "Aid groups", "Lawmakers", "Migrant families", "Shelter operators", "The administration",
        "The governor", "Immigration lawyers", "Volunteers", "Local police", "Health workers",
        "Farmworkers", "Customs agents", "Advocates", "Small businesses", "Teachers",
        "Researchers", "Church leaders", "County officials", "Port directors", "Union members",
    ),
    "verb": (
        "warn of", "push back on", "prepare for", "respond to", "weigh", "report",
        "challenge", "brace for", "criticize", "defend", "announce", "expand", "scale back",
        "review", "question", "track", "sue over", "plan for", "welcome", "debate",
    ),
    "object": (
        "new rules", "rising costs", "a surge in arrivals", "the court backlog",
        "a housing shortage", "shelter capacity", "budget cuts", "processing delays",
        "water shortages", "school enrollment", "a heat wave", "trade talks", "night patrols",
        "hospital staffing", "election plans", "port traffic", "bridge closures",
        "visa backlogs", "a new curfew", "power outages", "fuel prices", "rent increases",
    ),
    "place": (
        "in Tijuana", "along the Rio Grande", "in El Paso", "near Ciudad Juárez",
        "in San Diego", "across Texas", "in Matamoros", "in Nogales", "in Reynosa",
        "in Laredo", "in Mexicali", "in Arizona", "in Washington", "in Monterrey",
        "in Brownsville", "in Yuma", "in Chula Vista", "in Del Rio", "in Eagle Pass",
    ),
    "tail": (
        "after weekend storms", "as talks stall", "ahead of a hearing", "amid growing pressure",
        "despite objections", "for a second week", "as a deadline nears", "after new data",
        "under a new plan", "following a court ruling", "before the holidays",
        "as numbers climb", "after a tense meeting", "with little notice", "in a rare move",
    ),
    "filler": (
        "officials said on {day}", "according to a report released this week",
        "the agency said in a statement", "residents told reporters",
        "a spokesperson said", "data from the state showed", "critics said",
        "the measure passed {count} to {count2}", "about {count} people attended",
        "the cost is estimated at ${count} million", "up {pct}% from last year",
    ),
    "amp": ("Q&A", "Texas A&M", "AT&T", "Johnson & Johnson", "Arts & Culture", "P&G"),
    "more": "Read more",
    "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "topics": (
        "Remain in Mexico", "Migrant Protection Protocols", "asylum officers",
        "asylum seekers", "credible fear interviews",
    ),
    "topic_frame": ("{subject} {verb} {topic} policy {place}", "{topic}: {subject} {verb} {place}"),
}  # fmt: skip

ES = {
    "subject": (
        "Autoridades migratorias", "Un juez federal", "El gobierno estatal",
        "Organizaciones civiles", "Familias migrantes", "Albergues de Tijuana", "Legisladores",
        "Empresarios locales", "La Guardia Nacional", "Defensores de derechos humanos",
        "El ayuntamiento", "Médicos voluntarios", "Transportistas", "Maestros", "Investigadores",
        "Vecinos", "La cancillería", "Agentes aduanales", "Sindicatos", "Obispos",
    ),
    "verb": (
        "advierten sobre", "rechazan", "preparan", "responden a", "analizan", "denuncian",
        "celebran", "critican", "amplían", "revisan", "exigen", "anuncian", "reportan",
        "cuestionan", "impugnan", "defienden",
    ),
    "object": (
        "nuevas reglas", "el aumento de costos", "la llegada de migrantes",
        "retrasos en los trámites", "la falta de vivienda", "recortes al presupuesto",
        "la escasez de agua", "el cierre de garitas", "las lluvias intensas",
        "la ola de calor", "el alza de la gasolina", "apagones", "el rezago en los tribunales",
        "operativos nocturnos", "la saturación de hospitales", "filas en los puentes",
    ),
    "place": (
        "en Tijuana", "en Ciudad Juárez", "en la frontera norte", "en Matamoros",
        "en Nuevo Laredo", "en Reynosa", "en Mexicali", "en Monterrey", "en Chiapas",
        "en la Ciudad de México", "en Piedras Negras", "en Nogales", "en Sonora", "en Tapachula",
    ),
    "tail": (
        "tras un fin de semana violento", "ante la presión de Washington",
        "antes de la audiencia", "por segunda semana", "pese a las críticas",
        "según nuevos datos", "tras un fallo judicial", "sin previo aviso", "en plena temporada",
        "mientras crece la espera", "a pocos días del plazo",
    ),
    "filler": (
        "informaron autoridades el {day}", "según un informe publicado esta semana",
        "indicó la dependencia en un comunicado", "dijeron vecinos a la prensa",
        "señaló un portavoz", "de acuerdo con cifras oficiales", "acusaron críticos",
        "la medida se aprobó por {count} votos contra {count2}",
        "asistieron unas {count} personas", "el costo se estima en {count} millones de pesos",
        "un {pct}% más que el año pasado",
    ),
    "amp": ("Salud & Bienestar", "Ciencia & Tecnología", "Arte & Cultura", "Ruiz & Asociados"),
    "more": "Leer más",
    "days": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "topics": (
        "Quédate en México", "solicitantes de asilo", "Protocolos de Protección a Migrantes",
        "oficiales de asilo",
    ),
    "topic_frame": (
        "{subject} {verb} el programa {topic} {place}", "{topic}: {subject} {verb} {place}",
    ),
}  # fmt: skip

AUTHORS = (
    "Ana Torres", "Luis Hernández", "Maria Gonzalez", "James Carter", "Sofía Ramírez",
    "David Kim", "Elena Vargas", "Robert Miller", "Carmen Ortiz", "Jorge Castillo",
    "Emily Chen", "Daniel Reyes", "Patricia Flores", "Michael Brown", "Lucía Morales",
)  # fmt: skip


@dataclass(frozen=True)
class FeedDoc:
    """One generated feed: its XML body and the validators the server sends with it."""

    body: bytes
    etag: str
    last_modified: str  # HTTP date (GMT)
    last_modified_at: datetime
    language: str  # as declared; "" when the feed declares none
    items: int
    topic_items: int
    spanish_items: int = 0


def _key(text: str) -> str:
    """A title folded the way the bot compares titles (case, accents, punctuation)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", folded).strip()


def _slug(text: str, words: int = 7) -> str:
    """A URL slug from the first words of a title, ASCII only."""
    return "-".join(_key(text).split()[:words])


def _fill(rng: random.Random, template: str, vocab: dict) -> str:
    """Fill {day}, {count}, {count2} and {pct} in a filler phrase."""
    return template.format(
        day=rng.choice(vocab["days"]),
        count=rng.randint(2, 900),
        count2=rng.randint(1, 40),
        pct=rng.randint(3, 60),
    )


def _headline(rng: random.Random, vocab: dict, topic: str | None) -> str:
    """A headline built of whole phrases; mentions `topic` when one is given."""
    parts = {k: rng.choice(vocab[k]) for k in ("subject", "verb", "object", "place", "tail")}
    if topic:
        return rng.choice(vocab["topic_frame"]).format(topic=topic, **parts)
    words = " ".join(parts[k] for k in ("subject", "verb", "object", "place")).split()
    if len(words) < 8 or rng.random() < 0.5:
        words += parts["tail"].split()
    return " ".join(words)


def _sentence(rng: random.Random, vocab: dict) -> str:
    """One sentence of news-like text."""
    clause = " ".join(rng.choice(vocab[k]) for k in ("subject", "verb", "object", "place"))
    return f"{clause}, {_fill(rng, rng.choice(vocab['filler']), vocab)}."


def _description(rng: random.Random, vocab: dict, topic: str | None, link: str, html: bool) -> str:
    """30 to 80 words in whole sentences; with `html`, paragraphs, a link and an &amp;."""
    target = rng.randint(30, 80)
    sentences = [f"{topic} remains at the center of the debate."] if topic else []
    if topic and vocab is ES:
        sentences = [f"El tema de {topic} sigue en el centro del debate."]
    count = sum(len(s.split()) for s in sentences)
    for _ in range(20):  # at most 20 sentences: far more than 80 words
        if count >= target:
            break
        sentence = _sentence(rng, vocab)
        if count >= 30 and count + len(sentence.split()) > 80:
            break
        sentences.append(sentence[0].upper() + sentence[1:])
        count += len(sentence.split())
    if rng.random() < 0.2:
        sentences.insert(rng.randint(0, len(sentences)), f"{rng.choice(vocab['amp'])}:")
    text = " ".join(sentences)
    if not html:
        return text
    text = text.replace("&", "&amp;")  # it is HTML now: the ampersand is an entity
    cut = text.find(". ", len(text) // 2)
    paragraphs = [text] if cut < 0 else [text[: cut + 1], text[cut + 2 :]]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    if rng.random() < 0.5:
        body += f'<p><a href="{link}">{vocab["more"]}</a></p>'
    return body


def _full_text(rng: random.Random, vocab: dict) -> str:
    """An article's text as WordPress feeds carry it: 150 to 450 words in paragraphs."""
    words, paragraphs = rng.randint(150, 450), []
    while words > 0:
        paragraph = " ".join(
            s[0].upper() + s[1:] for s in (_sentence(rng, vocab) for _ in range(rng.randint(2, 5)))
        )
        paragraphs.append(f"<p>{escape(paragraph)}</p>")
        words -= len(paragraph.split())
    return "".join(paragraphs)


def build_feed(
    index: int, items: int, seed: int, now: datetime, used: set[str], workload: str = "real"
) -> FeedDoc:
    """Feed number `index`: `items` items; titles already in `used` are avoided (and added)."""
    if workload not in WORKLOADS:
        raise ValueError(f"workload must be one of {WORKLOADS}, not {workload!r}")
    rng = random.Random(f"{seed}:{index}")
    real = random.Random(f"{seed}:{index}:real")  # the real workload's own draws
    declared = workload == "declared" or real.random() >= UNDECLARED_SHARE
    bilingual = not declared and real.random() < BILINGUAL_SHARE
    full_text = workload == "real" and real.random() < FULL_TEXT_SHARE
    spanish = rng.random() < SPANISH_SHARE
    vocab = ES if spanish else EN
    outlet = rng.choice(OUTLETS_ES if spanish else OUTLETS_EN)
    section = rng.choice(SECTIONS_ES if spanish else SECTIONS_EN)
    language = "es-mx" if spanish else "en-us"
    permalink_guids = rng.random() < 0.7
    with_creator = rng.random() < 0.5
    style = rng.choice(("plain", "escaped", "cdata"))  # how HTML descriptions are carried
    offset = timezone(timedelta(hours=rng.choice((0, 0, -5, -6, -7))))
    site = f"https://{outlet}.example"
    times = sorted(
        (now - timedelta(seconds=rng.uniform(60, WINDOW_SECONDS)) for _ in range(items)),
        reverse=True,
    )
    topic_items = 0
    parts = []
    spanish_items = 0
    for number, published in enumerate(times):
        seq = index * items + number
        if bilingual:
            vocab = ES if real.random() < 0.5 else EN
        spanish_items += vocab is ES
        topic = rng.choice(vocab["topics"]) if rng.random() < TOPIC_SHARE else None
        topic_items += topic is not None
        title = _unique_title(rng, vocab, topic, used, seq)
        stamp = published.astimezone(offset)
        path = f"/{stamp:%Y}/{stamp:%m}/{_slug(title)}-{seq:07d}"
        link = f"{site}{path}?utm_source=rss&utm_medium=feed"
        if permalink_guids:
            guid = f"<guid>{escape(site + path)}</guid>"
        else:
            token = hashlib.sha1(f"{seed}:{seq}".encode()).hexdigest()[:16]
            guid = f'<guid isPermaLink="false">{outlet}:{token}</guid>'
        html = style != "plain" and rng.random() < 0.6
        description = _description(rng, vocab, topic, f"{site}{path}", html)
        if html and style == "cdata":
            description_xml = f"<![CDATA[{description}]]>"
        else:
            description_xml = escape(description)
        creator = (
            f"<dc:creator>{escape(rng.choice(AUTHORS))}</dc:creator>"
            if with_creator and rng.random() < 0.8
            else ""
        )
        content = (
            f"<content:encoded><![CDATA[{_full_text(real, vocab)}]]></content:encoded>"
            if full_text
            else ""
        )
        parts.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>{guid}"
            f"<pubDate>{format_datetime(stamp)}</pubDate>{creator}"
            f"<description>{description_xml}</description>{content}</item>\n"
        )
    newest = times[0] if times else now
    build_date = format_datetime(newest.astimezone(offset))
    namespaces = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    if full_text:
        namespaces += ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    if declared:
        about = f"<description>{escape(outlet)}: {section} ({language})</description>\n"
        about += f"<language>{language}</language>\n"
    else:
        about = f"<description>{escape(outlet)}: {section}</description>\n"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0"{namespaces}>\n<channel>\n'
        f"<title>{escape(outlet)} — {section}</title>\n"
        f"<link>{site}/{section}/</link>\n"
        f"{about}"
        f"<lastBuildDate>{build_date}</lastBuildDate>\n"
        f"<generator>bench-synthfeeds</generator>\n<ttl>15</ttl>\n"
    )
    body = (head + "".join(parts) + "</channel>\n</rss>\n").encode("utf-8")
    modified = newest.astimezone(UTC).replace(microsecond=0)
    return FeedDoc(
        body=body,
        etag=f'"{hashlib.sha1(body).hexdigest()[:20]}"',
        last_modified=format_datetime(modified, usegmt=True),
        last_modified_at=modified,
        language=language if declared else "",
        items=items,
        topic_items=topic_items,
        spanish_items=spanish_items,
    )


def _unique_title(
    rng: random.Random, vocab: dict, topic: str | None, used: set[str], seq: int
) -> str:
    """A headline of 8 to 14 words whose folded form is not in `used` (then added to it)."""
    title = ""
    for _ in range(MAX_TITLE_TRIES):
        title = _headline(rng, vocab, topic)
        if 8 <= len(title.split()) <= 14 and _key(title) not in used:
            break
    else:  # practically never: a numbered title, cut to length
        title = " ".join([*title.split()[:12], str(seq)])
    used.add(_key(title))
    return title


def build_feeds(
    count: int, items: int, seed: int, now: datetime | None = None, workload: str = "real"
) -> list[FeedDoc]:
    """`count` feeds of `items` items each, with titles unique across all of them."""
    now = now or datetime.now(UTC)
    used: set[str] = set()
    return [build_feed(index, items, seed, now, used, workload) for index in range(count)]
