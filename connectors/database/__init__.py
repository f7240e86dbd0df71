"""One database layer for every store: SQLAlchemy 2 with Alembic migrations.

SQLite in the data directory is the embedded default; a PostgreSQL URL scales out.
Stores declare their tables on :data:`Base` and get sessions from :class:`Database`.
"""

from connectors.database.engine import Base, Database

__all__ = ["Base", "Database"]
