"""The data of packages.yaml: key groups, needs, their sources and the parameters."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict

from knowledge.rules.models import RuleSource

__all__ = [
    "KEY_GROUPS",
    "NEEDS",
    "Catalogue",
    "CatalogueEntry",
    "FollowUpTexts",
    "KeyGroup",
    "NeedKind",
    "Parameter",
    "catalogue",
]

KeyGroup = Literal[
    "graduate",
    "registered_unemployed",
    "employment_difficulty",
    "migrant_worker",
    "veteran",
    "disabled",
    "long_term_unemployed",
    "older_worker",
]
KEY_GROUPS: tuple[KeyGroup, ...] = get_args(KeyGroup)
NeedKind = Literal[
    "job_placement",
    "career_guidance",
    "training",
    "entrepreneurship",
    "unemployment_registration",
    "benefits",
    "employment_assistance",
]
NEEDS: tuple[NeedKind, ...] = get_args(NeedKind)
_PATH = Path(__file__).with_name("packages.yaml")


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    source: RuleSource


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any
    note: str


class FollowUpTexts(BaseModel):
    """The follow-up question, how answers are read, and what is said back."""

    model_config = ConfigDict(extra="forbid")

    question: str
    max_answer_chars: int
    negated: str
    outcomes: dict[str, str]
    thanks: dict[str, str]


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_groups: dict[KeyGroup, CatalogueEntry]
    needs: dict[NeedKind, CatalogueEntry]
    parameters: dict[str, Parameter]
    follow_up: FollowUpTexts

    def parameter(self, name: str) -> Any:
        return self.parameters[name].value


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """packages.yaml, checked: every key group and need has an entry."""
    data = yaml.safe_load(_PATH.read_text(encoding="utf-8"))
    loaded = Catalogue.model_validate(data)
    missing = (set(KEY_GROUPS) - set(loaded.key_groups)) | (set(NEEDS) - set(loaded.needs))
    if missing:
        raise ValueError(f"packages.yaml 缺少：{'、'.join(sorted(missing))}")
    return loaded
