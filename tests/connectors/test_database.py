"""The database layer on both backends: migrations, units of work, error translation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from connectors.database import Database
from connectors.database.engine import MIGRATIONS_DIR
from connectors.database.tables import target_metadata
from connectors.errors import DatabaseError, DatabaseUnavailableError
from knowledge.policies.models import PolicyChunk, PolicyDocument
from knowledge.policies.store import DocumentRow, PolicyStore


def _document(doc_id: str = "doc-1") -> PolicyDocument:
    return PolicyDocument(
        id=doc_id,
        title="测试条例",
        region="410100",
        valid_from=date(2024, 1, 1),
        source="test.md",
        content_hash="0" * 64,
    )


def _chunk(doc_id: str, ordinal: int) -> tuple[PolicyChunk, str, str]:
    chunk = PolicyChunk(
        id=f"{doc_id}:{ordinal}",
        document_id=doc_id,
        ordinal=ordinal,
        text=f"第{ordinal + 1}条 内容",
        article_no=ordinal + 1,
        start=0,
        end=5,
    )
    return chunk, "内容", str(ordinal) * 64


def test_migrations_create_the_schema_and_are_idempotent(database: Database) -> None:
    tables = set(sa.inspect(database.engine).get_table_names())
    expected = {"policy_documents", "policy_chunks", "embedding_cache", "service_points"}
    assert expected | {"vacancies", "vacancy_feeds", "alembic_version"} <= tables
    database.migrate()  # a second run changes nothing and does not fail
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    with database.engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head
        # The migrations build exactly the tables the models declare.
        assert compare_metadata(MigrationContext.configure(connection), target_metadata) == []


def test_store_round_trip_and_cascade(database: Database) -> None:
    store = PolicyStore(database)
    store.replace(_document(), "key-1", "全文", [_chunk("doc-1", 0), _chunk("doc-1", 1)])
    assert store.document("doc-1") == _document()
    assert [c.article_no for c in store.document_chunks("doc-1")] == [1, 2]
    assert store.counts() == (1, 2)
    # Replacing under the same source key swaps the whole document.
    removed = store.replace(_document(), "key-1", "全文2", [_chunk("doc-1", 0)])
    assert sorted(removed) == ["doc-1:0", "doc-1:1"]
    assert store.counts() == (1, 1)
    assert store.delete("doc-1") == ["doc-1:0"]
    assert store.counts() == (0, 0)


def test_a_failed_unit_of_work_is_rolled_back_and_translated(database: Database) -> None:
    store = PolicyStore(database)
    store.replace(_document(), "key-1", "全文", [_chunk("doc-1", 0)])
    with pytest.raises(DatabaseError), database.session() as session:
        session.add(
            DocumentRow(
                id="doc-2",
                source_key="key-1",  # violates the unique source key
                title="重复",
                region="000000",
                audience="both",
                source="x",
                content_hash="1" * 64,
                text="",
                extra={},
                ingested_at=datetime.now(UTC),
            )
        )
    assert store.counts() == (1, 1)
    assert store.document("doc-2") is None


def test_an_unreachable_server_raises_a_clear_error() -> None:
    with pytest.raises(DatabaseUnavailableError, match="数据库无法连接"):
        Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
