"""The service's life: one per database, chat commands that come back after Telegram
failed at start, one line for a 409, and a SIGTERM that lets the running poll or digest
finish. The real service against the fake Bot API (in a thread), or `python -m bot run`
in a subprocess for signals and a second process."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug import Response

from bot.app import read_service_state, service_state_path
from bot.chat.service import ChatSideState
from bot.cli.run import cmd_health
from bot.config import Environment, parse_config
from bot.store import Store
from tests.chatbot import Running, button, message, wait_for
from tests.conftest import rss
from tests.test_cli import REPO, bot, feeds_config

GROUP, MEMBER = -1001, 8
CONFIG = f"""
settings: {{timezone: UTC}}
topics:
  mpp: {{title: "Remain in Mexico", query: '"remain in mexico"'}}
chats:
  - {{id: {GROUP}, name: "Border team", topics: [mpp]}}
"""


@pytest.fixture
def service(fake_bot_api, tmp_path):
    """service(**kw) → a running service (tests/chatbot.py Running) on tmp_path/bot.db."""
    running = []

    def go(config: str = CONFIG, **kw) -> Running:
        started = Running(fake_bot_api, config, f"sqlite:///{tmp_path / 'bot.db'}", **kw)
        running.append(started)
        return started

    yield go
    for started in running:
        started.close()


def chat_state(tmp_path) -> ChatSideState | None:
    state = read_service_state(f"sqlite:///{tmp_path / 'bot.db'}")
    return ChatSideState.from_dict(state["chat"]) if state and state.get("chat") else None


def health(tmp_path, capsys, config: str = CONFIG) -> tuple[int, str]:
    """`health` as the CLI runs it (another Store on the same database), in this process."""
    env = Environment(database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    capsys.readouterr()
    code = cmd_health(None, env, parse_config(config))
    return code, capsys.readouterr().out


def record_a_cycle(tmp_path) -> None:
    """A recent poll cycle, so that `health` looks at the chat side."""
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    now = datetime.now(UTC)
    store.record_cycle(now, now, {"feeds": 0})
    store.close()


def test_the_state_file_sits_beside_the_database():
    assert (
        str(service_state_path("sqlite:///storage/bot.db")) == "storage/bot.db.service-state.json"
    )
    assert str(service_state_path("sqlite:////data/b.db")) == "/data/b.db.service-state.json"
    assert service_state_path("sqlite://") is None
    assert service_state_path("sqlite:///:memory:") is None


def test_chat_commands_come_on_after_telegram_failed_at_start(
    service, fake_bot_api, tmp_path, capsys, caplog
):
    """getMe answers 502 twice, then deleteWebhook drops once: the fourth start works."""
    fake_bot_api.fail(502, times=2, method="getMe")
    fake_bot_api.drop(method="deleteWebhook")
    running = service()
    assert len(fake_bot_api.calls_to("getMe")) >= 3
    fake_bot_api.push_update(message(GROUP, MEMBER, "/status"))
    status = wait_for(lambda: fake_bot_api.sent_to(GROUP), what="the /status answer")[0].text
    assert "Chat commands: on since" in status and "after 3 failed starts" in status
    state = chat_state(tmp_path)
    assert (state.state, state.failed_starts) == ("on", 3)
    record_a_cycle(tmp_path)
    code, out = health(tmp_path, capsys)
    assert code == 0 and out.startswith("ok: ") and "chat commands: on since" in out
    retries = [r for r in caplog.records if "chat commands are off" in r.getMessage()]
    assert len(retries) == 3 and "retrying in" in retries[0].getMessage()
    assert "Bad Gateway" in retries[0].getMessage()
    assert not [r.getMessage() for r in caplog.records if r.exc_info or r.exc_text]
    running.close()
    assert read_service_state(f"sqlite:///{tmp_path / 'bot.db'}")["stopped"] is True


def test_health_says_degraded_while_chat_commands_are_off(service, fake_bot_api, tmp_path, capsys):
    """Telegram keeps failing: the service runs on, `health` says degraded and exits 0
    (a restart would not bring Telegram back)."""
    fake_bot_api.fail(502, times=10_000, method="getMe")
    service(wait_polling=False)
    wait_for(lambda: (s := chat_state(tmp_path)) and s.failed_starts >= 2, what="retries")
    record_a_cycle(tmp_path)
    code, out = health(tmp_path, capsys)
    assert code == 0, out
    assert out.startswith("degraded: last poll cycle")
    assert "chat commands off since" in out and "last error: Bad Gateway" in out


def test_a_refused_token_is_not_retried(service, fake_bot_api, tmp_path, capsys, caplog):
    fake_bot_api.fail(401, times=5, method="getMe")
    service(wait_polling=False)
    wait_for(lambda: (s := chat_state(tmp_path)) and s.state == "refused", what="the refusal")
    time.sleep(0.5)  # retries (0.2 s apart in tests) would have come by now
    assert len(fake_bot_api.calls_to("getMe")) == 1
    record_a_cycle(tmp_path)
    code, out = health(tmp_path, capsys)
    assert code == 0 and out.startswith("degraded: ") and "check TELEGRAM_BOT_TOKEN" in out
    assert fake_bot_api.token not in caplog.text + out


def test_health_tells_a_service_that_died_from_one_that_runs(tmp_path):
    from bot.cli.run import service_line

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    on = ChatSideState("on", datetime.now(UTC)).as_dict()
    dead = {"pid": int(gone), "host": os.uname().nodename, "stopped": False, "chat": on}
    assert service_line(dead).text == f"; the service (pid {gone}) is not running"
    alive = {**dead, "pid": os.getpid()}
    assert service_line(alive).text.startswith("; chat commands: on since")
    assert service_line(None).text == ""


def test_a_409_from_getupdates_is_one_warning_line(service, fake_bot_api, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    fake_bot_api.conflict(times=4)
    service()
    wait_for(lambda: len([c for c in fake_bot_api.calls_to("getUpdates") if c.status == 409]) == 4)
    wait_for(lambda: [c for c in fake_bot_api.calls_to("getUpdates") if c.status == 200])
    lines = [r for r in caplog.records if "another bot instance" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert "409 Conflict" in lines[0].getMessage()
    assert not any(r.exc_info or r.exc_text for r in caplog.records), "a traceback was logged"
    assert chat_state(tmp_path).conflicting(datetime.now(UTC))


def test_buttons_nobody_handles_are_answered(service, fake_bot_api):
    """A page 0 (there is none: pages start at 1) and data the bot never made are
    answered, so the button stops spinning, and the page handler never sees them."""
    service()
    for data in ("s:1:0", "vote:yes"):
        fake_bot_api.push_update(button(GROUP, MEMBER, data, message_id=1))
    answers = wait_for(
        lambda: len(fake_bot_api.callback_answers) >= 2 and fake_bot_api.callback_answers
    )
    assert [a.get("text") for a in answers] == ["This button no longer works."] * 2
    assert fake_bot_api.calls_to("editMessageText") == []


@pytest.mark.slow
def test_a_digest_running_at_stop_is_let_finish(service, fake_bot_api, tmp_path, caplog):
    """A digest missed while down is sent at start; Telegram hangs on it; the service is
    asked to stop meanwhile: the digest still goes out, no CancelledError."""
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    store.update_chat(str(GROUP), last_digest_at=datetime.now(UTC) - timedelta(days=2))
    store.close()
    fake_bot_api.hang(1.0, method="sendMessage")
    running = service()
    wait_for(lambda: fake_bot_api.calls_to("sendMessage"), what="the digest to be sending")
    running.close()
    assert len(fake_bot_api.sent_to(GROUP)) == 1
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        assert store.pending_parts(str(GROUP)) == []  # sent, not left waiting
    finally:
        store.close()
    texts = [r.getMessage() + str(r.exc_info) for r in caplog.records]
    assert not [t for t in texts if "CancelledError" in t or "cut short" in t]


# Subprocesses: `python -m bot run` as a user (or Docker) runs it. ----------------------


def start_service(workdir, env: dict | None = None) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    environ.update(PYTHONPATH=str(REPO), BOT_CONFIG=str(workdir / "feeds.yaml"),
                   DATABASE_URL=f"sqlite:///{workdir / 'bot.db'}", **(env or {}))  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=workdir,
        env=environ,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_service(process: subprocess.Popen, sig=signal.SIGTERM) -> str:
    process.send_signal(sig)
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    return stderr


@pytest.mark.slow
def test_a_second_service_on_the_same_database_is_refused(tmp_path):
    (tmp_path / "feeds.yaml").write_text(feeds_config(("Off", "http://127.0.0.1:9/feed")))
    first = start_service(tmp_path)
    try:
        wait_for(lambda: read_service_state(f"sqlite:///{tmp_path / 'bot.db'}") or first.poll(),
                 seconds=60, what="the first service to start")  # fmt: skip
        assert first.poll() is None
        second = bot(tmp_path, "run")
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert lines[0].startswith(
            f"error: another service is running on this database (pid {first.pid} on "
        )
        assert lines[0].endswith(
            "); SQLite has one writer, so one `run` (every role) per database: stop it "
            "first, or move to PostgreSQL for several processes (python -m bot migrate-store)"
        )
        stats = bot(tmp_path, "stats", "--json")  # the other commands work beside it
        assert stats.returncode == 0 and json.loads(stats.stdout)["feeds"] >= 1
        assert first.poll() is None, "the first service stopped"
    finally:
        stderr = stop_service(first)
    assert first.returncode == 0 and "Traceback" not in stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_poll_lets_the_cycle_finish(tmp_path, httpserver, sig):
    """One feed answers at once, the other after 2 s; the signal comes while the slow
    one is being fetched: the cycle finishes and is recorded, exit 0, no traceback."""
    asked = threading.Event()

    def slow(request):
        asked.set()
        time.sleep(2)
        items = [{"title": "Slow news", "link": "https://s.example/1", "guid": "s1"}]
        return Response(rss(items), content_type="text/xml")

    fast = [{"title": "Fast news", "link": "https://f.example/1", "guid": "f1"}]
    httpserver.expect_request("/fast").respond_with_data(rss(fast), content_type="text/xml")
    httpserver.expect_request("/slow").respond_with_handler(slow)
    config = feeds_config(
        ("Fast", httpserver.url_for("/fast")), ("Slow", httpserver.url_for("/slow"))
    )
    (tmp_path / "feeds.yaml").write_text(config)
    process = start_service(tmp_path)
    try:
        assert asked.wait(60), process.poll()
        time.sleep(0.2)  # the signal lands in the middle of the slow fetch
        signalled = time.monotonic()
        stderr = stop_service(process, sig)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert time.monotonic() - signalled > 1.5  # it waited for the slow feed
    assert "Traceback" not in stderr and "CancelledError" not in stderr
    assert "stopped" in stderr
    stats = json.loads(bot(tmp_path, "stats", "--json").stdout)
    assert stats["articles"] == 2
    health = bot(tmp_path, "health")
    assert health.returncode == 0 and "the service stopped at" in health.stdout
