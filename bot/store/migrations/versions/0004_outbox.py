"""outbox: deliveries (digests, alerts), their parts, what each chat got, chat state

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("thread", sa.Integer(), nullable=True),
        sa.Column("preview", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deliveries_open", "deliveries", ["finished_at", "id"])
    op.create_table(
        "delivery_parts",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("delivery_id", "seq"),
    )
    op.create_table(
        "delivered",
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat", "article_id"),
    )
    op.create_table(
        "chat_states",
        sa.Column("chat", sa.Text(), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(), nullable=True),
        sa.Column("alerts_since", sa.DateTime(), nullable=True),
        sa.Column("unreachable", sa.Text(), nullable=True),
        sa.Column("unreachable_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("chat"),
    )


def downgrade() -> None:
    op.drop_table("chat_states")
    op.drop_table("delivered")
    op.drop_table("delivery_parts")
    op.drop_index("ix_deliveries_open", table_name="deliveries")
    op.drop_table("deliveries")
