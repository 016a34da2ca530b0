"""search: the FTS5 index of articles (external content, kept in sync by triggers);
on PostgreSQL only the column (its index comes with 0012)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from bot.store.fts import CREATE, DROP, REBUILD, extra_terms

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_extra", sa.Text(), server_default="", nullable=False))
        batch_op.create_index(
            "ix_articles_search", ["id", "published_at", "feed_id", "language"], unique=False
        )
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return  # FTS5 is SQLite's; PostgreSQL's index is 0012's
    rows = conn.exec_driver_sql("SELECT id, title, summary, content FROM articles").all()
    extras = [(extra, row[0]) for row in rows if (extra := extra_terms(*row[1:]))]
    if extras:
        conn.exec_driver_sql("UPDATE articles SET search_extra = ? WHERE id = ?", extras)
    for statement in CREATE:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(REBUILD)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in DROP:
            conn.exec_driver_sql(statement)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_search")
        batch_op.drop_column("search_extra")
