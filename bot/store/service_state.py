"""What the service tells other processes (`health`) on PostgreSQL: one row per service
name in `service_states`, its state as JSON. On SQLite the service writes a file beside
the database instead (bot.app.service_state_path), which a read-only archive keeps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from bot.store.dialect import upsert
from bot.store.tables import service_states

SERVICE = "service"  # the one service of today; later roles add their own rows


def write_state(engine: Engine, state: dict, name: str = SERVICE) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        statement = upsert(conn, service_states).values(name=name, state=state, updated_at=now)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["name"], set_={"state": state, "updated_at": now}
            )
        )


def read_state(engine: Engine, name: str = SERVICE) -> dict | None:
    with engine.connect() as conn:
        found = conn.scalar(select(service_states.c.state).where(service_states.c.name == name))
    return found if isinstance(found, dict) else None
