"""`make demo`: the bot end to end in seconds, with no network and no Telegram account.

Serves the sample feeds in demo/feeds (written for this demo) from a local HTTP server,
writes a feeds.yaml with them, the starter topics of the project's feeds.yaml and one
chat, polls every feed into a temporary database and prints that chat's digest to the
console, as `make run` does until TELEGRAM_BOT_TOKEN is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from bot.cli import main as bot_main  # noqa: E402


class SampleFeeds(SimpleHTTPRequestHandler):
    """Serves demo/feeds, with each "HOURS_AGO:n" date made n hours before now."""

    def do_GET(self) -> None:
        path = HERE / "feeds" / Path(self.path.split("?")[0]).name
        if not path.is_file():
            self.send_error(404)
            return
        now = datetime.now(UTC)
        text = path.read_text(encoding="utf-8")
        while "HOURS_AGO:" in text:
            start = text.index("HOURS_AGO:")
            end = text.index("<", start)
            hours = float(text[start + len("HOURS_AGO:") : end])
            text = text[:start] + format_datetime(now - timedelta(hours=hours)) + text[end:]
        body = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet: the bot's own log tells the story
        pass


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SampleFeeds, directory=str(HERE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    starter = yaml.safe_load((REPO / "feeds.yaml").read_text(encoding="utf-8"))
    names = {"border-news.xml": "Border Desk", "noticias-frontera.xml": "Noticias de la Frontera",
             "wire.xml": "Wire and World"}  # fmt: skip
    config = {
        "settings": {"timezone": "America/Tijuana"},
        "feeds": [{"name": name, "url": f"{base}/{file}"} for file, name in names.items()],
        "topics": starter["topics"],
        "chats": [{"id": 1, "name": "Demo team", "topics": list(starter["topics"])}],
    }
    with tempfile.TemporaryDirectory(prefix="bot-demo-") as tmp:
        (Path(tmp) / "feeds.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
        os.environ.update(
            BOT_CONFIG=str(Path(tmp) / "feeds.yaml"),
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'demo.db'}",
            LOG_LEVEL="WARNING",
        )
        os.environ.pop("TELEGRAM_BOT_TOKEN", None)
        print(f"demo: serving {len(names)} sample feeds on {base}; polling them ...")
        code = bot_main(["poll", "--all"])
        if code == 0:
            print("demo: the digest, as the console shows it without a Telegram token:\n")
            code = bot_main(["digest"])
    server.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
