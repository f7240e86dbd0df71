"""The service: agent-assist feedback, and the hand-off webhook's delivery record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assist_feedback",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("suggestion_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assist_feedback"),
    )
    op.create_index("ix_assist_feedback_call_id", "assist_feedback", ["call_id"])
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.add_column(sa.Column("notified_at", sa.DateTime(timezone=True)))
        batch.add_column(
            sa.Column("notify_attempts", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("notify_error", sa.Text))
    # Tickets opened before the webhook existed are not announced after the upgrade.
    op.execute("UPDATE handoff_tickets SET notified_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.drop_column("notify_error")
        batch.drop_column("notify_attempts")
        batch.drop_column("notified_at")
    op.drop_index("ix_assist_feedback_call_id", "assist_feedback")
    op.drop_table("assist_feedback")
