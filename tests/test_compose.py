"""docker-compose.yml: PostgreSQL with a volume, one process for the chats, workers that
poll, every service with a health check (`docker compose config` reads the same file)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.cli import build_parser

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def test_the_compose_file_runs_one_telegram_process_and_two_workers_on_postgresql():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert set(services) == {"postgres", "telegram", "worker"}
    assert services["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    roles = {name: s["command"][-1] for name, s in services.items() if name != "postgres"}
    assert roles == {"telegram": "telegram", "worker": "worker"}
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "replicas" not in services["telegram"].get("deploy", {})  # Telegram allows one
    for name in ("telegram", "worker"):
        service = services[name]
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "health"]
        # The command is one the bot's own parser takes.
        args = build_parser().parse_args(service["command"][3:])
        assert args.command == "run" and args.role == roles[name]
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
