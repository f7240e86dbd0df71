"""Policy knowledge base: documents, chunks, embedding cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_documents",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("source_key", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("issuer", sa.Text),
        sa.Column("doc_number", sa.Text),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("level", sa.String(20)),
        sa.Column("category", sa.Text),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("superseded_by", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_documents"),
        sa.UniqueConstraint("source_key", name="uq_policy_documents_source_key"),
    )
    op.create_index("ix_policy_documents_region", "policy_documents", ["region"])
    op.create_table(
        "policy_chunks",
        sa.Column("id", sa.String(120), nullable=False),
        sa.Column("document_id", sa.String(100), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("chapter", sa.Text),
        sa.Column("section", sa.Text),
        sa.Column("article", sa.String(40)),
        sa.Column("article_no", sa.Integer),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_chunks"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["policy_documents.id"],
            name="fk_policy_chunks_document_id_policy_documents",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_policy_chunks_document_id", "policy_chunks", ["document_id"])
    op.create_index("ix_policy_chunks_article_no", "policy_chunks", ["article_no"])
    op.create_table(
        "embedding_cache",
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("model", "content_hash", name="pk_embedding_cache"),
    )


def downgrade() -> None:
    op.drop_table("embedding_cache")
    op.drop_index("ix_policy_chunks_article_no", "policy_chunks")
    op.drop_index("ix_policy_chunks_document_id", "policy_chunks")
    op.drop_table("policy_chunks")
    op.drop_index("ix_policy_documents_region", "policy_documents")
    op.drop_table("policy_documents")
