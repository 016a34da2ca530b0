"""The database's file or disk at fault, run as a user meets it: `python -m bot …` in a
subprocess. A damaged file, a folder for a path, a read-only folder, a full disk: one
line that says what, where and what to do, exit 1, no traceback, and nothing lost."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import rss

REPO = Path(__file__).resolve().parent.parent
ITEMS = [
    {"title": f"Asylum officers brief {n}", "link": f"https://n.example/{n}", "guid": f"{n}"}
    for n in range(5)
]


def bot(folder: Path, *args: str, database: Path | None = None, **kw):
    """`python -m bot ARGS` with feeds.yaml from folder and the database there (or at
    database)."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "DATABASE"))
    }
    environ |= {"BOT_CONFIG": str(folder / "feeds.yaml"), "PYTHONPATH": str(REPO),
                "DATABASE_URL": f"sqlite:///{database or folder / 'db' / 'bot.db'}"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=folder, env=environ, capture_output=True,
        text=True, timeout=60, **kw,
    )  # fmt: skip


def one_clear_line(result) -> str:
    """The failure's one line (exit 1, nothing else on stderr, no traceback)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: store: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def template(tmp_path_factory, make_httpserver):
    """An archive of five articles after one poll cycle, in folder/db/bot.db."""
    folder = tmp_path_factory.mktemp("archive")
    make_httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="text/xml")
    url = make_httpserver.url_for("/feed")
    (folder / "feeds.yaml").write_text(f"settings: {{poll_interval: 1h}}\nfeeds:\n"
                                       f"  - {{name: Ok, url: {json.dumps(url)}}}\n")  # fmt: skip
    polled = bot(folder, "poll", "--all", "--json")
    make_httpserver.clear()
    assert json.loads(polled.stdout)["new"] == 5, polled.stderr
    return folder


@pytest.fixture
def archive(template, tmp_path) -> Path:
    """A copy of the template archive for one test: its folder (db/ holds the files)."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    return tmp_path


def articles(folder: Path) -> int:
    result = bot(folder, "stats", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["articles"]


def damage(database: Path, how: str) -> None:
    for log in database.parent.glob("bot.db-*"):
        log.unlink()  # the poll ended cleanly: its log is in the file already
    data = database.read_bytes()
    if how == "truncated":
        database.write_bytes(data[:3000])
    elif how == "overwritten":
        database.write_bytes(os.urandom(len(data)))
    else:  # one table's page: the header and the schema still read
        with sqlite3.connect(database) as conn:
            (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'articles'")
            (page_size,) = conn.execute("PRAGMA page_size")
        conn.close()
        start = (root[0] - 1) * page_size[0]
        database.write_bytes(data[:start] + b"\xa5" * page_size[0] + data[start + page_size[0] :])


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncated", "overwritten", "a damaged page"])
def test_a_damaged_database_is_named_with_what_to_do_and_left_as_it_is(archive, how):
    database = archive / "db" / "bot.db"
    damage(database, how)
    before = database.read_bytes()
    commands = [["stats"], ["search", "asylum"], ["reindex", "--check"]]
    if how != "a damaged page":  # the feeds table still reads: poll's own errors differ
        commands += [["poll"], ["health"]]
    for command in commands:
        result = bot(archive, *command)
        line = one_clear_line(result)
        assert f"the database file {database} is damaged" in line, command
        assert "restore it from a backup" in line
        assert "index" not in result.stdout + line  # reindex --check blames the file
    assert database.read_bytes() == before  # nothing written over what is left


def test_a_folder_as_the_database_path_is_one_line(archive):
    folder = archive / "db"
    for command in (["stats"], ["poll"]):
        line = one_clear_line(bot(archive, *command, database=folder))
        assert f"points at {folder}, a folder, not a database file" in line
        assert f"sqlite:///{folder}/bot.db" in line  # what to write instead


@contextmanager
def read_only(folder: Path):
    """The folder made read-only for this user: for root (who ignores permissions) a
    read-only bind mount over it, for anyone else permissions."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.iterdir()]}
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if subprocess.run(["mount", "--bind", folder, folder], capture_output=True).returncode:
        if os.environ.get("CI"):
            pytest.fail("root without mount: cannot make a folder read-only for the test")
        pytest.skip("running as root without mount: cannot make a folder read-only")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True)
        assert not os.access(folder, os.W_OK)
        yield
    finally:
        subprocess.run(["umount", folder], check=True)


@pytest.mark.slow
def test_read_only_commands_work_on_a_read_only_database(archive):
    database = archive / "db" / "bot.db"
    assert not list(database.parent.glob("bot.db-*"))  # closed cleanly: no log beside it
    (database.parent / "bot.db.migrate-lock").unlink()  # nothing may need it to read
    before = database.read_bytes()
    with read_only(database.parent):
        stats = bot(archive, "stats", "--json")
        assert stats.returncode == 0 and json.loads(stats.stdout)["articles"] == 5, stats.stderr
        search = bot(archive, "search", "asylum", "--json")
        assert search.returncode == 0 and json.loads(search.stdout)["total"] == 5, search.stderr
        health = bot(archive, "health")
        assert health.returncode == 0 and health.stdout.startswith("ok:"), health.stderr
        listed = bot(archive, "feeds")
        assert listed.returncode == 0 and "Ok" in listed.stdout
        for command, says in [
            (["reindex", "--check"], "checking the index needs write access to"),
            (["poll", "--all"], f"cannot open the lock file {database}.poll-lock"),
        ]:
            line = one_clear_line(bot(archive, *command))
            assert says in line and str(database) in line, line
            assert "permissions" in line or "may write" in line, line
    assert database.read_bytes() == before


@pytest.mark.slow
def test_a_read_only_database_with_its_log_beside_it_reads_the_log_too(archive):
    """Left by a writer that was killed (or is still running as someone else): the
    newest changes are in bot.db-wal; a reader must see them, not only the file."""
    database = archive / "db" / "bot.db"
    snapshot = archive / "snapshot"
    snapshot.mkdir()
    writer = sqlite3.connect(database)
    writer.execute("PRAGMA wal_autocheckpoint = 0")  # the change stays in the log
    writer.execute("DELETE FROM articles WHERE id = (SELECT max(id) FROM articles)")
    writer.commit()
    for name in ("bot.db", "bot.db-wal", "bot.db-shm"):  # as a crash would leave them
        shutil.copy(database.parent / name, snapshot / name)
    writer.close()
    with read_only(snapshot):
        stats = bot(archive, "stats", "--json", database=snapshot / "bot.db")
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout)["articles"] == 4


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write, not a dead process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@contextmanager
def small_disk(folder: Path, free: int):
    """folder on a disk with about `free` bytes left: a tmpfs that much bigger than its
    files where one can be mounted (root), else a limit on file size for the commands.
    Yields what to pass to subprocess.run; what the commands leave stays in folder."""
    size = sum(path.stat().st_size for path in folder.iterdir())
    aside = folder.with_name(folder.name + "-aside")
    folder.rename(aside)
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size + free}", "tmpfs", folder]
    if subprocess.run(mount, capture_output=True).returncode:
        folder.rmdir()
        aside.rename(folder)
        yield {"preexec_fn": _file_size_limit(size + free)}
        return
    try:
        for path in aside.iterdir():
            shutil.copy(path, folder / path.name)
        yield {}
        for path in folder.iterdir():
            shutil.copy(path, aside / path.name)
    finally:
        subprocess.run(["umount", folder], check=True)
        folder.rmdir()
        aside.rename(folder)


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_loses_nothing(archive):
    feeds = archive / "feeds.yaml"
    declared = feeds.read_text()
    many = "".join(f"  - {{name: more-{n}, url: 'https://more{n}.example/feed'}}\n"
                   for n in range(3000))  # fmt: skip
    feeds.write_text(declared + many)  # 3,000 new feeds to store: more than the disk holds
    database = archive / "db" / "bot.db"
    with small_disk(database.parent, free=96 * 1024) as limit:
        for command in (["stats"], ["health"]):
            line = one_clear_line(bot(archive, *command, **limit))
            assert str(database) in line and "free" in line and "space" in line, line
    feeds.write_text(declared)
    assert articles(archive) == 5  # what was stored before is all there
    check = bot(archive, "reindex", "--check")
    assert check.returncode == 0 and check.stdout.strip() == "index: ok", check.stdout


@pytest.mark.slow
def test_a_poll_onto_a_full_disk_stops_with_one_line_and_keeps_what_was_stored(archive, httpserver):
    """The disk fills while articles are stored: the cycle stops (no other feed would
    store either) instead of logging a traceback per feed and exiting 0."""
    body = "Asylum seekers wait in Matamoros for their hearings. " * 60
    big = [
        {"title": f"Story {n}", "link": f"https://big.example/{n}", "guid": f"b{n}",
         "description": body}
        for n in range(400)
    ]  # fmt: skip
    feeds = archive / "feeds.yaml"
    for n in range(4):
        httpserver.expect_request(f"/big{n}").respond_with_data(rss(big), content_type="text/xml")
        feeds.write_text(
            feeds.read_text()
            + f"  - {{name: Big{n}, url: {json.dumps(httpserver.url_for(f'/big{n}'))}}}\n"
        )
    database = archive / "db" / "bot.db"
    with small_disk(database.parent, free=256 * 1024) as limit:
        result = bot(archive, "poll", "--all", **limit)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    # The template's own feed is gone from its server: its one warning line comes first.
    line = result.stderr.splitlines()[-1]
    assert line.startswith("error: store: ") and "could not store" not in result.stderr
    assert str(database) in line and "free" in line and "space" in line, line
    assert articles(archive) >= 5  # the five stored before are all there
    check = bot(archive, "reindex", "--check")
    assert check.returncode == 0 and check.stdout.strip() == "index: ok", check.stdout


@pytest.mark.slow
def test_a_read_only_database_is_read_though_feeds_yaml_changed_since(archive):
    """A snapshot mounted read-only, with feeds.yaml edited after it was taken: reading
    works, with one warning that the file's changes are not in it."""
    feeds = archive / "feeds.yaml"
    feeds.write_text(feeds.read_text() + "  - {name: New, url: 'https://new.example/feed'}\n")
    database = archive / "db" / "bot.db"
    with read_only(database.parent):
        stats = bot(archive, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 5
    assert "not applied to a read-only database" in stats.stderr
    assert "Traceback" not in stats.stderr
