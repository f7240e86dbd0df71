"""Personal employment service packages and their follow-ups (跟踪问效).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_packages",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(250), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("key_groups", sa.JSON, nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(30)),
        sa.Column("ticket_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_packages"),
    )
    op.create_index("ix_service_packages_session_id", "service_packages", ["session_id", "id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("package_id", sa.Integer, nullable=False),
        sa.Column("session_id", sa.String(250), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("answer", sa.Text),
        sa.Column("outcome", sa.String(30)),
        sa.PrimaryKeyConstraint("id", name="pk_follow_ups"),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["service_packages.id"],
            name="fk_follow_ups_package_id_service_packages",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_follow_ups_status_due", "follow_ups", ["status", "due_at"])
    op.create_index("ix_follow_ups_session_id", "follow_ups", ["session_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_follow_ups_session_id", "follow_ups")
    op.drop_index("ix_follow_ups_status_due", "follow_ups")
    op.drop_table("follow_ups")
    op.drop_index("ix_service_packages_session_id", "service_packages")
    op.drop_table("service_packages")
