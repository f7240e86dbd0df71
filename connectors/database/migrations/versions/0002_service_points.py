"""Service points of the "15分钟就业服务圈".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_points",
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("region", sa.String(6)),
        sa.Column("lat", sa.Double),
        sa.Column("lon", sa.Double),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("phone", sa.Text),
        sa.PrimaryKeyConstraint("source", "id", name="pk_service_points"),
    )
    op.create_index("ix_service_points_region", "service_points", ["region"])


def downgrade() -> None:
    op.drop_index("ix_service_points_region", "service_points")
    op.drop_table("service_points")
