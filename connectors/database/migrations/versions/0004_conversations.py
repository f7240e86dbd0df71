"""Conversations, their transcripts and the hand-off queue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("session_id", sa.String(250), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("region", sa.String(6)),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_user_id", "conversations", ["user_id"])
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(250), nullable=False),
        sa.Column("sender", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_messages"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["conversations.session_id"],
            name="fk_conversation_messages_session_id_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_conversation_messages_session_id", "conversation_messages", ["session_id", "id"]
    )
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(250), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("region", sa.String(6)),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("contact", sa.String(250), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("close_note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_tickets"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["conversations.session_id"],
            name="fk_handoff_tickets_session_id_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_handoff_tickets_status", "handoff_tickets", ["status", "id"])
    op.create_index("ix_handoff_tickets_session_id", "handoff_tickets", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_tickets_session_id", "handoff_tickets")
    op.drop_index("ix_handoff_tickets_status", "handoff_tickets")
    op.drop_table("handoff_tickets")
    op.drop_index("ix_conversation_messages_session_id", "conversation_messages")
    op.drop_table("conversation_messages")
    op.drop_index("ix_conversations_user_id", "conversations")
    op.drop_table("conversations")
