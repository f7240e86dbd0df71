"""The NLU's language, read from the YAML files beside this module and compiled once.

Python holds the machinery; these files hold the words: ``intents.yaml`` (examples and
trigger patterns per intent), ``fact_patterns.yaml`` (how facts are stated and questions
answered), ``policies.yaml`` (what people call each eligibility rule),
``vacancy.yaml`` (job-search filters and the words around a job title) and ``points.yaml``
(the kinds of service point and the days people ask about).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.models import ENGINE_INTENTS, Intent
from assistant.nlu.errors import LexiconError
from assistant.nlu.numbers import NUMBER, expand_placeholders

__all__ = [
    "DATA_DIR",
    "Answers",
    "FactLexicon",
    "FactRule",
    "IntentLexicon",
    "IntentSpec",
    "Lexicon",
    "PointLexicon",
    "PolicyNames",
    "Scoring",
    "VacancyLexicon",
    "load_lexicon",
]

DATA_DIR = Path(__file__).resolve().parent
_FLAGS = re.IGNORECASE


class _Raw(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- intents.yaml ------------------------------------------------------------------------


class Scoring(_Raw):
    """How similarity and patterns become an intent and a confidence (per scoring mode)."""

    top_k: int = Field(ge=1)
    pattern_boost: float = Field(ge=0)
    floor: float
    ceiling: float
    margin_scale: float = Field(gt=0)


class _RawScoring(_Raw):
    embedding: Scoring
    lexical: Scoring
    pattern_confidence: float = Field(ge=0, le=1)
    facts_confidence: float = Field(ge=0, le=1)
    facts_yield_to: list[Intent]
    answer_yields_to: list[Intent]
    pattern_required: list[Intent] = []
    pattern_wins: list[Intent] = []


class _RawIntent(_Raw):
    patterns: list[str] = Field(default_factory=list)
    examples: list[str] = Field(min_length=1)


class _RawIntents(_Raw):
    scoring: _RawScoring
    consequential: list[str]
    rights: list[str]
    asks_for_policies: list[str]
    names_benefit: list[str]
    asks_rule: list[str]
    intents: dict[Intent, _RawIntent]


@dataclass(frozen=True)
class IntentSpec:
    name: Intent
    patterns: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class IntentLexicon:
    intents: dict[Intent, IntentSpec]
    embedding: Scoring
    lexical: Scoring
    pattern_confidence: float
    facts_confidence: float
    facts_yield_to: frozenset[Intent]
    answer_yields_to: frozenset[Intent]
    pattern_required: frozenset[Intent]
    pattern_wins: frozenset[Intent]
    consequential: tuple[re.Pattern[str], ...]
    # A question about the law and one's rights at work ("合法吗", "公司不给加班费怎么办").
    rights: tuple[re.Pattern[str], ...] = ()
    # A request to see every policy one may claim ("我能享受哪些补贴").
    asks_for_policies: tuple[re.Pattern[str], ...] = ()
    # A benefit named by name ("青年安家补贴").
    names_benefit: tuple[re.Pattern[str], ...] = ()
    # A question of what a rule says ("这样合法吗", "会怎么样", "找谁投诉", "是这样吗").
    asks_rule: tuple[re.Pattern[str], ...] = ()


# -- fact_patterns.yaml --------------------------------------------------------------------


class _RawRule(_Raw):
    take: list[str] = Field(default_factory=list)
    set: dict[str, Any] = Field(default_factory=dict)
    patterns: list[str] = Field(min_length=1)
    statement_only: bool = False
    shares_text: bool = False
    default_month: int | None = Field(default=None, ge=1, le=12)
    infers: list[str] = Field(default_factory=list)
    when_asked: list[str] = Field(default_factory=list)


class _RawAnswers(_Raw):
    unknown: str
    yes: str
    no: str
    short_answer_chars: int = Field(ge=1)
    short_no: str
    short_yes: str
    none_option: str
    option: str
    values: list[str]
    unit_words: dict[str, list[str]]
    trim: str


class _RawFacts(_Raw):
    relative_years: dict[str, int]
    question_clause: str
    gap: str
    rules: list[_RawRule]
    answers: _RawAnswers


@dataclass(frozen=True)
class FactRule:
    """Patterns that state facts: ``take`` gets the matched quantity, ``set`` constants."""

    take: tuple[str, ...]
    set: dict[str, Any]
    patterns: tuple[re.Pattern[str], ...]
    statement_only: bool
    shares_text: bool
    default_month: int | None
    # Facts of ``set`` that are inferred from what was said, not said themselves
    # ("正在找工作" says seeking_work and implies not reemployed).
    infers: tuple[str, ...] = ()
    # Facts the quantity of ``take`` goes to instead when the question asked last was
    # about one of them (the unit's months of contributions, not the person's years).
    when_asked: tuple[str, ...] = ()

    @property
    def facts(self) -> tuple[str, ...]:
        return (*self.take, *self.set)


@dataclass(frozen=True)
class Answers:
    """Bare answers to the question asked last turn."""

    unknown: re.Pattern[str]
    yes: re.Pattern[str]
    no: re.Pattern[str]
    short_answer_chars: int
    short_no: re.Pattern[str]
    short_yes: re.Pattern[str]
    none_option: re.Pattern[str]
    option: re.Pattern[str]
    values: tuple[re.Pattern[str], ...]
    unit_words: dict[str, frozenset[str]]
    trim: str


@dataclass(frozen=True)
class FactLexicon:
    relative_years: dict[str, int]
    question_clause: re.Pattern[str]
    rules: tuple[FactRule, ...]
    answers: Answers


# -- policies.yaml -------------------------------------------------------------------------


class _RawBecomes(_Raw):
    words: list[str] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)


class _RawPolicy(_Raw):
    aliases: list[str] = Field(default_factory=list)
    weak: list[str] = Field(default_factory=list)
    implied: list[str] = Field(default_factory=list)
    becomes: dict[str, _RawBecomes] = Field(default_factory=dict)


class _RawPolicies(_Raw):
    policies: dict[str, _RawPolicy]


@dataclass(frozen=True)
class PolicyNames:
    """What people call one policy."""

    policy_id: str
    aliases: tuple[re.Pattern[str], ...]
    weak: tuple[re.Pattern[str], ...]
    implied: tuple[re.Pattern[str], ...]
    # other policy id -> (words that switch to it, facts that switch to it)
    becomes: dict[str, tuple[tuple[str, ...], dict[str, Any]]]


# -- vacancy.yaml --------------------------------------------------------------------------


class _RawVacancy(_Raw):
    salary: list[str]
    employment_types: dict[str, str]
    education: str
    near_me: str
    radius: str
    extra_districts: list[str]
    stopwords: list[str]


@dataclass(frozen=True)
class VacancyLexicon:
    salary: tuple[re.Pattern[str], ...]
    employment_types: re.Pattern[str]
    employment_type_of: dict[str, str]
    education: re.Pattern[str]
    near_me: re.Pattern[str]
    # A distance around the user: groups `amount` (a number) and `unit` (公里, 米…).
    radius: re.Pattern[str]
    extra_districts: re.Pattern[str] | None
    stopwords: frozenset[str]


# -- points.yaml ---------------------------------------------------------------------------


class _RawPoints(_Raw):
    kinds: dict[str, list[str]]
    days: dict[str, list[int]]
    relative_days: dict[str, int]


@dataclass(frozen=True)
class PointLexicon:
    """Words for service points: kinds named (零工市场) and days asked about (周末)."""

    kinds: re.Pattern[str]
    kinds_of: dict[str, tuple[str, ...]]  # word -> service point kinds
    days: re.Pattern[str]
    days_of: dict[str, tuple[int, ...]]  # word -> ISO weekdays
    relative_days: re.Pattern[str]
    offset_of: dict[str, int]  # 今天 -> 0, 明天 -> 1


@dataclass(frozen=True)
class Lexicon:
    intents: IntentLexicon
    facts: FactLexicon
    policies: tuple[PolicyNames, ...]
    vacancy: VacancyLexicon
    points: PointLexicon


# -- loading -------------------------------------------------------------------------------


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(str(path), f"无法读取：{exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(str(path), f"YAML 格式错误：{exc}") from exc


def _parsed(model: type[_Raw], path: Path) -> Any:
    try:
        return model.model_validate(_read(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LexiconError(str(path), f"{where}：{first['msg']}") from exc


def _compile(pattern: str, path: Path, extra: dict[str, str] | None = None) -> re.Pattern[str]:
    expanded = pattern
    for name, value in (extra or {}).items():
        expanded = expanded.replace("{" + name + "}", value)
    try:
        return re.compile(expanded, _FLAGS)
    except re.error as exc:
        raise LexiconError(str(path), f"正则表达式有误 {pattern!r}：{exc}") from exc


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _intent_lexicon(path: Path) -> IntentLexicon:
    raw: _RawIntents = _parsed(_RawIntents, path)
    missing = sorted(set(get_args(Intent)) - ENGINE_INTENTS - set(raw.intents))
    if missing:
        raise LexiconError(str(path), f"缺少意图的例句：{', '.join(missing)}")
    intents = {
        intent: IntentSpec(
            name=intent,
            patterns=tuple(_compile(p, path) for p in body.patterns),
            examples=tuple(body.examples),
        )
        for intent, body in raw.intents.items()
    }
    scoring = raw.scoring
    return IntentLexicon(
        intents=intents,
        embedding=scoring.embedding,
        lexical=scoring.lexical,
        pattern_confidence=scoring.pattern_confidence,
        facts_confidence=scoring.facts_confidence,
        facts_yield_to=frozenset(scoring.facts_yield_to),
        answer_yields_to=frozenset(scoring.answer_yields_to),
        pattern_required=frozenset(scoring.pattern_required),
        pattern_wins=frozenset(scoring.pattern_wins),
        consequential=tuple(_compile(p, path) for p in raw.consequential),
        rights=tuple(_compile(p, path) for p in raw.rights),
        asks_for_policies=tuple(_compile(p, path) for p in raw.asks_for_policies),
        names_benefit=tuple(_compile(p, path) for p in raw.names_benefit),
        asks_rule=tuple(_compile(p, path) for p in raw.asks_rule),
    )


def _fact_lexicon(path: Path) -> FactLexicon:
    raw: _RawFacts = _parsed(_RawFacts, path)
    years = raw.relative_years

    def compiled(pattern: str) -> re.Pattern[str]:
        return _compile(expand_placeholders(pattern, years), path, {"gap": raw.gap})

    rules = []
    for i, rule in enumerate(raw.rules):
        if not rule.take and not rule.set:
            raise LexiconError(str(path), f"rules.{i}：需要 take 或 set")
        if not set(rule.infers) <= set(rule.set):
            raise LexiconError(str(path), f"rules.{i}：infers 只能是 set 里的事实")
        if rule.when_asked and not rule.take:
            raise LexiconError(str(path), f"rules.{i}：when_asked 需要 take")
        rules.append(
            FactRule(
                take=tuple(rule.take),
                set=dict(rule.set),
                patterns=tuple(compiled(p) for p in rule.patterns),
                statement_only=rule.statement_only,
                shares_text=rule.shares_text,
                default_month=rule.default_month,
                infers=tuple(rule.infers),
                when_asked=tuple(rule.when_asked),
            )
        )
    a = raw.answers
    answers = Answers(
        unknown=_compile(a.unknown, path),
        yes=_compile(a.yes, path),
        no=_compile(a.no, path),
        short_answer_chars=a.short_answer_chars,
        short_no=_compile(a.short_no, path),
        short_yes=_compile(a.short_yes, path),
        none_option=_compile(a.none_option, path),
        option=compiled(a.option),
        values=tuple(compiled(p) for p in a.values),
        unit_words={unit: frozenset(words) for unit, words in a.unit_words.items()},
        trim=a.trim,
    )
    return FactLexicon(
        relative_years=dict(years),
        question_clause=_compile(raw.question_clause, path),
        rules=tuple(rules),
        answers=answers,
    )


def _policy_names(path: Path) -> tuple[PolicyNames, ...]:
    raw: _RawPolicies = _parsed(_RawPolicies, path)
    names = []
    for policy_id, body in raw.policies.items():
        unknown = sorted(set(body.becomes) - set(raw.policies))
        if unknown:
            raise LexiconError(str(path), f"{policy_id}.becomes：未知的政策 {', '.join(unknown)}")
        names.append(
            PolicyNames(
                policy_id=policy_id,
                aliases=tuple(_compile(p, path) for p in body.aliases),
                weak=tuple(_compile(p, path) for p in body.weak),
                implied=tuple(_compile(p, path) for p in body.implied),
                becomes={
                    other: (tuple(b.words), dict(b.facts)) for other, b in body.becomes.items()
                },
            )
        )
    return tuple(names)


def _vacancy_lexicon(path: Path) -> VacancyLexicon:
    raw: _RawVacancy = _parsed(_RawVacancy, path)
    pay = (
        rf"{NUMBER}(?:\s*(?:-|~|至|到)\s*{NUMBER})?\s*(?:元|块钱?)?"
        r"(?:\s*(?:/|每|一)\s*(?:小时|时|天|日|周|月|年))?"
    )
    return VacancyLexicon(
        salary=tuple(_compile(p, path, {"pay": pay}) for p in raw.salary),
        employment_types=_compile(_alternation(list(raw.employment_types)), path),
        employment_type_of=dict(raw.employment_types),
        education=_compile(raw.education, path),
        near_me=_compile(raw.near_me, path),
        radius=_compile(raw.radius, path, {"number": NUMBER}),
        extra_districts=(
            _compile(_alternation(raw.extra_districts), path) if raw.extra_districts else None
        ),
        stopwords=frozenset(raw.stopwords),
    )


def _point_lexicon(path: Path) -> PointLexicon:
    raw: _RawPoints = _parsed(_RawPoints, path)
    bad_days = sorted({d for days in raw.days.values() for d in days if not 1 <= d <= 7})
    if bad_days:
        raise LexiconError(str(path), f"days：星期只能是 1（周一）到 7（周日）：{bad_days}")
    return PointLexicon(
        kinds=_compile(_alternation(list(raw.kinds)), path),
        kinds_of={word: tuple(kinds) for word, kinds in raw.kinds.items()},
        days=_compile(_alternation(list(raw.days)), path),
        days_of={word: tuple(days) for word, days in raw.days.items()},
        relative_days=_compile(_alternation(list(raw.relative_days)), path),
        offset_of=dict(raw.relative_days),
    )


@lru_cache(maxsize=4)
def load_lexicon(directory: Path = DATA_DIR) -> Lexicon:
    """The five data files of ``directory``, checked and compiled (once per directory)."""
    return Lexicon(
        intents=_intent_lexicon(directory / "intents.yaml"),
        facts=_fact_lexicon(directory / "fact_patterns.yaml"),
        policies=_policy_names(directory / "policies.yaml"),
        vacancy=_vacancy_lexicon(directory / "vacancy.yaml"),
        points=_point_lexicon(directory / "points.yaml"),
    )
