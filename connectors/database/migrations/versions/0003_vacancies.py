"""Vacancies, their feeds and the revision search indexes watch.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vacancies",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("identifier", sa.String(500), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(20), nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),
        sa.Column("region", sa.String(6)),
        sa.Column("district", sa.Text),
        sa.Column("salary_min", sa.Float),
        sa.Column("salary_max", sa.Float),
        sa.Column("employment_types", sa.String(200), nullable=False),
        sa.Column("education", sa.Integer, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("date_posted", sa.Date),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vacancies"),
        sa.UniqueConstraint("source", "identifier", name="uq_vacancies_source"),
    )
    op.create_index("ix_vacancies_fingerprint", "vacancies", ["fingerprint"])
    op.create_index("ix_vacancies_expires_at", "vacancies", ["expires_at"])
    op.create_table(
        "vacancy_feeds",
        sa.Column("location", sa.String(1000), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("synced_at", sa.DateTime, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("location", name="pk_vacancy_feeds"),
    )
    revision_table = op.create_table(
        "vacancy_revision",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vacancy_revision"),
    )
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table("vacancy_revision")
    op.drop_table("vacancy_feeds")
    op.drop_index("ix_vacancies_expires_at", "vacancies")
    op.drop_index("ix_vacancies_fingerprint", "vacancies")
    op.drop_table("vacancies")
