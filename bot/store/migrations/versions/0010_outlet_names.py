"""outlet names: the publisher's name as the feed gives it (Google News' <source>), for
digests to name outlets by name rather than by host

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("outlet_name", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; batch mode would rebuild `articles` and break
    # the index's view and triggers over it.
    op.execute("ALTER TABLE articles DROP COLUMN outlet_name")
