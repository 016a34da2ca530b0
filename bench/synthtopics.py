"""Synthetic topics and articles for the matching benchmark (bench/match.py), seeded.

Topics: the two mission topics (mpp, asylum) as a team would write them, plus 48 generated
ones: 24 beats (immigration courts, detention, border wall, ICE raids, DACA, TPS, …), each
in English and in Spanish, an OR of 5 to 15 words and phrases, some with NOT or an
exclude, prefix terms, NEAR and title: scopes. Each topic also carries the keyword lists
a simple bot would have (the words and phrases as written), for the regex baseline.

Articles: news-like text in English and Spanish (about 35%, with accents), built from
whole phrases: a title of 8 to 14 words, a summary of 30 to 80 words and, for about 30%,
a content body of 200 to 600 words. About half are about one of the 24 beats and mention
its words; a few hundred carry the mission's phrases, and a few hundred false friends
(Ontario MPPs, MPPT solar controllers, "lunatic asylum", Brexit "Remain").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SPANISH_SHARE = 0.35
CONTENT_SHARE = 0.30  # articles with a full-text body
BEAT_SHARE = 0.50  # articles about one of the 24 beats
MISSION_SHARE = 0.004  # articles with the mission's phrases (a few hundred in 100k)
FALSE_FRIEND_SHARE = 0.003  # Ontario MPP, MPPT, "lunatic asylum", Brexit "Remain"


@dataclass(frozen=True)
class TopicSpec:
    """A topic's query for the bot, and the keyword lists a simple bot would use instead."""

    id: str
    query: str
    exclude: str | None
    keywords: tuple[str, ...]  # words and phrases as written; "stem*" is a prefix
    exclude_keywords: tuple[str, ...]
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Beat:
    """A news beat: its words in one language and how its topic query is decorated."""

    name: str
    words: tuple[str, ...]  # words and phrases, as a writer would type them
    prefix: tuple[str, ...] = ()  # stems for stem*
    near: tuple[tuple[str, ...], tuple[str, ...], int] | None = None  # (left, right, distance)
    title: tuple[str, ...] = ()  # words only counted in the title
    nots: tuple[str, ...] = ()  # NOT (…) inside the query
    exclude: tuple[str, ...] = ()  # the topic's exclude query
    lang: str | None = None  # lang: filter inside the query
    mentions: tuple[str, ...] = field(default=())  # extra words articles use (not in the query)


# fmt: off
BEATS_EN = (
    Beat("courts", ("immigration court", "immigration courts", "immigration judge",
         "immigration judges", "asylum backlog", "EOIR", "removal proceedings",
         "deportation hearing", "Board of Immigration Appeals", "notice to appear"),
         title=("asylum docket",), mentions=("hearing", "judge", "docket")),
    Beat("detention", ("immigration detention", "detention center", "detention centers",
         "ICE custody", "family detention", "GEO Group", "CoreCivic", "bond hearing"),
         prefix=("detain",), nots=("pretrial detention",), mentions=("facility", "custody")),
    Beat("wall", ("border wall", "border barrier", "steel bollards", "border fence",
         "concertina wire", "floating barrier", "Rio Grande buoys"),
         title=("wall",), exclude=("Wall Street", "paywall", "firewall"),
         mentions=("construction", "contractors", "barrier")),
    Beat("raids", ("ICE raid", "ICE raids", "immigration raid", "worksite enforcement",
         "ICE agents", "ICE arrests", "collateral arrests", "sanctuary city",
         "sanctuary cities", "detainer requests"),
         near=(("ICE",), ("arrested", "arrests", "detained", "raid"), 6),
         exclude=("ice hockey", "ice storm", "black ice"), mentions=("agents", "warrant")),
    Beat("daca", ("DACA", "Dreamers", "Deferred Action for Childhood Arrivals",
         "DACA recipients", "Dream Act"), title=("Dreamers",),
         mentions=("recipients", "work permits")),
    Beat("tps", ("Temporary Protected Status", "TPS holders", "TPS designation", "TPS",
         "Venezuelan TPS", "Haitian TPS", "Salvadoran TPS"), nots=("TPS report", "TPS reports"),
         mentions=("designation", "work permits")),
    Beat("refugees", ("refugee cap", "refugee admissions", "refugee resettlement",
         "resettlement agencies", "USRAP", "refugee ceiling", "refugees admitted"),
         prefix=("resettl",), mentions=("refugees", "ceiling")),
    Beat("shelters", ("Tijuana shelter", "Tijuana shelters", "migrant shelter", "migrant shelters",
         "Casa del Migrante", "Juventud 2000", "Padre Chava"),
         near=(("shelter", "shelters"), ("Tijuana", "Juárez", "Reynosa", "Matamoros"), 5),
         mentions=("beds", "capacity", "volunteers")),
    Beat("darien", ("Darién Gap", "Darien Gap", "Darién jungle", "jungle crossing", "Necoclí",
         "Bajo Chiquito"), near=(("Darién", "Darien"), ("migrants", "crossing", "jungle"), 8),
         mentions=("Panama", "Colombia", "jungle")),
    Beat("remittances", ("remittances", "remittance", "money transfers", "remittance tax",
         "Western Union", "wire transfers"), prefix=("remit",),
         mentions=("dollars", "families back home")),
    Beat("crossings", ("border apprehensions", "border crossings", "Border Patrol",
         "illegal crossings", "southwest border", "gotaways", "encounters at the border"),
         title=("crossings",), mentions=("agents", "sector")),
    Beat("children", ("family separation", "separated families", "zero tolerance",
         "unaccompanied minors", "unaccompanied children", "migrant children",
         "Office of Refugee Resettlement"), exclude=("custody battle", "divorce"),
         mentions=("children", "parents")),
    Beat("caravans", ("migrant caravan", "migrant caravans", "caravan", "caravans", "Tapachula",
         "march north"), nots=("car caravan", "campaign caravan"),
         mentions=("march", "highway")),
    Beat("deportations", ("deportation flights", "mass deportation", "deportations",
         "removal flights", "deported", "deportees"), prefix=("deport",),
         mentions=("flights", "removals")),
    Beat("labor", ("H-2A", "H-2B", "guest workers", "farmworkers", "seasonal workers",
         "labor shortage", "work visas"), near=(("visa", "visas"), ("farm", "workers"), 4),
         mentions=("growers", "harvest")),
    Beat("smuggling", ("human smuggling", "smugglers", "smuggling ring", "stash house",
         "human trafficking", "cartel", "cartels"),
         exclude=("cartel drama", "Netflix"), mentions=("ring", "arrests")),
    Beat("fentanyl", ("fentanyl", "port of entry", "ports of entry", "drug seizures",
         "CBP officers", "secondary inspection"), title=("fentanyl",),
         mentions=("seizure", "pills")),
    Beat("visas", ("green card", "green cards", "visa backlog", "USCIS", "naturalization",
         "citizenship applications", "H-1B"), prefix=("naturaliz",),
         mentions=("applicants", "fees")),
    Beat("inm", ("National Migration Institute", "INM", "Mexican immigration agents",
         "humanitarian visas", "transit visas", "visitor cards"),
         mentions=("Mexico City", "checkpoints")),
    Beat("lonestar", ("Operation Lone Star", "Greg Abbott", "Texas National Guard", "SB4",
         "migrant buses", "busing migrants"), near=(("Abbott",), ("buses", "border", "SB4"), 8),
         mentions=("Austin", "state troopers")),
    Beat("haiti", ("Haitian migrants", "Haitians", "Haitian asylum seekers", "Del Rio bridge",
         "Haiti deportations"), title=("Haiti",), mentions=("Port-au-Prince",)),
    Beat("parole", ("humanitarian parole", "CHNV", "parole program", "Venezuelan migrants",
         "Venezuelans", "Cuban migrants", "Nicaraguan migrants"),
         nots=("parole board", "parole hearing", "prison"), mentions=("sponsors",)),
    Beat("deaths", ("migrant deaths", "drowned", "drowning", "heat stroke", "bodies recovered",
         "river drownings"), exclude=("swimming pool",), mentions=("medical examiner",)),
    Beat("congress", ("border bill", "immigration bill", "immigration reform",
         "border security", "Senate deal", "border funding"),
         near=(("Senate", "House"), ("immigration", "border"), 6),
         mentions=("lawmakers", "vote")),
)

BEATS_ES = (
    Beat("courts", ("tribunal de inmigración", "tribunales de inmigración",
         "juez de inmigración", "jueces de inmigración", "audiencia de deportación",
         "rezago judicial", "corte de inmigración", "procedimientos de deportación"),
         lang="es", mentions=("audiencia", "juez")),
    Beat("detention", ("centro de detención", "centros de detención", "estación migratoria",
         "estaciones migratorias", "detención migratoria", "custodia de ICE"),
         prefix=("detenid",), nots=("prisión preventiva",), mentions=("custodia",)),
    Beat("wall", ("muro fronterizo", "barda fronteriza", "construcción del muro", "boyas",
         "alambre de púas", "valla fronteriza"), title=("muro",),
         exclude=("muro de Berlín",), mentions=("contratistas", "obra")),
    Beat("raids", ("redadas de ICE", "redada migratoria", "redadas migratorias",
         "agentes de ICE", "arrestos de ICE", "ciudad santuario", "ciudades santuario"),
         near=(("ICE",), ("arrestos", "detenidos", "redada", "redadas"), 6),
         mentions=("agentes", "orden judicial")),
    Beat("daca", ("DACA", "dreamers", "soñadores", "Acción Diferida",
         "beneficiarios de DACA"), title=("DACA",), mentions=("beneficiarios",)),
    Beat("tps", ("Estatus de Protección Temporal", "beneficiarios del TPS", "TPS",
         "permisos de trabajo", "TPS para venezolanos"), lang="es",
         mentions=("permiso", "designación")),
    Beat("refugees", ("tope de refugiados", "admisión de refugiados",
         "reasentamiento de refugiados", "refugiados", "agencias de reasentamiento"),
         prefix=("reasent",), mentions=("cupo",)),
    Beat("shelters", ("albergue", "albergues", "Casa del Migrante", "albergues de Tijuana",
         "saturación de albergues", "Juventud 2000"),
         near=(("albergue", "albergues"), ("Tijuana", "Juárez", "Reynosa", "Matamoros"), 5),
         nots=("albergue canino", "perros"), mentions=("camas", "voluntarios")),
    Beat("darien", ("Tapón del Darién", "selva del Darién", "cruce de la selva", "Necoclí",
         "Bajo Chiquito"), near=(("Darién",), ("migrantes", "selva", "cruce"), 8),
         mentions=("Panamá", "Colombia")),
    Beat("remittances", ("remesas", "envío de dinero", "envíos de dinero",
         "impuesto a las remesas", "transferencias de dinero"), prefix=("remes",),
         title=("remesas",), mentions=("dólares", "familias")),
    Beat("crossings", ("cruces fronterizos", "Patrulla Fronteriza", "detenciones en la frontera",
         "cruces irregulares", "encuentros en la frontera"), mentions=("agentes", "sector")),
    Beat("children", ("separación familiar", "familias separadas", "menores no acompañados",
         "niños migrantes", "tolerancia cero"), exclude=("custodia de los hijos", "divorcio"),
         mentions=("niños", "padres")),
    Beat("caravans", ("caravana migrante", "caravana", "caravanas", "Tapachula",
         "caravana de migrantes"), nots=("caravana navideña",), mentions=("carretera",)),
    Beat("deportations", ("deportación", "deportaciones", "deportados", "repatriación",
         "repatriados", "vuelos de deportación"), prefix=("deport",),
         mentions=("vuelos",)),
    Beat("labor", ("trabajadores agrícolas", "jornaleros", "visas de trabajo",
         "trabajadores temporales", "H-2A"), near=(("visa", "visas"), ("trabajo", "campo"), 4),
         mentions=("cosecha",)),
    Beat("smuggling", ("tráfico de personas", "polleros", "coyotes", "cártel", "cárteles",
         "casa de seguridad", "trata de personas"), exclude=("telenovela", "serie de Netflix"),
         mentions=("red",)),
    Beat("fentanyl", ("fentanilo", "garitas", "garita", "decomiso", "aseguramiento de droga"),
         title=("fentanilo",), mentions=("pastillas",)),
    Beat("visas", ("residencia permanente", "tarjeta verde", "naturalización", "ciudadanía",
         "USCIS", "visa de trabajo"), prefix=("naturaliz",), mentions=("solicitantes",)),
    Beat("inm", ("Instituto Nacional de Migración", "INM", "agentes del INM",
         "visas humanitarias", "tarjeta de visitante"), mentions=("retenes",)),
    Beat("lonestar", ("Operación Estrella Solitaria", "Greg Abbott", "Ley SB4",
         "autobuses con migrantes", "Guardia Nacional de Texas"),
         near=(("Abbott",), ("autobuses", "frontera", "SB4"), 8), mentions=("Austin",)),
    Beat("haiti", ("migrantes haitianos", "haitianos", "Haití", "deportaciones a Haití"),
         title=("Haití",), mentions=("Puerto Príncipe",)),
    Beat("parole", ("parole humanitario", "permiso humanitario", "migrantes venezolanos",
         "venezolanos", "migrantes cubanos", "nicaragüenses"), nots=("libertad condicional",),
         mentions=("patrocinadores",)),
    Beat("deaths", ("migrantes muertos", "ahogados", "muerte de migrantes", "golpe de calor",
         "río Bravo", "cuerpos recuperados"), exclude=("alberca",), mentions=("forense",)),
    Beat("congress", ("reforma migratoria", "ley migratoria", "seguridad fronteriza",
         "acuerdo migratorio", "fondos para la frontera"),
         near=(("Senado", "Cámara"), ("migración", "frontera"), 6), mentions=("votación",)),
)

MISSION_TOPICS = (
    TopicSpec(
        id="mpp",
        query=(
            '"remain in mexico" OR "migrant protection protocols" OR "migrant protection '
            'protocol" OR "wait in mexico" OR "waiting in mexico" OR (=MPP NEAR/8 (asylum OR '
            'migrants OR border OR mexico OR asilo OR migrantes)) OR "quédate en méxico" OR '
            '"permanecer en méxico" OR "esperar en méxico" OR "protocolos de protección a '
            'migrantes" OR "protocolos de protección al migrante" OR title:"remain in méxico"'
        ),
        exclude='Ontario OR "provincial parliament" OR "Queen\'s Park" OR MPPT OR Brexit',
        keywords=("remain in mexico", "migrant protection protocols",
                  "migrant protection protocol", "wait in mexico", "waiting in mexico", "MPP",
                  "quédate en méxico", "permanecer en méxico", "esperar en méxico",
                  "protocolos de protección a migrantes", "protocolos de protección al migrante",
                  "remain in méxico"),
        exclude_keywords=("Ontario", "provincial parliament", "Queen's Park", "MPPT", "Brexit"),
    ),
    TopicSpec(
        id="asylum",
        query=(
            '"asylum officer" OR "asylum officers" OR "credible fear" OR "reasonable fear" OR '
            '"asylum ban" OR "asylum seeker" OR "asylum seekers" OR "expedited removal" OR '
            '"CBP One" OR "Title 42" OR "solicitantes de asilo" OR "solicitante de asilo" OR '
            '"solicitudes de asilo" OR "asilo político" OR "miedo creíble" OR '
            '(asylum NEAR/3 (interview OR interviews OR claims OR cases))'
        ),
        exclude=(
            '"lunatic asylum" OR "insane asylum" OR "Arkham Asylum" OR "UK asylum" OR '
            '"asylum in Britain" OR "Home Office" OR "asylum hotels" OR "asilo en España"'
        ),
        keywords=("asylum officer", "asylum officers", "credible fear", "reasonable fear",
                  "asylum ban", "asylum seeker", "asylum seekers", "expedited removal", "CBP One",
                  "Title 42", "solicitantes de asilo", "solicitante de asilo",
                  "solicitudes de asilo", "asilo político", "miedo creíble"),
        exclude_keywords=("lunatic asylum", "insane asylum", "Arkham Asylum", "UK asylum",
                          "asylum in Britain", "Home Office", "asylum hotels", "asilo en España"),
    ),
)

MISSION_PHRASES_EN = (
    "Remain in Mexico", "Migrant Protection Protocols", "asylum officers", "credible fear",
    "CBP One", "Title 42", "asylum seekers", "expedited removal",
)
MISSION_PHRASES_ES = (
    "Quédate en México", "solicitantes de asilo", "Protocolos de Protección a Migrantes",
    "miedo creíble", "CBP One", "Título 42", "asilo político",
)
MPP_SENTENCES = (
    "Under MPP, asylum seekers were sent back to wait in Mexico for their hearings",
    "Lawyers said the MPP program left migrants stranded at the border for months",
    "El programa MPP obligó a miles de solicitantes de asilo a esperar en México",
)
FALSE_FRIENDS_EN = (
    "Ontario MPP {name} asked the provincial parliament about hospital wait times",
    "The Ontario MPP said Queen's Park would vote on the transit bill next week",
    "An MPPT solar charge controller squeezes more power from rooftop panels",
    "The old lunatic asylum on the hill is being turned into luxury flats",
    "Arkham Asylum returns in a new video game trailer",
    "Brexit campaigners who backed Remain said the referendum result still divides towns",
    "Remain voters in Kent said the Brexit deal had raised their costs",
    "The Home Office said asylum hotels in the UK would close by spring",
)
FALSE_FRIENDS_ES = (
    "El antiguo manicomio fue un asilo para enfermos mentales hasta 1970",
    "Un asilo de ancianos en Madrid pidió más personal, según el asilo en España",
    "Partidarios del Remain en el Reino Unido recordaron el referendo del Brexit",
)

EN = {
    "subject": (
        "Border officials", "A federal judge", "Mexican authorities", "The city council",
        "Aid groups", "Lawmakers", "Migrant families", "Shelter operators", "The administration",
        "The governor", "Immigration lawyers", "Volunteers", "Local police", "Health workers",
        "Bus drivers", "Customs agents", "Advocates", "Small businesses", "Teachers",
        "Researchers", "Church leaders", "County officials", "Port directors", "Union members",
        "The mayor", "State senators", "Hospital administrators", "Economists", "Voters",
        "The school board", "Transit officials", "Firefighters", "Retailers", "Investors",
    ),
    "verb": (
        "warn of", "push back on", "prepare for", "respond to", "weigh", "report",
        "challenge", "brace for", "criticize", "defend", "announce", "expand", "scale back",
        "review", "question", "track", "sue over", "plan for", "welcome", "debate",
        "call for", "vote on", "raise concerns about", "release data on", "look into",
    ),
    "object": (
        "new rules", "rising costs", "a surge in arrivals", "the court backlog",
        "a housing shortage", "shelter capacity", "budget cuts", "processing delays",
        "water shortages", "school enrollment", "a heat wave", "trade talks", "night patrols",
        "hospital staffing", "election plans", "port traffic", "bridge closures",
        "visa backlogs", "a new curfew", "power outages", "fuel prices", "rent increases",
        "the state budget", "a bond measure", "teacher pay", "road repairs", "tariffs",
        "a tax increase", "the minimum wage", "crime statistics", "wildfire risk",
        "a stadium deal", "property taxes", "the jobs report", "interest rates",
    ),
    "place": (
        "in Tijuana", "along the Rio Grande", "in El Paso", "near Ciudad Juárez",
        "in San Diego", "across Texas", "in Matamoros", "in Nogales", "in Reynosa",
        "in Laredo", "in Mexicali", "in Arizona", "in Washington", "in Monterrey",
        "in Brownsville", "in Yuma", "in Chula Vista", "in Del Rio", "in Eagle Pass",
        "in Phoenix", "in Los Angeles", "in Houston", "in Albuquerque", "in Sacramento",
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
        "the report found", "it was not immediately clear when the change would take effect",
        "the office did not respond to a request for comment", "supporters said",
    ),
    "beat": (
        "{subject} {verb} {word} {place}", "On {word}, {filler}", "{subject} said {word} {tail}",
        "The debate over {word} {place} continued {tail}",
    ),
    "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

ES = {
    "subject": (
        "Autoridades migratorias", "Un juez federal", "El gobierno estatal",
        "Organizaciones civiles", "Familias migrantes", "Comedores comunitarios", "Legisladores",
        "Empresarios locales", "La Guardia Nacional", "Defensores de derechos humanos",
        "El ayuntamiento", "Médicos voluntarios", "Transportistas", "Maestros", "Investigadores",
        "Vecinos", "La cancillería", "Agentes aduanales", "Sindicatos", "Obispos",
        "El alcalde", "Diputados locales", "Economistas", "Comerciantes", "La fiscalía",
    ),
    "verb": (
        "advierten sobre", "rechazan", "preparan", "responden a", "analizan", "denuncian",
        "celebran", "critican", "amplían", "revisan", "exigen", "anuncian", "reportan",
        "cuestionan", "impugnan", "defienden", "discuten", "investigan", "aprueban",
    ),
    "object": (
        "nuevas reglas", "el aumento de costos", "la llegada de migrantes",
        "retrasos en los trámites", "la falta de vivienda", "recortes al presupuesto",
        "la escasez de agua", "el cierre de puentes", "las lluvias intensas",
        "la ola de calor", "el alza de la gasolina", "apagones", "el rezago en los tribunales",
        "operativos nocturnos", "la saturación de hospitales", "filas en los puentes",
        "el presupuesto estatal", "la inseguridad", "el salario mínimo", "la inflación",
        "las tarifas eléctricas", "la reforma judicial", "el tipo de cambio", "los aranceles",
    ),
    "place": (
        "en Tijuana", "en Ciudad Juárez", "en la frontera norte", "en Matamoros",
        "en Nuevo Laredo", "en Reynosa", "en Mexicali", "en Monterrey", "en Chiapas",
        "en la Ciudad de México", "en Piedras Negras", "en Nogales", "en Sonora", "en Mérida",
        "en Guadalajara", "en Querétaro", "en Oaxaca", "en Veracruz",
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
        "la dependencia no respondió a la solicitud de comentarios",
    ),
    "beat": (
        "{subject} {verb} {word} {place}", "Sobre {word}, {filler}",
        "{subject} dijeron que {word} {tail}",
        "El debate sobre {word} {place} continuó {tail}",
    ),
    "days": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}

FEEDS_EN = (
    "Border Report", "El Paso Times", "San Diego Union-Tribune", "Texas Tribune",
    "Arizona Daily Star", "Houston Chronicle", "Los Angeles Times", "AP News", "Reuters",
    "Google News: asylum", "Politico", "The Hill", "NPR", "KJZZ", "Valley Central",
)
FEEDS_ES = (
    "El Diario de Juárez", "La Jornada", "Milenio", "El Universal", "Zeta Tijuana",
    "El Imparcial", "El Norte", "Proceso", "Animal Político", "Google Noticias: asilo",
    "Telemundo", "Univision Noticias", "El Heraldo de Chihuahua",
)
NAMES = ("Smith", "Tremblay", "Nguyen", "Singh", "MacLeod", "Roy", "Patel", "Wong")
# fmt: on


def _quote(word: str) -> str:
    """A word or phrase as the query language writes it."""
    return f'"{word}"' if " " in word or "-" in word else word


def _or(words: tuple[str, ...] | list[str]) -> str:
    """words as an OR list (in parentheses when more than one)."""
    parts = [_quote(w) for w in words]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def beat_topic(beat: Beat, language: str) -> TopicSpec:
    """A beat's topic: an OR of its words, decorated as the beat says."""
    parts = [_quote(w) for w in beat.words]
    keywords = list(beat.words)
    parts += [f"{stem}*" for stem in beat.prefix]
    keywords += [f"{stem}*" for stem in beat.prefix]
    if beat.near:
        left, right, distance = beat.near  # a simple bot has no NEAR: not in its keywords
        parts.append(f"({_or(left)} NEAR/{distance} {_or(right)})")
    parts += [f"title:{_quote(w)}" for w in beat.title]
    keywords += beat.title
    query = " OR ".join(parts)
    if beat.nots or beat.lang:
        query = f"({query})"
    if beat.lang:
        query += f" lang:{beat.lang}"
    if beat.nots:
        query += f" NOT {_or(beat.nots)}"
    exclude = " OR ".join(_quote(w) for w in beat.exclude) or None
    return TopicSpec(
        id=f"{beat.name}-{language}",
        query=query,
        exclude=exclude,
        keywords=tuple(keywords),
        exclude_keywords=beat.nots + beat.exclude,
    )


def build_topics(count: int = 50) -> list[TopicSpec]:
    """The mission's two topics, then beats alternating English and Spanish, `count` in all."""
    beats = [
        beat_topic(beat, language)
        for pair in zip(BEATS_EN, BEATS_ES, strict=True)
        for beat, language in zip(pair, ("en", "es"), strict=True)
    ]
    return [*MISSION_TOPICS, *beats][:count]


@dataclass(frozen=True)
class Article:
    """One synthetic article, as the pipeline hands it to the matcher."""

    title: str
    summary: str
    content: str
    language: str
    feed: str


NUMBERS = {"count": (2, 900), "count2": (1, 40), "pct": (3, 60)}  # slot → random range


class _Slots(dict):
    """A template's slots, each drawn when the template asks for it."""

    def __init__(self, rng: random.Random, vocab: dict, word: str):
        """Slots from `vocab`; {word} is `word`."""
        super().__init__(word=word)
        self.rng = rng
        self.vocab = vocab

    def __missing__(self, key: str) -> str:
        """A random phrase (or number) for the slot `key`."""
        if key in NUMBERS:
            return str(self.rng.randint(*NUMBERS[key]))
        return self.rng.choice(self.vocab["days" if key == "day" else key])


class ArticleMaker:
    """Seeded article generator (the same seed gives the same articles)."""

    def __init__(self, seed: int):
        """A generator seeded with `seed`."""
        self.rng = random.Random(seed)

    def _fill(self, template: str, vocab: dict, word: str = "") -> str:
        """Fill a template's slots (and the slots of what fills them) with random phrases."""
        slots = _Slots(self.rng, vocab, word)
        while "{" in template:
            template = template.format_map(slots)
        return template

    def _sentence(self, vocab: dict, words: tuple[str, ...], density: float) -> str:
        """A sentence; with probability `density` it mentions one of `words`."""
        rng = self.rng
        if words and rng.random() < density:
            text = self._fill(rng.choice(vocab["beat"]), vocab, rng.choice(words))
        else:
            text = self._fill("{subject} {verb} {object} {place}, {filler}", vocab)
        return text[0].upper() + text[1:] + "."

    def _text(self, low: int, high: int, vocab: dict, words: tuple, density: float, lead=()):
        """Whole sentences, then cut to between `low` and `high` words."""
        target = self.rng.randint(low, high)
        out: list[str] = [f"{s}." for s in lead]
        count = sum(len(s.split()) for s in out)
        while count < target:
            sentence = self._sentence(vocab, words, density)
            out.append(sentence)
            count += sentence.count(" ") + 1
        text = " ".join(out)
        if count > target:
            text = " ".join(text.split(" ")[:target]).rstrip(",:;") + "."
        return text

    def _title(self, vocab: dict, words: tuple[str, ...], focus: str | None) -> str:
        """A headline of 8 to 14 words; starts with `focus` when one is given."""
        rng = self.rng
        target = rng.randint(8, 14)
        if focus is None and words and rng.random() < 0.5:
            focus = rng.choice(words)
        title = ""
        for _ in range(10):  # whole phrases when they fit, else cut to length
            head = self._fill("{subject} {verb} {object} {place}", vocab)
            if len(head.split()) < target:
                head += " " + self._fill("{tail}", vocab)
            if focus:
                head = f"{focus}: {head}"
            title = head
            if 8 <= len(head.split()) <= 14:
                break
        title = " ".join(title.split()[:14])
        if rng.random() < 0.15:  # some outlets write Title Case
            title = " ".join(w[:1].upper() + w[1:] for w in title.split())
        return title

    def article(self) -> Article:
        """The next article."""
        rng = self.rng
        spanish = rng.random() < SPANISH_SHARE
        vocab, beats = (ES, BEATS_ES) if spanish else (EN, BEATS_EN)
        roll = rng.random()
        words: tuple[str, ...] = ()
        lead: tuple[str, ...] = ()
        focus = None
        if roll < MISSION_SHARE:
            phrases = MISSION_PHRASES_ES if spanish else MISSION_PHRASES_EN
            words = phrases
            focus = rng.choice(phrases)
            if rng.random() < 0.3:
                lead = (rng.choice(MPP_SENTENCES),)
        elif roll < MISSION_SHARE + FALSE_FRIEND_SHARE:
            friends = FALSE_FRIENDS_ES if spanish else FALSE_FRIENDS_EN
            lead = (rng.choice(friends).format(name=rng.choice(NAMES)),)
            focus = lead[0].split(",")[0].split()[:6]
            focus = " ".join(focus)
        elif roll < MISSION_SHARE + FALSE_FRIEND_SHARE + BEAT_SHARE:
            beat = rng.choice(beats)
            words = beat.words + beat.mentions + beat.title
        title = self._title(vocab, words, focus)
        summary = self._text(30, 80, vocab, words, 0.35, lead)
        content = ""
        if rng.random() < CONTENT_SHARE:
            content = self._text(200, 600, vocab, words, 0.15)
        feeds = FEEDS_ES if spanish else FEEDS_EN
        return Article(title, summary, content, "es" if spanish else "en", rng.choice(feeds))


def build_articles(count: int, seed: int) -> list[Article]:
    """`count` articles from `seed`."""
    maker = ArticleMaker(seed)
    return [maker.article() for _ in range(count)]
