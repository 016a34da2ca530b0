"""coordination of several processes on one database: feed leases (a claimed feed is
polled by one worker), claims (one process runs a chat's digest, alert pass or outbox at a
time; a digest's period is delivered once) and one heartbeat row per running process

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("lease_owner", sa.Text(), nullable=True))
    op.add_column("feeds", sa.Column("lease_until", sa.DateTime(), nullable=True))
    op.create_table(
        "claims",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "processes",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_poll_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("chat", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("processes")
    op.drop_table("claims")
    op.execute("ALTER TABLE feeds DROP COLUMN lease_until")
    op.execute("ALTER TABLE feeds DROP COLUMN lease_owner")
