"""A fake Telegram Bot API server for the tests: real HTTP on 127.0.0.1, Telegram's rules.

python-telegram-bot reaches it through its base URL (`base_url + token + "/" + method`):

    async with TelegramSender(fake_bot_api.token, base_url=fake_bot_api.base_url) as s: …

It checks what Telegram checks (the token, the chat, HTML through tests/tg_html.py, 4096
characters after entity parsing, 1024 for a caption) and answers errors with Telegram's
status codes and descriptions. Accepted messages are kept in `messages`; every request,
answered or not, in `calls`. Failures are scripted: `flood`, `fail`, `conflict`, `drop`
and `hang` queue faults that the next requests meet, one each; `kick`, `forget`, `migrate` and
`add_channel` shape who the bot can reach.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakebotapi_methods import METHODS, ApiError, Sent

TOKEN = "123456789:TESTfakeTOKENforTHEtestsONLY_abcdefgh"


@dataclass
class Call:
    """One request as the fake received it; `status` is None when it was not answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None


@dataclass
class Fault:
    kind: str  # "status", "drop" or "hang"
    method: str | None  # None: any method
    status: int = 0
    retry_after: int | None = None
    seconds: float = 0.0


@dataclass
class Channel:
    username: str
    chat_id: int
    member: bool = True
    admin: bool = True


@dataclass
class FakeBotAPI:
    """The server's state; every method is safe to call from the test while it runs."""

    token: str = TOKEN
    port: int = 0
    messages: list[Sent] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    commands: list[dict] = field(default_factory=list)
    callback_answers: list[dict] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    kicked: set[int | str] = field(default_factory=set)
    missing: set[int | str] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    updates: list[dict] = field(default_factory=list)
    group_admins: dict[int, list[int]] = field(default_factory=dict)  # chat → user ids
    next_update_id: int = 1
    lock: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # Scripting -------------------------------------------------------------------------
    def flood(self, retry_after: int = 1, *, times: int = 1, method: str | None = None) -> None:
        """The next `times` requests answer 429 with parameters.retry_after."""
        self._queue(times, Fault("status", method, status=429, retry_after=retry_after))

    def fail(self, status: int = 500, *, times: int = 1, method: str | None = None) -> None:
        """The next `times` requests answer `status` (502 comes as a proxy's HTML page)."""
        self._queue(times, Fault("status", method, status=status))

    def conflict(self, *, times: int = 1) -> None:
        """The next `times` getUpdates answer 409 Conflict, as when another process polls
        with the same token."""
        self._queue(times, Fault("status", "getUpdates", status=409))

    def drop(self, *, times: int = 1, method: str | None = None) -> None:
        """The next `times` requests are read, then the connection is closed unanswered."""
        self._queue(times, Fault("drop", method))

    def hang(self, seconds: float, *, times: int = 1, method: str | None = None) -> None:
        """The next `times` requests get no answer for `seconds`, then the connection closes."""
        self._queue(times, Fault("hang", method, seconds=seconds))

    def kick(self, chat: int | str) -> None:
        """The bot was removed from this chat (or blocked by this user): 403."""
        with self.lock:
            self.kicked.add(chat)

    def forget(self, chat: int | str) -> None:
        """This chat id does not exist (or the bot never met it): 400 chat not found."""
        with self.lock:
            self.missing.add(chat)

    def migrate(self, chat: int, new_id: int) -> None:
        """This group became a supergroup with `new_id`: 400 with migrate_to_chat_id."""
        with self.lock:
            self.migrated[chat] = new_id

    def add_channel(self, username: str, *, admin: bool = True, member: bool = True) -> int:
        """A public channel; the bot may post only as its admin. Returns its numeric id."""
        with self.lock:
            chat_id = -1001000000000 - len(self.channels)
            self.channels[username.lower()] = Channel(username, chat_id, member, admin)
            return chat_id

    def set_admins(self, chat: int, *users: int) -> None:
        """getChatAdministrators of `chat` answers these users (besides the bot)."""
        with self.lock:
            self.group_admins[chat] = list(users)

    def push_update(self, update: dict) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self.lock:
            update = {"update_id": self.next_update_id, **update}
            self.next_update_id += 1
            self.updates.append(update)
            self.lock.notify_all()
            return update["update_id"]

    def _queue(self, times: int, fault: Fault) -> None:
        with self.lock:
            self.faults.extend([fault] * times)

    # Reading ---------------------------------------------------------------------------
    def sent_to(self, chat: int | str) -> list[Sent]:
        with self.lock:
            return [m for m in self.messages if m.chat_id == chat]

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    # Serving ---------------------------------------------------------------------------
    def next_fault(self, method: str) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.method in (None, method):
                    return self.faults.pop(index)
        return None

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """The result of one API call, or ApiError."""
        handler = METHODS.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        with self.lock:
            return handler(self, params)


# HTTP ----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx client expects
    server: _Server

    def do_GET(self) -> None:
        self.serve()

    def do_POST(self) -> None:
        self.serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `calls`, not the access log."""

    def serve(self) -> None:
        fake = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path)
        token, _, method = path.path.removeprefix("/bot").partition("/")
        params = read_params(path.query, self.headers.get("Content-Type", ""), body)
        call = Call(method, params, time.monotonic())
        with fake.lock:
            fake.calls.append(call)
        fault = fake.next_fault(method)
        if fault and fault.kind in ("drop", "hang"):
            if fault.kind == "hang":
                fake.stopping.wait(fault.seconds)
            self.close_connection = True  # nothing written: the client sees the socket close
            return
        try:
            if fault:
                raise fault_error(fault)
            if not path.path.startswith("/bot") or token != fake.token:
                raise ApiError(401, "Unauthorized")
            self.reply(call, 200, {"ok": True, "result": fake.answer(method, params)})
        except ApiError as exc:
            if exc.status == 502:
                page = b"<html><head><title>502 Bad Gateway</title></head></html>"
                self.reply(call, 502, page, "text/html")
                return
            answer = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                answer["parameters"] = exc.parameters
            self.reply(call, exc.status, answer)

    def reply(self, call: Call, status: int, body: Any, content_type="application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        call.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def fault_error(fault: Fault) -> ApiError:
    if fault.status == 429:
        return ApiError(
            429,
            f"Too Many Requests: retry after {fault.retry_after}",
            {"retry_after": fault.retry_after},
        )
    descriptions = {
        409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
    }
    return ApiError(fault.status, descriptions.get(fault.status, "Internal Server Error"))


def read_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """Parameters as Telegram takes them: query string, urlencoded, JSON or multipart."""
    params: dict[str, Any] = dict(parse_qsl(query))
    if content_type.startswith("application/json") and body:
        params.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            params[name] = payload if part.get_filename() else payload.decode("utf-8")
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeBotAPI


def start(fake: FakeBotAPI | None = None) -> tuple[FakeBotAPI, _Server]:
    fake = fake or FakeBotAPI()
    server = _Server(("127.0.0.1", 0), Handler)
    server.fake = fake
    fake.port = server.server_address[1]
    threading.Thread(
        target=server.serve_forever, args=(0.02,), name="fake-bot-api", daemon=True
    ).start()
    return fake, server


def stop(fake: FakeBotAPI, server: _Server) -> None:
    fake.stopping.set()  # releases hanging requests
    with fake.lock:
        fake.lock.notify_all()
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotAPI]:
    """A running fake Bot API; `.base_url` and `.token` point a Bot at it."""
    fake, server = start()
    try:
        yield fake
    finally:
        stop(fake, server)
