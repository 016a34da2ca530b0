"""Poll benchmark: the bot against a naive feedparser loop, over synthetic feeds on loopback.

    .venv/bin/python bench/poll.py [--workload real|declared] [--feeds 2000] [--items 50]
                                   [--hosts 100] [--concurrency 20] [--skip-baseline]
                                   [--rounds 3] [--profile] [--out bench/out]  (or: make bench)

A quick check: --feeds 50 --items 20 --hosts 5 --rounds 1.

A server process generates the feeds (fixed seed) and serves them from 127.0.0.2 ... with
ETag/Last-Modified. The workload (bench/synthfeeds.py) is `real` by default: most feeds
declare no language, some mix English and Spanish items, some carry full text, and the
bot runs with the topics of the shipped feeds.yaml; `declared` is the first benchmark's
(every feed declares its language, no topics: no detection, no matching).
The bot (`python -m bot poll --all --json`) polls them twice with a fresh SQLite database:
first everything is new, then everything is 304 (in --rounds rounds, default 3,
alternating with the baselines; every figure is the median of its rounds). The baselines
poll the same URLs with feedparser.parse(url), one after another, as simple bots do: a
first pass, then a second one that sends back the etag/modified feedparser returned
(conditional GET: all 304). When lemon24/reader is installed, it polls them too
(information, no target). Each run is its own process: wall time, articles/s and peak
RSS (wait4) are measured per run.
Results: a table on stdout and OUT/poll-results.json; logs in OUT/logs/.

Exit status: 0 when every run did what was expected (the targets may still FAIL: they are
reported, not enforced), 1 when a run failed or its counts were wrong (see the WARNING
lines), 2 when the feed server could not start.
"""

from __future__ import annotations

import argparse
import compileall
import io
import json
import os
import platform
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import yaml
from feedserver import FeedServer
from synthfeeds import WORKLOADS

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
SEED = 20_240_605
POLL_WAIT = 0.005  # seconds between checks on a running child
TARGET_FIRST = 3.0  # first poll: bot articles/s ÷ baseline articles/s, at least
TARGET_SECOND = 2.0  # second poll (all 304): the ratio to the conditional-GET loop, at least
TARGET_RSS_MB = 300.0  # the bot's peak RSS, at most
DROPPED_ENV = (
    "http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "BOT_CONFIG", "DATABASE_URL",
)  # fmt: skip


@dataclass
class Run:
    """One measured child process and what it reported."""

    name: str
    wall_s: float
    peak_rss_mb: float
    exit_code: int
    articles: int  # new articles (first poll) or articles checked (second poll)
    inner_s: float | None = None  # the child's own timing of its polling loop
    report: dict = field(default_factory=dict)
    timed_out: bool = False

    @property
    def rate(self) -> float:
        """Articles per second of wall time."""
        return self.articles / self.wall_s if self.wall_s > 0 else 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workload", choices=WORKLOADS, default="real", help="feeds as they come (real)"
    )
    parser.add_argument("--feeds", type=int, default=2000, help="number of feeds (2000)")
    parser.add_argument("--items", type=int, default=50, help="items per feed (50)")
    parser.add_argument("--hosts", type=int, default=100, help="loopback addresses (100)")
    parser.add_argument("--concurrency", type=int, default=20, help="bot max_concurrency (20)")
    parser.add_argument("--skip-baseline", action="store_true", help="measure the bot only")
    parser.add_argument(
        "--reader-python",
        default=sys.executable,
        help="a Python with lemon24/reader installed (default: this one, if it has it)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="bot/baseline rounds; figures are medians"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile a first and a second poll"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (1800)")
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="results and logs")
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= 250:
        parser.error("--hosts must be between 1 and 250 (127.0.0.2 ... 127.0.0.251)")
    if not 1 <= args.concurrency <= 500:
        parser.error("--concurrency must be between 1 and 500 (the bot's own limit)")
    if args.feeds < 1 or args.items < 1:
        parser.error("--feeds and --items must be positive")
    return args


def machine_info() -> dict:
    """The machine and the versions that matter for the figures."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("feedparser", "httpx", "SQLAlchemy", "pydantic"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": versions,
    }


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child: no proxies, no bot token, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def run_measured(
    cmd: list[str], env: dict, stdout: Path, log: Path, timeout: float
) -> tuple[int, float, float, bool]:
    """Run cmd (cwd: the repo) to the end; its exit code, wall s, peak RSS MB, timed out."""
    with stdout.open("wb") as out, log.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err)
        deadline = started + timeout
        timed_out = False
        while True:  # ends: the child exits, or is killed at the deadline
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.kill(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(POLL_WAIT)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_maxrss / 1024, timed_out  # ru_maxrss: KiB on Linux


def last_json_line(path: Path) -> dict:
    """The JSON object on the last non-empty line of a file ({} when there is none)."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def shipped_topics() -> list[dict]:
    """The topics of the repository's feeds.yaml, as a team starts with them."""
    return yaml.safe_load((REPO / "feeds.yaml").read_text(encoding="utf-8"))["topics"]


def write_config(path: Path, urls: list[str], concurrency: int, topics: list[dict]) -> None:
    """A feeds.yaml that lists every benchmark feed, and `topics`."""
    config = {
        "settings": {
            "poll_interval": "15m",
            "max_concurrency": concurrency,
            "per_host_concurrency": 2,
        },
        "feeds": [{"name": f"bench-{i:04d}", "url": url} for i, url in enumerate(urls)],
    }
    if topics:
        config["topics"] = topics
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def bot_poll(name: str, tmp: Path, logs: Path, env: dict, checked: int, timeout: float) -> Run:
    """One `python -m bot poll --all --json`; articles: new ones, or `checked` when given."""
    stdout = tmp / f"{name}.json"
    cmd = [sys.executable, "-m", "bot", "poll", "--all", "--json"]
    code, wall, rss, timed_out = run_measured(cmd, env, stdout, logs / f"{name}.log", timeout)
    report = last_json_line(stdout)
    articles = checked or int(report.get("new", 0))
    return Run(name, wall, rss, code, articles, report.get("seconds"), report, timed_out)


def has_reader(python: str) -> bool:
    """Whether `python` can import lemon24/reader."""
    done = subprocess.run([python, "-c", "import reader"], capture_output=True, check=False)
    return done.returncode == 0


def reader_pass(name: str, tmp: Path, logs: Path, python: str, checked: int, timeout: float) -> Run:
    """One run of reader_bot.py on the round's reader database."""
    stdout = tmp / f"{name}.json"
    cmd = [python, str(BENCH / "reader_bot.py"), str(tmp / "urls.txt"), str(tmp / "reader.db")]
    code, wall, rss, timed_out = run_measured(
        cmd, child_env(), stdout, logs / f"{name}.log", timeout
    )
    report = last_json_line(stdout)
    articles = checked or int(report.get("entries", 0))
    return Run(name, wall, rss, code, articles, report.get("seconds"), report, timed_out)


def baseline_pass(
    name: str, tmp: Path, logs: Path, checked: int, timeout: float, conditional: bool
) -> Run:
    """One pass of the naive bot; articles: entries parsed, or `checked` when given."""
    stdout = tmp / f"{name}.json"
    cmd = [sys.executable, str(BENCH / "naive_bot.py"), str(tmp / "urls.txt")]
    cmd += [str(tmp / "validators.json"), *(["--conditional"] if conditional else [])]
    env = child_env()
    code, wall, rss, timed_out = run_measured(cmd, env, stdout, logs / f"{name}.log", timeout)
    report = last_json_line(stdout)
    articles = checked or int(report.get("entries", 0))
    return Run(name, wall, rss, code, articles, report.get("seconds"), report, timed_out)


def check(run: Run, expected: dict[str, int]) -> list[str]:
    """WARNING lines for a run that failed or whose counts differ from `expected`."""
    problems = []
    if run.timed_out:
        problems.append("timed out and was killed")
    if run.exit_code != 0:
        problems.append(f"exit code {run.exit_code}")
    if not run.report:
        problems.append("printed no JSON summary")
    for key, want in expected.items():
        got = run.report.get(key)
        if run.report and got != want:
            problems.append(f"{key}={got}, expected {want}")
    errors = run.report.get("errors") or {}
    for feed, error in list(errors.items())[:3]:
        problems.append(f"e.g. {feed}: {error}")
    return [f"WARNING: {run.name}: {p}" for p in problems]


def verdict(value: float | None, target: float, at_least: bool) -> str:
    """PASS, FAIL or n/a."""
    if value is None:
        return "n/a"
    ok = value >= target if at_least else value <= target
    return "PASS" if ok else "FAIL"


def ratios(runs: dict[str, Run]) -> dict:
    """Bot ÷ baseline throughput for both polls, and the bot's peak RSS, with verdicts."""

    def ratio(bot: str, base: str) -> float | None:
        if bot not in runs or base not in runs or runs[base].rate == 0:
            return None
        return runs[bot].rate / runs[base].rate

    first = ratio("bot-first", "baseline-first")
    second = ratio("bot-second", "baseline-conditional")
    rss = max(runs[n].peak_rss_mb for n in ("bot-first", "bot-second"))
    return {
        "first_poll_throughput_ratio": first,
        "first_poll_verdict": verdict(first, TARGET_FIRST, at_least=True),
        "second_poll_throughput_ratio": second,
        "second_poll_verdict": verdict(second, TARGET_SECOND, at_least=True),
        "bot_peak_rss_mb": rss,
        "rss_verdict": verdict(rss, TARGET_RSS_MB, at_least=False),
    }


def print_report(machine: dict, params: dict, server: dict, runs: dict, summary: dict) -> None:
    """The table and the verdicts."""
    print()
    print(f"machine: nproc {machine['nproc']} ({machine['usable_cpus']} usable), {machine['cpu']}")
    print(f"python {machine['python']} on {machine['platform']}; {machine['packages']}")
    print("params: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    print(
        f"server: {server.get('feed_bytes', 0) / 1e6:.1f} MB of feeds, "
        f"{server.get('undeclared_feeds')} feeds without a language, "
        f"{server.get('spanish_items')} Spanish items, {server.get('topic_items')} topic items, "
        f"generated in {server.get('generate_seconds')}s; served {server.get('requests', {})}"
    )
    print()
    header = f"{'run':<22} {'wall s':>8} {'articles/s':>11} {'peak RSS MB':>12} {'loop s':>8}"
    print(header)
    print("-" * len(header))
    labels = {
        "bot-first": "bot first poll",
        "baseline-first": "baseline first pass",
        "bot-second": "bot second poll",
        "baseline-conditional": "baseline 2nd, cond. GET",
        "reader-first": "(reader first update)",
        "reader-second": "(reader second update)",
    }
    for key, label in labels.items():
        if key in runs:
            run = runs[key]
            inner = f"{run.inner_s:8.2f}" if run.inner_s is not None else f"{'—':>8}"
            print(f"{label:<22} {run.wall_s:8.2f} {run.rate:11.0f} {run.peak_rss_mb:12.1f} {inner}")
    print("(articles/s: new articles ÷ wall on the first poll, feeds×items checked ÷ wall on")
    print(" the second; loop s: the run's own timing of its polling loop, without start-up)")
    print()

    def show(value: float | None, unit: str) -> str:
        return "n/a" if value is None else f"{value:.2f}{unit}"

    first, second = summary["first_poll_throughput_ratio"], summary["second_poll_throughput_ratio"]
    rows = [
        ("first-poll throughput bot/baseline", show(first, "x"), f">= {TARGET_FIRST:g}x",
         summary["first_poll_verdict"]),
        ("second-poll throughput bot/cond. GET", show(second, "x"), f">= {TARGET_SECOND:g}x",
         summary["second_poll_verdict"]),
        ("bot peak RSS", show(summary["bot_peak_rss_mb"], " MB"), f"<= {TARGET_RSS_MB:g} MB",
         summary["rss_verdict"]),
    ]  # fmt: skip
    for label, value, target, result in rows:
        print(f"{label:<38} {value:>10}   target {target:<10} {result}")


def profile_poll(which: str, tmp: Path, out: Path, logs: Path, env: dict, timeout: float) -> str:
    """A poll under the profiler (own database: `first` makes it, `second` reuses it).

    Returns the top 15 functions by cumulative time; the full stats go to OUT.
    """
    env = {**env, "DATABASE_URL": f"sqlite:///{tmp / 'profile.db'}"}
    prof = out / f"bot-{which}-poll.prof"
    cmd = [sys.executable, str(BENCH / "profile_poll.py"), str(prof), "poll", "--all", "--json"]
    stdout, log = tmp / f"profile-{which}.json", logs / f"profile-{which}.log"
    code, wall, _, _ = run_measured(cmd, env, stdout, log, timeout)
    if code != 0 or not prof.exists():
        return f"the profiled {which} poll failed (exit code {code}); see {log}"
    text = io.StringIO()
    pstats.Stats(str(prof), stream=text).sort_stats("cumulative").print_stats(15)
    report = f"profiled {which} poll: {wall:.1f}s wall under the profiler; CPU seconds below\n"
    report += text.getvalue().strip()
    (out / f"bot-{which}-poll-profile.txt").write_text(report + "\n")
    return report


def run_all(args: argparse.Namespace, server: FeedServer, tmp: Path, logs: Path) -> dict:
    """The measured runs, in order; a dict of Run by name."""
    n, m = args.feeds, args.items
    urls = [server.url(i) for i in range(n)]
    (tmp / "urls.txt").write_text("\n".join(urls) + "\n")
    topics = shipped_topics() if args.workload == "real" else []
    write_config(tmp / "feeds.yaml", urls, args.concurrency, topics)
    with_reader = not args.skip_baseline and has_reader(args.reader_python)
    print("lemon24/reader: " + ("measured" if with_reader else "not installed, left out"))
    env = child_env(
        BOT_CONFIG=str(tmp / "feeds.yaml"),
        DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        LOG_LEVEL="INFO",
    )
    # Rounds alternate the bot and the baseline, and each figure is the median of its
    # rounds: this machine's speed drifts by tens of percent from one minute to the next.
    measured: dict[str, list[Run]] = {}
    for round_ in range(1, args.rounds + 1):
        for leftover in [*tmp.glob("bench.db*"), *tmp.glob("reader.db*")]:
            leftover.unlink()  # every round's first poll starts from an empty database
        steps = [("bot-first", 0, False), ("bot-second", n * m, True)]
        if not args.skip_baseline:
            steps += [("baseline-first", 0, False), ("baseline-conditional", n * m, True)]
        if with_reader and round_ == args.rounds:  # slow, and information only: once
            steps += [("reader-first", 0, False), ("reader-second", n * m, True)]
        for name, checked, conditional in steps:
            print(f"round {round_}: running {name} ...", flush=True)
            if name.startswith("bot"):
                run = bot_poll(name, tmp, logs, env, checked, args.timeout)
            elif name.startswith("reader"):
                run = reader_pass(name, tmp, logs, args.reader_python, checked, args.timeout)
            else:
                run = baseline_pass(name, tmp, logs, checked, args.timeout, conditional)
            measured.setdefault(name, []).append(run)
            print(f"  {run.wall_s:.2f}s, {run.rate:.0f} articles/s, {run.peak_rss_mb:.1f} MB peak")
    runs = {name: sorted(rs, key=lambda r: r.wall_s)[len(rs) // 2] for name, rs in measured.items()}
    if args.profile:
        for which in ("first", "second"):
            print(f"profiling a {which} poll (not part of the figures) ...", flush=True)
            print(profile_poll(which, tmp, args.out, logs, env, args.timeout))
    return runs


def expectations(n: int, m: int) -> dict[str, dict[str, int]]:
    """What each run must report."""
    return {
        "bot-first": {"feeds": n, "ok": n, "new": n * m, "failed": 0},
        "bot-second": {"feeds": n, "not_modified": n, "new": 0, "failed": 0},
        "baseline-first": {"feeds": n, "ok": n, "entries": n * m, "failed": 0},
        "baseline-conditional": {"feeds": n, "not_modified": n, "failed": 0},
        "reader-first": {"feeds": n, "ok": n, "entries": n * m, "failed": 0},
        "reader-second": {"feeds": n, "not_modified": n, "failed": 0},
    }


def main(argv: list[str] | None = None) -> int:
    """Start the server, run the bot and the baseline, report."""
    args = parse_args(argv)
    args.out = args.out.resolve()
    logs = args.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    # The bot runs from this source tree; an installed package (pip, the Dockerfile) has
    # its bytecode made at install time, like the baseline's feedparser. Where
    # PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile the bot on every run.
    compileall.compile_dir(REPO / "bot", quiet=1)
    params = {
        "workload": args.workload,
        "feeds": args.feeds,
        "items": args.items,
        "hosts": args.hosts,
        "concurrency": args.concurrency,
        "per_host_concurrency": 2,
        "seed": SEED,
        "baseline": not args.skip_baseline,
    }
    print(f"generating {args.feeds} feeds × {args.items} items on {args.hosts} addresses ...")
    lifetime = 5 * args.timeout + 600  # the server stops by itself at the latest then
    server = FeedServer(
        args.feeds, args.items, args.hosts, SEED, args.out / "sample-feed.xml", lifetime,
        args.workload,
    )  # fmt: skip
    try:
        server_info = server.start()
    except RuntimeError as exc:
        server.stop()
        print(f"error: {exc}", file=sys.stderr)
        print("(Linux routes all of 127.0.0.0/8 to lo; elsewhere fewer --hosts may help)")
        return 2
    print(f"serving on 127.0.0.2-{args.hosts + 1}, port {server_info['port']}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
            runs = run_all(args, server, Path(tmp), logs)
    finally:
        server_info["requests"] = server.stop()
    warnings = []
    for name, expected in expectations(args.feeds, args.items).items():
        if name in runs:
            warnings += check(runs[name], expected)
    summary = ratios(runs)
    print_report(machine, params, server_info, runs, summary)
    for line in warnings:
        print(line)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "params": params,
        "server": server_info,
        "targets": {"first": TARGET_FIRST, "second": TARGET_SECOND, "rss_mb": TARGET_RSS_MB},
        "runs": {name: {**asdict(run), "articles_per_s": run.rate} for name, run in runs.items()},
        "summary": summary,
        "warnings": warnings,
    }
    path = args.out / "poll-results.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nresults: {path}")
    return 1 if warnings else 0


if __name__ == "__main__":
    sys.exit(main())
