"""Engine, sessions and migrations; SQLAlchemy errors are translated here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from connectors.errors import DatabaseError, DatabaseUnavailableError

__all__ = ["Base", "Database", "dialect_insert"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: Seconds a SQLite writer waits for the database lock (sqlite3's default is 5).
SQLITE_LOCK_TIMEOUT = 30.0

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every store's tables."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _without_nul(value: Any) -> Any:
    """``value`` with NUL dropped from its strings: bound parameters are a mapping, a
    sequence, or (for executemany) a sequence of either."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_without_nul(item) for item in value)
    return value


def _strip_nul_characters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> tuple[str, Any]:
    """PostgreSQL text cannot hold NUL (U+0000) and SQLite would keep it: no text needs
    it, so it is dropped from every bound string on both backends alike (a NUL typed into
    a chat stores, and is answered, as the text without it)."""
    return statement, _without_nul(parameters)


def dialect_insert(session: Session, table: Any) -> Any:
    """An INSERT for ``table`` with the backend's ``ON CONFLICT`` clauses (both databases
    support ``on_conflict_do_nothing`` and ``on_conflict_do_update``)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"只支持 SQLite 和 PostgreSQL：{dialect}")


class Database:
    """A SQLAlchemy engine plus a session factory, migrated to the newest schema."""

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False) -> None:
        self.url = make_url(url)
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (None, ":memory:"):
            Path(self.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # SQLite writers take turns; under load a writer may wait longer than the driver's
        # default 5 s for the lock, so it waits up to 30 s before the turn fails.
        connect_args = {"timeout": SQLITE_LOCK_TIMEOUT} if self.is_sqlite else {}
        self.engine = sa.create_engine(
            self.url, echo=echo, pool_pre_ping=True, connect_args=connect_args
        )
        if self.is_sqlite:
            event.listen(self.engine, "connect", _enable_sqlite_pragmas)
        event.listen(self.engine, "before_cursor_execute", _strip_nul_characters, retval=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (idempotent)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except OperationalError as exc:
            raise DatabaseUnavailableError(
                f"数据库无法连接：{self.url.render_as_string(hide_password=True)}"
            ) from exc
        except SQLAlchemyError as exc:
            raise DatabaseError(f"数据库迁移失败：{exc}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise DatabaseUnavailableError(str(exc.orig or exc)) from exc
        except SQLAlchemyError as exc:
            session.rollback()
            raise DatabaseError(str(exc)) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
