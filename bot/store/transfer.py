"""Copying a whole archive from one store to another (`python -m bot migrate-store`):
an installation that outgrew its SQLite file moves to PostgreSQL without losing a feed's
state, an article, a match, a chat's choices or a message waiting in the outbox.

Every table of the schema is copied row for row, ids included (matches, sightings, the
outbox and what chats were given point at article and delivery ids), in the order their
foreign keys need. The source is read in one transaction, so a service still writing to
it gives a consistent snapshot, not half of a poll. What is derived from the articles
(the search index, search_rows, article_days) is rebuilt on the target, not copied, so
the target's own index (FTS5 or tsvector) is built its own way. At the end every table's
rows are counted on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text

from bot.errors import StoreError
from bot.store.tables import article_days, metadata, search_rows

BATCH = 2000  # rows a statement: bounded memory for millions of articles
DERIVED = frozenset({search_rows.name, article_days.name})  # rebuilt with the index


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)  # rows copied, by table
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)  # (source, target)
    indexed: int = 0  # articles in the target's search index

    @property
    def ok(self) -> bool:
        return not self.mismatches


class TargetNotEmpty(StoreError):
    """Copying into an archive that holds data would mix two archives' ids."""


def copied_tables() -> list[Table]:
    """The schema's tables in foreign-key order (a row's parents first), derived ones out."""
    return [t for t in metadata.sorted_tables if t.name not in DERIVED]


def row_counts(conn: Connection, tables: list[Table]) -> dict[str, int]:
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}


def copy_archive(
    source: Engine,
    target: Engine,
    *,
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every table from source to target (both migrated to the same schema).

    A target with rows in any table is refused (TargetNotEmpty) unless force, which
    empties it first. progress(table, rows so far) is called after each batch."""
    tables = copied_tables()
    report = CopyReport()
    with source.connect() as src, src.begin(), target.begin() as dst:
        held = {name: n for name, n in row_counts(dst, tables).items() if n}
        if held and not force:
            other = sum(n for name, n in held.items() if name not in ("feeds", "articles"))
            raise TargetNotEmpty(
                f"the target database is not empty (it holds {held.get('feeds', 0)} feeds, "
                f"{held.get('articles', 0)} articles and {other} other rows); copy into an "
                "empty one, or pass --force to delete what it holds first"
            )
        for table in reversed([*tables, search_rows, article_days]):
            dst.execute(delete(table))
        for table in tables:
            report.tables[table.name] = _copy_table(src, dst, table, progress)
        _reset_sequences(dst, tables)
        expected = row_counts(src, tables)
        got = row_counts(dst, tables)
        report.mismatches = {
            name: (expected[name], got[name]) for name in expected if expected[name] != got[name]
        }
    return report


def _copy_table(src: Connection, dst: Connection, table: Table, progress) -> int:
    """The table's rows in primary-key order, BATCH at a time (one streamed SELECT, so a
    big table is never read into memory whole)."""
    keys = list(table.primary_key.columns)
    statement = select(table).order_by(*keys)
    copied = 0
    result = src.execution_options(yield_per=BATCH).execute(statement)
    for partition in result.partitions(BATCH):
        rows = [dict(row._mapping) for row in partition]
        dst.execute(insert(table), rows)
        copied += len(rows)
        if progress is not None:
            progress(table.name, copied)
    return copied


def _reset_sequences(dst: Connection, tables: list[Table]) -> None:
    """PostgreSQL hands out serial ids from a sequence that explicit ids do not move: set
    each one past the highest id copied, or the next article would collide with one."""
    if dst.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not keys[0].autoincrement or keys[0].type.python_type is not int:
            continue
        dst.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"coalesce((SELECT max({keys[0].name}) FROM {table.name}), 0) + 1, false)"
            ),
            {"table": table.name, "column": keys[0].name},
        )
