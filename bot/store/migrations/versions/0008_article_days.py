"""article days: the lowest article id of each publication day, for --since searches

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from bot.store.article_days import DAY_SQL

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_days",
        sa.Column("day", sa.Text(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
        sqlite_with_rowid=False,
    )
    day = DAY_SQL[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO article_days (day, first_id) SELECT {day}, min(id) FROM articles"
        f" GROUP BY {day}"
    )


def downgrade() -> None:
    op.drop_table("article_days")
