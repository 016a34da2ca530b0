"""search rows: what search ranks and filters hits by, in a rowid table instead of an index
of articles (bot/store/search_rows.py)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from bot.store.search_rows import DELETE_TRIGGER, JULIAN_SQL

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published", sa.Float(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL's search reads articles
        op.execute(
            "INSERT INTO search_rows (id, published, feed_id, language)"
            f" SELECT id, {JULIAN_SQL['sqlite']}, feed_id, language FROM articles"
        )
        op.execute(DELETE_TRIGGER)
    op.drop_index("ix_articles_search", table_name="articles")


def downgrade() -> None:
    op.create_index("ix_articles_search", "articles", ["id", "published_at", "feed_id", "language"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_rows_delete")
    op.drop_table("search_rows")
