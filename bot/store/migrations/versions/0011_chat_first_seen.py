"""chat first seen: when the service first saw a chat, so that what was published before
goes to the chat's digest and not to an instant alert

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chat_states", sa.Column("first_seen_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE chat_states DROP COLUMN first_seen_at")
