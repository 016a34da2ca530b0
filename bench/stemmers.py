"""Word forms (`word~`): which library should give a word's forms, measured for the operator.

The operator (bot/match/text.py) folds a word (case, accents), then takes its English and
its Spanish key; two words are forms of one another when either key is equal. This script
puts three libraries behind that same rule and compares them in one run:

- snowballstemmer: Snowball in pure Python, what the project ships (the baseline);
- PyStemmer: the same Snowball algorithms compiled from C;
- simplemma: a lemmatizer (dictionaries shipped inside the package, read from disk).

Speed: the distinct folded words of the dev sets (title, summary and content, tokenized
by the matcher's own build_document), keyed in both languages with no cache at all; then
the matcher's use of it (`Field.stemmed`: the article's words against a topic's word
forms) through the project's cache (an lru_cache of 2**17 pairs around a lock), on an
empty cache and on a warm one. Accuracy: hand-made word-form groups of this domain (every
pair in a group should be matched by the other's `~`), pairs that must not be, and pairs
either way is acceptable (reported, not scored); each with input folded first, as the
project does, and with accents kept (key, then fold), to show what folding costs.

    python bench/stemmers.py [--repeat 5] [--only snowballstemmer,pystemmer] [--show-vocab]

A library that is not installed is named and skipped. Only snowballstemmer is in the
lock files; `pip install pystemmer==3.1.0 simplemma==2.0.0` adds the others.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.match.matcher import build_document  # noqa: E402
from bot.match.text import fold, split_words  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DEFAULT_FILES = (DATA / "relevance-real-dev.jsonl", DATA / "relevance-dev.jsonl")
CACHE_SIZE = 1 << 17  # bot/match/text.py's lru_cache around stems()

Keys = Callable[[str], tuple[str, str]]  # a folded word → its English and Spanish key

# --- What should be one word's forms, in this domain -----------------------------------
# Groups: every pair of a group should be matched by `a~` (the other word's forms). The
# words are written as reporters write them (accents kept); the bench folds them. English
# and Spanish groups are what a stemmer or lemmatizer of that language should join;
# "both" groups are one root written in both languages (the README promises `deport~`
# matches deportados), which only the operator's either-key rule can join.
GROUPS: dict[str, list[tuple[str, ...]]] = {
    "en": [
        ("deport", "deports", "deported", "deporting", "deportation", "deportations"),
        ("hearing", "hearings"),
        ("asylum", "asylums"),
        ("migrant", "migrants"),
        ("immigrant", "immigrants"),
        ("return", "returns", "returned", "returning"),
        ("court", "courts"),
        ("judge", "judges"),
        ("refugee", "refugees"),
        ("seeker", "seekers"),
        ("officer", "officers"),
        ("applicant", "applicants"),
        ("application", "applications"),
        ("wait", "waits", "waited", "waiting"),
        ("await", "awaits", "awaited", "awaiting"),
        ("send", "sends", "sending", "sent"),  # "sent back to Tijuana": irregular
        ("detain", "detains", "detained", "detaining"),
        ("detention", "detentions"),
        ("family", "families"),
        ("child", "children"),  # irregular
        ("woman", "women"),  # irregular
        ("policy", "policies"),
        ("program", "programs"),
        ("protocol", "protocols"),
        ("border", "borders"),
        ("shelter", "shelters", "sheltered"),
        ("camp", "camps"),
        ("case", "cases"),
        ("claim", "claims", "claimed", "claiming"),
        ("remain", "remains", "remained", "remaining"),
        ("expel", "expels", "expelled", "expelling"),
        ("ruling", "rulings"),
        ("appeal", "appeals", "appealed"),
        ("lawyer", "lawyers"),
        ("attorney", "attorneys"),
        ("enforce", "enforces", "enforced", "enforcement"),
        ("cross", "crossed", "crossing", "crossings"),
        ("persecute", "persecuted", "persecution"),
        ("kidnap", "kidnapped", "kidnapping", "kidnappings"),
        ("process", "processed", "processing"),
        ("parole", "paroled", "paroles"),
        ("city", "cities"),
        ("flee", "flees", "fleeing", "fled"),  # fled: irregular
        ("seek", "seeks", "seeking", "sought"),  # sought: irregular
    ],
    "es": [
        ("deportar", "deportado", "deportados", "deportada", "deportadas", "deportan",
         "deportaron", "deportación", "deportaciones"),
        ("audiencia", "audiencias"),
        ("solicitante", "solicitantes"),
        ("asilo", "asilos"),
        ("migrante", "migrantes"),
        ("inmigrante", "inmigrantes"),
        ("migración", "migraciones"),
        ("devolver", "devuelto", "devueltos", "devuelta", "devueltas", "devuelven",
         "devolvieron"),  # the stem's vowel changes (o → ue)
        ("regresar", "regresado", "regresados", "regresan", "regresaron", "regresando"),
        ("esperar", "espera", "esperan", "esperando", "esperaron"),
        ("juez", "jueces", "jueza"),
        ("corte", "cortes"),
        ("tribunal", "tribunales"),
        ("refugiado", "refugiados", "refugiada", "refugiadas"),
        ("solicitud", "solicitudes"),
        ("frontera", "fronteras"),
        ("albergue", "albergues"),
        ("campamento", "campamentos"),
        ("familia", "familias"),
        ("niño", "niños", "niña", "niñas"),
        ("abogado", "abogados", "abogada", "abogadas"),
        ("caso", "casos"),
        ("programa", "programas"),
        ("protocolo", "protocolos"),
        ("permanecer", "permanecen", "permanecieron", "permaneciendo", "permanezcan"),
        ("cruzar", "cruzaron", "cruzando", "cruzó"),
        ("detener", "detenido", "detenidos", "detenida", "detuvo"),  # detuvo: irregular
        ("expulsar", "expulsado", "expulsados", "expulsaron"),
        ("orden", "órdenes"),  # the accent moves
        ("petición", "peticiones"),  # the accent goes
        ("nación", "naciones"),
        ("secuestro", "secuestros", "secuestrado", "secuestrados", "secuestrar"),
        ("ciudad", "ciudades"),
        ("mujer", "mujeres"),
        ("enviar", "enviado", "enviados", "envían"),
        ("obligar", "obligado", "obligados", "obligadas"),
        ("proceso", "procesos"),
        ("huir", "huyen", "huyeron", "huyendo"),  # irregular
        ("perseguir", "perseguido", "perseguidos", "persiguen"),  # e → i
    ],
    "both": [
        ("deport", "deported", "deportation", "deportados", "deportación", "deportaciones"),
        ("migrant", "migrants", "migrante", "migrantes"),
        ("tribunal", "tribunals", "tribunales"),
        ("protocol", "protocols", "protocolo", "protocolos"),
        ("program", "programs", "programa", "programas"),
    ],
}  # fmt: skip

# Pairs that must not be one word's forms here: a topic on deportations must not match
# the sports pages (Spanish "deportes", "deportivo"), a topic on court cases not houses.
MUST_NOT: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("deport", "airport"),
        ("deport", "report"),
        ("deport", "depot"),
        ("deport", "sport"),
        ("hearing", "heart"),
        ("policy", "police"),
        ("court", "courtesy"),
        ("camp", "campaign"),
        ("process", "procession"),  # Porter joins them
        ("general", "generation"),  # "Attorney General"; Porter joins them
        ("university", "universe"),  # Porter joins them
        ("new", "news"),
    ],
    "es": [
        ("deportados", "deportes"),  # sports
        ("deportación", "deportivo"),  # sporting
        ("deportar", "deportista"),  # athlete
        ("corte", "cortés"),  # courteous; folded, it is "cortes" (courts)
        ("caso", "casa"),  # house: "la Casa Blanca" is in 10 of the 205 real items
        ("casos", "casas"),
        ("esperar", "esperanza"),  # hope (and a first name)
        ("refugiado", "refugio"),  # a shelter is not a refugee
        ("cruzar", "cruz"),  # Ted Cruz, Santa Cruz
        ("política", "policía"),  # policy, police
        ("audiencia", "audio"),
        ("juez", "juego"),
    ],
    "both": [
        ("camp", "campo"),  # countryside
        ("case", "casa"),
        ("asylum", "asilo"),  # another word: the operator never promised to translate
        ("sport", "deportes"),
    ],
}

# Either way is acceptable: reported, not scored.
EITHER_WAY: list[tuple[str, str]] = [
    ("hearing", "heard"),
    ("hearing", "hear"),  # a hearing is not hearing something, but "hears" is a form
    ("migrant", "migration"),
    ("migrante", "migración"),
    ("office", "officer"),  # "asylum office" / "asylum officers"
    ("nation", "national"),
    ("secure", "security"),
    ("política", "político"),  # policy / politician
    ("solicitante", "solicitud"),
    ("return", "returnee"),
]

# A topic's word forms, for the matching workload: what an MPP topic would ask for.
TOPIC_TERMS = (
    "deport", "hearing", "return", "await", "asylum", "migrant",
    "audiencia", "solicitante", "devuelto", "esperar", "regresar", "juez",
)  # fmt: skip


# --- The candidates ---------------------------------------------------------------------
@dataclass
class Candidate:
    name: str
    version: str
    keys: Keys  # no cache of any kind
    load_s: float  # import and first use of both languages, in a fresh process
    load_mib: float  # resident memory that adds


def _snowballstemmer() -> Keys:
    # snowballstemmer.stemmer() returns PyStemmer's class when PyStemmer is importable:
    # the pure-Python classes are named here so that the baseline stays pure Python.
    from snowballstemmer.english_stemmer import EnglishStemmer
    from snowballstemmer.spanish_stemmer import SpanishStemmer

    english, spanish = EnglishStemmer(), SpanishStemmer()
    return lambda word: (english.stemWord(word), spanish.stemWord(word))


def _pystemmer() -> Keys:
    import Stemmer

    english, spanish = Stemmer.Stemmer("english", 0), Stemmer.Stemmer("spanish", 0)
    return lambda word: (english.stemWord(word), spanish.stemWord(word))


def _simplemma() -> Keys:
    from simplemma import Lemmatizer

    lemmatizer = Lemmatizer(cache_max_size=0)
    lemma = lemmatizer.lemmatize
    return lambda word: (lemma(word, "en"), lemma(word, "es"))


LIBRARIES: dict[str, tuple[str, Callable[[], Keys]]] = {
    "snowballstemmer": ("snowballstemmer", _snowballstemmer),
    "pystemmer": ("PyStemmer", _pystemmer),
    "simplemma": ("simplemma", _simplemma),
}


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def probe_load(name: str) -> None:
    """In a fresh process: the time and resident memory that importing the library and
    keying a first word in both languages take (simplemma reads its dictionaries then)."""
    before = resident_mib()
    start = time.perf_counter()
    LIBRARIES[name][1]()("deportaciones")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "mib": resident_mib() - before}))


def load(name: str) -> Candidate | None:
    distribution, make = LIBRARIES[name]
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        print(f"{name}: not installed, skipped (pip install {distribution})")
        return None
    probe = subprocess.run(
        [sys.executable, __file__, "--load-probe", name], capture_output=True, text=True
    )
    if probe.returncode != 0:
        print(f"{name}: failed to load, skipped: {probe.stderr.strip().splitlines()[-1:]}")
        return None
    loaded = json.loads(probe.stdout)
    keys = make()
    keys("deportaciones")  # loaded here too, so that no speed run pays for it
    return Candidate(name, version, keys, loaded["seconds"], loaded["mib"])


# --- Workloads --------------------------------------------------------------------------
def read_items(paths: Iterable[Path]) -> list[dict]:
    items = []
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            items.extend(json.loads(line) for line in lines if line.strip())
    return items


def vocabularies(items: list[dict]) -> tuple[list[set[str]], list[str], list[str]]:
    """Each article's fields' folded vocabularies (as the matcher has them), the distinct
    folded words of all, and the distinct words as written (casefolded, accents kept)."""
    fields, folded, written = [], set(), set()
    for item in items:
        doc = build_document(item["title"], item.get("summary") or "", item.get("content") or "")
        for part in (doc.title, doc.body):
            fields.append(part.vocab)
            folded |= part.vocab
        for text in (item["title"], item.get("summary") or "", item.get("content") or ""):
            written.update(w.casefold() for w in split_words(text))
    return fields, sorted(folded), sorted(written)


def project_cache(keys: Keys) -> Keys:
    """The project's cache as bot/match/text.py has it: an lru_cache around a lock."""
    lock = threading.Lock()

    @lru_cache(maxsize=CACHE_SIZE)
    def cached(word: str) -> tuple[str, str]:
        with lock:
            return keys(word)

    return cached


def match_forms(fields: list[set[str]], terms: list[str], keys: Keys) -> int:
    """What Field.stemmed does for each article's fields and each term of a topic: the
    words (of the terms' first letters) with either key equal. Returns the words keyed."""
    keyed = 0
    for vocab in fields:
        for term in terms:
            english, spanish = keys(term)
            firsts = {english[:1], spanish[:1]}
            found = []
            for word in vocab:
                if word[:1] in firsts:
                    keyed += 1
                    other = keys(word)
                    if other[0] == english or other[1] == spanish:
                        found.append(word)
            found.sort()
    return keyed


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def spread(rates: list[float]) -> str:
    return f"{statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f})"


@dataclass
class Speed:
    cold: list[float]  # words/s keyed in both languages, no cache
    first_pass: list[float]  # articles/s, the project's cache empty at the start
    warm: list[float]  # articles/s, the cache holding the whole vocabulary
    lookups: int  # words keyed in one pass of the matching workload
    hit_rate: float  # the cache's hits in the first pass


def measure_speed(
    keys: Keys, vocab: list[str], fields: list[set[str]], terms: list[str], repeat: int
) -> Speed:
    cold = [len(vocab) / s for s in timed(lambda: [keys(w) for w in vocab], repeat)]
    first, warm = [], []
    lookups, hit_rate = 0, 0.0
    for _ in range(repeat):
        cached = project_cache(keys)
        start = time.perf_counter()
        lookups = match_forms(fields, terms, cached)
        first.append(len(fields) / 2 / (time.perf_counter() - start))
        info = cached.cache_info()
        hit_rate = info.hits / (info.hits + info.misses)
        start = time.perf_counter()
        match_forms(fields, terms, cached)
        warm.append(len(fields) / 2 / (time.perf_counter() - start))
    return Speed(cold, first, warm, lookups, hit_rate)


# --- Accuracy ---------------------------------------------------------------------------
def as_written(keys: Keys) -> Keys:
    """Keys of the word with its accents (casefolded), folded afterwards."""
    return lambda word: tuple(fold(k) for k in keys(word.casefold()))  # type: ignore[return-value]


def folded_first(keys: Keys) -> Keys:
    """What the operator does: fold, then key."""
    return lambda word: keys(fold(word))


def joined(keys: Keys, a: str, b: str) -> bool:
    """Whether `a~` matches b under the operator's rule (either key equal)."""
    ka, kb = keys(a), keys(b)
    return ka[0] == kb[0] or ka[1] == kb[1]


def own_language(keys: Keys, language: str, a: str, b: str) -> bool:
    """Whether the group language's key alone joins them (English key for "en")."""
    index = 0 if language == "en" else 1
    return keys(a)[index] == keys(b)[index]


@dataclass
class Accuracy:
    pairs: dict[str, tuple[int, int]]  # language → (pairs joined, pairs)
    own: dict[str, tuple[int, int]]  # the same with the language's own key only
    whole_groups: dict[str, tuple[int, int]]  # groups every pair of which is joined
    false: dict[str, list[tuple[str, str]]]  # must-not pairs joined
    misses: dict[str, list[tuple[str, str]]]  # group pairs not joined
    either: list[tuple[str, str]]  # either-way pairs joined


def measure_accuracy(keys: Keys) -> Accuracy:
    pairs, own, whole, false, misses = {}, {}, {}, {}, {}
    for language, groups in GROUPS.items():
        joined_pairs = own_pairs = total = full = 0
        missed: list[tuple[str, str]] = []
        for group in groups:
            group_ok = True
            for a, b in combinations(group, 2):
                total += 1
                if joined(keys, a, b):
                    joined_pairs += 1
                else:
                    group_ok = False
                    missed.append((a, b))
                if language != "both" and own_language(keys, language, a, b):
                    own_pairs += 1
            full += group_ok
        pairs[language] = (joined_pairs, total)
        own[language] = (own_pairs, total)
        whole[language] = (full, len(groups))
        misses[language] = missed
        false[language] = [(a, b) for a, b in MUST_NOT[language] if joined(keys, a, b)]
    either = [(a, b) for a, b in EITHER_WAY if joined(keys, a, b)]
    return Accuracy(pairs, own, whole, false, misses, either)


def joined_pairs(keys: Keys, words: list[str]) -> set[tuple[str, str]]:
    """The pairs of words that either key joins."""
    classes: dict[tuple[int, str], list[str]] = {}
    for word in words:
        for language, key in enumerate(keys(word)):
            classes.setdefault((language, key), []).append(word)
    return {pair for members in classes.values() for pair in combinations(members, 2)}


def folding_changes(keys: Keys, written: list[str]) -> tuple[list, list]:
    """Over the vocabulary as written (casefolded): the pairs of words joined only when
    folded first, and those joined only when keyed with their accents."""
    folded = joined_pairs(folded_first(keys), written)
    kept = joined_pairs(as_written(keys), written)
    return sorted(folded - kept), sorted(kept - folded)


def index_unsafe(keys: Keys, vocab: list[str]) -> list[str]:
    """Vocabulary words that do not begin with their own key less its last letter (first
    letter for short keys): search's index looks `word~` up by that prefix
    (text.stem_prefixes), so such a word is a form the index would never offer."""
    unsafe = []
    for word in vocab:
        for key in keys(word):
            prefix = key[:-1] if len(key) > 3 else (key or word)[:1]
            if not word.startswith(prefix):
                unsafe.append(word)
                break
    return unsafe


def forms_in_vocab(keys: Keys, vocab: list[str], term: str) -> list[str]:
    return [w for w in vocab if joined(keys, fold(term), w)]


# --- Report -----------------------------------------------------------------------------
def ratio(counts: tuple[int, int]) -> str:
    done, total = counts
    return f"{done}/{total} ({done / total:.2f})" if total else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    parser.add_argument("--repeat", type=int, default=5, help="runs of each speed test")
    parser.add_argument("--only", default=",".join(LIBRARIES), help="libraries, by comma")
    parser.add_argument("--show-vocab", action="store_true", help="forms found per term")
    parser.add_argument("--load-probe", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_probe:
        return probe_load(args.load_probe)
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in LIBRARIES]
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)} (known: {', '.join(LIBRARIES)})")
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")

    candidates = [c for c in (load(name) for name in wanted) if c is not None]
    if not candidates:
        sys.exit("no library to measure")
    items = read_items(args.files)
    fields, vocab, written = vocabularies(items)
    terms = [fold(t) for t in TOPIC_TERMS]
    print(
        f"{len(items)} articles ({', '.join(p.name for p in args.files)}): "
        f"{len(vocab):,} distinct folded words, {sum(map(len, fields)):,} in the fields' "
        f"vocabularies; {len(terms)} word-form terms a topic; {args.repeat} runs each, "
        "median (min–max)\n"
    )

    print("## Speed\n")
    print(
        "| library | version | load s | load MiB | words/s, no cache (EN+ES) "
        "| articles/s, project cache empty | articles/s, cache warm | words keyed a pass "
        "| first-pass hit rate |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for c in candidates:
        speed = measure_speed(c.keys, vocab, fields, terms, args.repeat)
        print(
            f"| {c.name} | {c.version} | {c.load_s:.3f} | {c.load_mib:.1f} "
            f"| {spread(speed.cold)} | {spread(speed.first_pass)} | {spread(speed.warm)} "
            f"| {speed.lookups:,} | {speed.hit_rate:.3f} |"
        )

    print("\n## Accuracy: pairs joined by `a~` (either key), whole groups, false friends\n")
    counts = {lang: (len(GROUPS[lang]), len(MUST_NOT[lang])) for lang in GROUPS}
    print(
        "groups / must-not pairs: "
        + ", ".join(f"{lang} {g}/{m}" for lang, (g, m) in counts.items())
        + f"; either-way pairs: {len(EITHER_WAY)}\n"
    )
    print(
        "| library | input | EN pairs | ES pairs | EN+ES root pairs | EN own key | "
        "ES own key | whole groups EN/ES/both | false EN | false ES | false both "
        "| either-way joined |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    details = []
    for c in candidates:
        for mode, keys in (("folded", folded_first(c.keys)), ("accents kept", as_written(c.keys))):
            acc = measure_accuracy(keys)
            whole = "/".join(f"{acc.whole_groups[x][0]}" for x in ("en", "es", "both"))
            print(
                f"| {c.name} | {mode} | {ratio(acc.pairs['en'])} | {ratio(acc.pairs['es'])} "
                f"| {ratio(acc.pairs['both'])} | {ratio(acc.own['en'])} | {ratio(acc.own['es'])} "
                f"| {whole} | {len(acc.false['en'])} | {len(acc.false['es'])} "
                f"| {len(acc.false['both'])} | {len(acc.either)} |"
            )
            if mode == "folded":
                details.append((c, acc))
    for c, acc in details:
        print(f"\n{c.name}, folded input:")
        for lang in GROUPS:
            if acc.false[lang]:
                shown = ", ".join(f"{a}~ ⇒ {b}" for a, b in acc.false[lang])
                print(f"  false {lang}: {shown}")
        for lang in GROUPS:
            missed = acc.misses[lang]
            if missed:
                shown = ", ".join(f"{a}/{b}" for a, b in missed[:14])
                more = f" … (+{len(missed) - 14})" if len(missed) > 14 else ""
                print(f"  missed {lang} ({len(missed)}): {shown}{more}")
        print(f"  either-way joined: {', '.join(f'{a}/{b}' for a, b in acc.either) or '-'}")

    print("\n## Folding and the index\n")
    print(
        f"Over the {len(written):,} words as written (casefolded; "
        f"{sum(fold(w) != w for w in written):,} with accents): pairs joined only when "
        "folded first (what the operator does), and only when keyed with accents.\n"
    )
    print("| library | joined only folded | joined only with accents | index prefix misses |")
    print("|---|---|---|---|")
    for c in candidates:
        gained, lost = folding_changes(c.keys, written)
        unsafe = index_unsafe(c.keys, vocab)

        def shown(pairs: list[tuple[str, str]]) -> str:
            return f"{len(pairs):,} ({', '.join(f'{a}/{b}' for a, b in pairs[:4])})"

        print(
            f"| {c.name} | {shown(gained)} | {shown(lost)} "
            f"| {len(unsafe):,} of {len(vocab):,} ({', '.join(unsafe[:5])}) |"
        )
    base, words = candidates[0], sorted(set(vocab) | set(written))
    for c in candidates[1:]:
        differ = [w for w in words if c.keys(w) != base.keys(w)]
        print(
            f"\n{c.name} vs {base.name}: other keys for {len(differ):,} of {len(words):,} "
            f"words, folded or as written ({', '.join(differ[:8])})"
        )

    if args.show_vocab:
        print("\n## Forms found in the vocabulary, per topic term\n")
        for term in terms:
            for c in candidates:
                forms = forms_in_vocab(c.keys, vocab, term)
                print(f"{term}~ [{c.name}]: {' '.join(forms)}")


if __name__ == "__main__":
    main()
