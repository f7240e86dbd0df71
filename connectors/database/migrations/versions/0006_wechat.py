"""The WeChat channel: deliveries seen (deduplication, the 48-hour window) and the outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_inbound",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("message_key", sa.String(250), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("msg_type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reply", sa.Text),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wechat_inbound"),
        sa.UniqueConstraint("channel", "message_key", name="uq_wechat_inbound_message"),
    )
    op.create_index(
        "ix_wechat_inbound_user", "wechat_inbound", ["channel", "user_id", "received_at"]
    )
    op.create_table(
        "wechat_outbox",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_wechat_outbox"),
    )
    op.create_index("ix_wechat_outbox_status", "wechat_outbox", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_wechat_outbox_status", "wechat_outbox")
    op.drop_table("wechat_outbox")
    op.drop_index("ix_wechat_inbound_user", "wechat_inbound")
    op.drop_table("wechat_inbound")
