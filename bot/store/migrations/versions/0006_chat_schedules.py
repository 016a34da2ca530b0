"""chat schedules: a chat's own digest time and time zone (/schedule, /timezone), over
feeds.yaml's digest:/timezone:

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_schedules",
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("by_user", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat"),
    )


def downgrade() -> None:
    op.drop_table("chat_schedules")
