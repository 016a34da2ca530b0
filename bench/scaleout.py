"""Scale-out benchmark: one poll cycle over many feeds by 1, 2 and 4 worker processes on
PostgreSQL, beside one `poll` on SQLite, in the same run, against the same feed server.

    .venv/bin/python bench/scaleout.py [--feeds 10000] [--items 10] [--hosts 100]
                                       [--workers 1,2,4] [--skip-sqlite]

The feed server (bench/feedserver.py, its own process) serves synthetic feeds from
127.0.0.2 … (100 loopback hosts) and counts every request by feed and run: each run's
feeds carry `?run=NAME`, so the server's own count says how often each feed was fetched
in that run (the target: exactly once). Each run starts from an empty database:

- `sqlite`: `python -m bot poll` on an SQLite file (the single-machine mode; its big cycles
  use worker processes of its own, `settings.poll_workers`).
- `pg-N`: N `python -m bot run --role worker` processes on a fresh PostgreSQL database
  (127.0.0.1:5432, user postgres), timed from their start to the moment every feed has
  been polled (read off the feeds table), then stopped with SIGTERM.

The shipped feeds.yaml topics are on (matching runs as in real use). Prints cycle time,
articles stored per second, the speed-up over one worker, and the requests per feed.
What it leaves out: TLS, slow or failing hosts, feeds that repeat other feeds' stories,
Telegram (no token: alerts and digests go to the console) and more than one machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from feedserver import FeedServer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.store import Store  # noqa: E402

SEED = 20_261_207
SERVER = "postgresql://postgres@127.0.0.1:5432"


def child_env(database_url: str, config: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "BOT_", "DATABASE_")) and "proxy" not in k.lower()
    }
    return {**env, "PYTHONPATH": str(REPO), "DATABASE_URL": database_url,
            "BOT_CONFIG": str(config), "PYTHONUNBUFFERED": "1"}  # fmt: skip


def write_config(path: Path, urls: list[str], concurrency: int) -> None:
    shipped = yaml.safe_load((REPO / "feeds.yaml").read_text(encoding="utf-8"))
    config = {
        "settings": {
            "poll_interval": "1h",
            "max_concurrency": concurrency,
            "per_host_concurrency": 2,
            "timezone": "UTC",
        },
        "topics": shipped["topics"],
        "feeds": [{"name": f"bench-{i:05d}", "url": url} for i, url in enumerate(urls)],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), "utf-8")


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def counts(database_url: str) -> tuple[int, int]:
    """(feeds polled, articles stored)."""
    store = Store.open(database_url)
    try:
        with store.engine.connect() as conn:
            polled = conn.exec_driver_sql(
                "SELECT count(*) FROM feeds WHERE last_polled_at IS NOT NULL"
            ).scalar()
            stored = conn.exec_driver_sql("SELECT count(*) FROM articles").scalar()
        return polled, stored
    finally:
        store.close()


def run_sqlite(tmp: Path, urls: list[str], args) -> dict:
    config = tmp / "sqlite.yaml"
    write_config(config, urls, args.concurrency)
    url = f"sqlite:///{tmp / 'bench.db'}"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "poll", "--json"], cwd=tmp,
                   env=child_env(url, config), check=True, capture_output=True)  # fmt: skip
    seconds = time.perf_counter() - started
    polled, stored = counts(url)
    return {"seconds": seconds, "polled": polled, "stored": stored}


def run_postgresql(tmp: Path, urls: list[str], workers: int, args) -> dict:
    name = f"mpp_bench_scaleout_{os.getpid()}_{workers}"
    admin(f"DROP DATABASE IF EXISTS {name}")
    admin(f"CREATE DATABASE {name}")
    url = f"{SERVER}/{name}"
    config = tmp / f"pg-{workers}.yaml"
    write_config(config, urls, args.concurrency)
    Store.open(url).close()  # the schema, before the clock starts (as a running install has)
    env = child_env(url, config)
    logs = [open(tmp / f"pg-{workers}-{i}.log", "w") for i in range(workers)]  # noqa: SIM115
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--role", "worker"],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        while True:
            polled, stored = counts(url)
            if polled >= len(urls) or any(p.poll() is not None for p in processes):
                break
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"pg-{workers}: not done in {args.timeout:.0f}s")
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
        if not os.environ.get("SCALEOUT_KEEP"):
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return {"seconds": seconds, "polled": polled, "stored": stored}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=20, help="per process")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    plan = ([] if args.skip_sqlite else ["sqlite"]) + [
        f"pg-{n}" for n in map(int, args.workers.split(","))
    ]
    with tempfile.TemporaryDirectory(prefix="scaleout-") as folder:
        tmp = Path(folder)
        server = FeedServer(args.feeds, args.items, args.hosts, SEED, tmp / "sample.xml", 7200)
        info = server.start()
        print(f"{os.cpu_count()} cores; {args.feeds} feeds x {args.items} items over "
              f"{args.hosts} hosts ({info['feed_bytes'] / 1e6:.0f} MB, generated in "
              f"{info['generate_seconds']}s)", flush=True)  # fmt: skip
        results = {}
        try:
            for run in plan:
                urls = [f"{server.url(i)}?run={run}" for i in range(args.feeds)]
                if run == "sqlite":
                    results[run] = run_sqlite(tmp, urls, args)
                else:
                    results[run] = run_postgresql(tmp, urls, int(run.split("-")[1]), args)
                print(f"  {run}: {results[run]['seconds']:.1f}s", flush=True)
        finally:
            stats = server.stop()
    per_run: dict[str, Counter] = {run: Counter() for run in plan}
    for key, value in stats.items():
        if key.startswith("GET ") and "?run=" in key:
            per_run[key.rsplit("?run=", 1)[1]][key] = value
    one = results.get("pg-1", {}).get("seconds")
    print(f"\n{'run':8} {'cycle s':>8} {'articles/s':>11} {'vs pg-1':>8} "
          f"{'feeds':>7} {'req/feed min-max':>17} {'stored':>8}")  # fmt: skip
    for run in plan:
        r, got = results[run], per_run[run]
        fetched = list(got.values()) + [0] * (args.feeds - len(got))
        scaling = f"{one / r['seconds']:.2f}x" if one and run.startswith("pg") else ""
        print(f"{run:8} {r['seconds']:8.1f} {r['stored'] / r['seconds']:11,.0f} {scaling:>8} "
              f"{r['polled']:7} {min(fetched):>8}-{max(fetched):<8} {r['stored']:8}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
