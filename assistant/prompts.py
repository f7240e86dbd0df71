"""Prompt files of ``prompts/``: fixed replies (YAML) and Jinja2 templates for the LLM."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from assistant.models import Role

__all__ = ["PROMPTS_DIR", "render", "reply"]

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


@lru_cache(maxsize=1)
def _replies() -> dict[str, Any]:
    data = yaml.safe_load((PROMPTS_DIR / "replies.yaml").read_text(encoding="utf-8"))
    return dict(data or {})


def reply(name: str, role: Role | None = None, **values: Any) -> str:
    """A fixed reply of ``replies.yaml``: the role's version when it has one."""
    entry = _replies()[name]
    if isinstance(entry, dict):
        entry = entry.get(role or "job_seeker", entry.get("job_seeker"))
    return str(entry).format(**values) if values else str(entry)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,  # plain-text prompts, never HTML
    )


def render(template: str, **values: Any) -> str:
    """Renders a Jinja2 template of ``prompts/`` (e.g. ``system.j2``)."""
    return _environment().get_template(template).render(**values).strip()
