"""index new articles from the store, not from an insert trigger (see bot/store/fts.py)

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from bot.store.fts import INSERT_TRIGGER

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # FTS5's trigger: SQLite only
        op.execute("DROP TRIGGER IF EXISTS articles_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(INSERT_TRIGGER)
