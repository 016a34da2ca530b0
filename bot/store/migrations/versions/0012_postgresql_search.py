"""PostgreSQL: the search index (a generated tsvector column of articles with a GIN
index, accents folded by the unaccent extension: bot/store/search_pg.py)

The migration runs CREATE EXTENSION IF NOT EXISTS unaccent: the database's owner may
(unaccent is trusted since PostgreSQL 13); on a server without the contrib package, or
for a user who may not create it, a superuser runs CREATE EXTENSION unaccent first.

Revision ID: 0012
Revises: 0011
"""

from alembic import op
from sqlalchemy.exc import DBAPIError

from bot.errors import StoreError
from bot.store.search_pg import CREATE, DROP, EXTENSION_HINT

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return  # SQLite's index is FTS5 (0003)
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(CREATE[0])
    except DBAPIError as exc:
        raise StoreError(f"{EXTENSION_HINT} ({str(exc.orig).strip().splitlines()[0]})") from exc
    for statement in CREATE[1:]:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DROP:
            op.execute(statement)
