"""Facts stated in a message, and answers to the question asked last turn.

The patterns of ``fact_patterns.yaml`` run in order over the message; every value goes
through ``coerce_fact`` so that what leaves here is typed and in range, and a value that
does not fit its fact (an age of 200, a date that does not exist) is dropped, not
reported. A message that is only "是的", "35" or "第二个" answers the first open fact
of ``pending`` whose type can take it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assistant.nlu.lexicon import FactLexicon, FactRule
from assistant.nlu.numbers import (
    parse_date_phrase,
    parse_duration_months,
    parse_number,
    parse_percent,
)
from knowledge.rules.errors import FactValueError
from knowledge.rules.facts import coerce_fact
from knowledge.rules.models import FactDefinition

__all__ = ["FactReader", "FactReading"]

# What is left where a rule used up text: matches no pattern and ends no clause.
_USED = "\x00"
_CLAUSE_END = re.compile(r"[,，。;；!！?？\n]")


def _clauses_left(unstated: str, trim: str) -> list[str]:
    """The clauses of a message that hold no stated fact (``unstated`` has their words
    blanked out)."""
    clauses = (c.strip(trim) for c in _CLAUSE_END.split(unstated) if _USED not in c)
    return [c for c in clauses if c]


_QUANTITIES = ("duration", "percent", "date", "number")
_LABEL_PARTS = re.compile(r"[（）()、，,]|以上|含")


@dataclass
class FactReading:
    """The facts of one message and which of the pending ones it answered."""

    facts: dict[str, Any] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    # Where the message stated facts: not job-search keywords.
    spans: list[tuple[int, int]] = field(default_factory=list)
    # Facts inferred rather than said, with the words they were inferred from.
    inferred: dict[str, str] = field(default_factory=dict)


class FactReader:
    """Reads facts in the vocabulary ``facts`` with the patterns of ``lexicon``."""

    def __init__(self, lexicon: FactLexicon, facts: Mapping[str, FactDefinition]) -> None:
        self._lexicon = lexicon
        self._vocabulary = facts
        # Rules about facts this vocabulary lacks are left out, not an error: a caller may
        # pass a smaller vocabulary.
        self._rules = tuple(r for r in lexicon.rules if all(f in facts for f in r.facts))
        self._options = {
            name: _option_names(d) for name, d in facts.items() if d.type == "enum" and d.values
        }

    def read(self, text: str, *, pending: Sequence[str] = (), today: date) -> FactReading:
        reading = FactReading()
        work = text
        for rule in self._rules:
            if all(name in reading.facts for name in rule.facts):
                continue
            found = self._apply(rule, work, today)
            if found is None:
                continue
            values, match = found
            values = self._as_asked(rule, values, match, pending, reading, today)
            for name, value in values.items():
                if name not in reading.facts and name in rule.infers:
                    reading.inferred[name] = match.group().strip(_USED)
                reading.facts.setdefault(name, value)
            reading.spans.append(match.span())
            start, end = _used_up(rule, match)
            work = work[:start] + _USED * (end - start) + work[end:]
        open_facts = [n for n in pending if n in self._vocabulary and n not in reading.facts]
        reading.answered = [n for n in pending if n in reading.facts]
        if open_facts:
            answer = self._bare_answer(text, open_facts, today, reading.spans, work)
            if answer is not None:
                name, value = answer
                reading.facts[name] = value
                reading.answered.append(name)
        return reading

    # -- stated facts ----------------------------------------------------------------------

    def _apply(
        self, rule: FactRule, text: str, today: date
    ) -> tuple[dict[str, Any], re.Match[str]] | None:
        for pattern in rule.patterns:
            for match in pattern.finditer(text):
                if rule.statement_only and self._in_question(text, match.start(), match.end()):
                    continue
                values: dict[str, Any] = {}
                for name in rule.take:
                    value = self._quantity(self._vocabulary[name], match, today, rule.default_month)
                    if value is not None:
                        values[name] = value
                for name, constant in rule.set.items():
                    checked = _checked(self._vocabulary[name], constant)
                    if checked is not None:
                        values[name] = checked
                if values:
                    return values, match
        return None

    def _as_asked(
        self,
        rule: FactRule,
        values: dict[str, Any],
        match: re.Match[str],
        pending: Sequence[str],
        reading: FactReading,
        today: date,
    ) -> dict[str, Any]:
        """``values`` with the quantity given to the fact of the rule's ``when_asked`` that
        the last question asked for: asked how many months the unit paid last year,
        "去年失业保险交满了12个月" answers that, not the person's own years of contributions
        the same words state otherwise."""
        asked = [
            n
            for n in pending
            if n in rule.when_asked and n in self._vocabulary and n not in reading.facts
        ]
        if not asked or any(name in pending for name in rule.take):
            return values
        definition = self._vocabulary[asked[0]]
        value = self._quantity(definition, match, today, rule.default_month)
        if value is None:
            return values
        return {n: v for n, v in values.items() if n not in rule.take} | {asked[0]: value}

    def _in_question(self, text: str, start: int, end: int) -> bool:
        before = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
        after = _CLAUSE_END.search(text, end)
        clause = text[before[-1] if before else 0 : after.end() if after else len(text)]
        return self._lexicon.question_clause.search(clause) is not None

    def _quantity(
        self,
        definition: FactDefinition,
        match: re.Match[str],
        today: date,
        default_month: int | None,
    ) -> Any:
        """The value of the placeholder ``match`` filled, in the unit of ``definition``."""
        groups = match.groupdict()
        value: Any = None
        if groups.get("duration"):
            months = parse_duration_months(groups["duration"])
            if months is not None:
                value = _in_unit(months, definition)
        elif groups.get("percent"):
            value = parse_percent(groups["percent"])
        elif groups.get("date"):
            value = parse_date_phrase(
                groups["date"],
                today,
                self._lexicon.relative_years,
                default_month=default_month,
            )
        elif groups.get("number"):
            value = parse_number(groups["number"])
        if value is None:
            return None
        if definition.type == "int" and isinstance(value, float):
            if not value.is_integer():
                return None
            value = int(value)
        return _checked(definition, value)

    # -- answers to the last question ------------------------------------------------------

    def _bare_answer(
        self,
        text: str,
        open_facts: list[str],
        today: date,
        stated: list[tuple[int, int]],
        unstated: str,
    ) -> tuple[str, Any] | None:
        """The first open fact the reply answers: a yes or no answers the first open yes/no
        question — unless the words are part of a fact stated in the message ("交了2年" is
        not a yes) — a bare number the first numeric one (the whole reply when it states
        no fact, else a clause of it that states none: "满十年了，公司倒闭了"), an option
        the first choice. ``unstated``: ``text`` with the stated facts' words blanked out."""
        answers = self._lexicon.answers
        reply = text.strip(answers.trim)
        if not reply or answers.unknown.search(reply):
            return None
        offset = len(text) - len(text.lstrip(answers.trim))
        bools = [n for n in open_facts if self._vocabulary[n].type == "bool"]
        # A stated fact right at the start holds the yes/no words ("交了2年…").
        words_free = not any(start < offset + 2 for start, _ in stated)
        for name in open_facts:
            definition = self._vocabulary[name]
            value: Any = None
            if definition.type == "bool":
                if name == bools[0] and words_free:
                    # A message that states facts ("已经做了失业登记") answers the question
                    # asked only with a yes or no of its own ("是的，已经做了失业登记").
                    value = self._yes_no(reply, standalone=bool(stated))
            elif definition.type in ("int", "float", "date"):
                if stated:
                    # A figure that states another fact ("2024年6月30日毕业的": the
                    # graduation date) does not also answer the question asked (the hire
                    # date); a clause that states none may ("满十年了，公司倒闭了").
                    value = next(
                        (
                            v
                            for clause in _clauses_left(unstated, answers.trim)
                            if (v := self._bare_value(clause, definition, today)) is not None
                        ),
                        None,
                    )
                else:
                    value = self._bare_value(reply, definition, today)
            elif definition.type == "enum":
                value = self._option(reply, name)
            if value is not None:
                return name, value
        return None

    def _yes_no(self, reply: str, *, standalone: bool = False) -> bool | None:
        """Yes or no at the start of ``reply``; with ``standalone``, only a yes or no
        followed by a pause ("是的，…", "没有。…")."""
        answers = self._lexicon.answers
        if standalone:
            for pattern, value in ((answers.no, False), (answers.yes, True)):
                match = pattern.match(reply)
                if match and (match.end() == len(reply) or _CLAUSE_END.match(reply, match.end())):
                    return value
            return None
        short = len(reply) <= answers.short_answer_chars
        if answers.no.match(reply) or (short and answers.short_no.search(reply)):
            return False
        if answers.yes.match(reply) or (short and answers.short_yes.match(reply)):
            return True
        return None

    def _bare_value(self, reply: str, definition: FactDefinition, today: date) -> Any:
        for pattern in self._lexicon.answers.values:
            match = pattern.fullmatch(reply)
            if match is None:
                continue
            wants_date = definition.type == "date"
            if wants_date != bool(match.groupdict().get("date")):
                continue
            if match.groupdict().get("duration") and definition.unit not in ("年", "月"):
                continue
            # "15%" answers a share asked for, never a number of months or people.
            if match.groupdict().get("percent") and definition.unit != "%":
                continue
            unit = match.groupdict().get("unit")
            if unit and unit not in self._lexicon.answers.unit_words.get(definition.unit or "", ()):
                continue
            value = self._quantity(definition, match, today, None)
            if value is not None:
                return value
        return None

    def _option(self, reply: str, name: str) -> str | None:
        answers = self._lexicon.answers
        options = self._options[name]
        codes = list(options)
        match = answers.option.fullmatch(reply)
        if match is not None:
            number = parse_number(match.group("number"))
            if number is not None and number.is_integer() and 1 <= number <= len(codes):
                return codes[int(number) - 1]
        if answers.none_option.search(reply):
            for code in ("none", "other"):
                if code in options:
                    return code
        best: tuple[int, str] | None = None  # (length of the name said, code)
        for code, names in options.items():
            for option_name in names:
                if option_name in reply and (best is None or len(option_name) > best[0]):
                    best = (len(option_name), code)
        return None if best is None else best[1]


def _used_up(rule: FactRule, match: re.Match[str]) -> tuple[int, int]:
    """The span later rules may not read again (empty when the rule shares its text)."""
    if rule.take:
        for group in _QUANTITIES:
            if match.groupdict().get(group):
                return match.span(group)
    if rule.shares_text:
        return match.start(), match.start()
    return match.span()


def _option_names(definition: FactDefinition) -> dict[str, tuple[str, ...]]:
    """Each enum code with the ways to say it: the code, its label, the label's parts."""
    names: dict[str, tuple[str, ...]] = {}
    for code, label in (definition.values or {}).items():
        parts = [p.strip() for p in _LABEL_PARTS.split(label) if len(p.strip()) >= 2]
        names[code] = tuple(dict.fromkeys([code, label, *parts]))
    return names


def _in_unit(months: float, definition: FactDefinition) -> float | None:
    if definition.unit == "年":
        return round(months / 12, 2)
    if definition.unit == "月":
        return float(math.floor(months)) if definition.type == "int" else months
    return None


def _checked(definition: FactDefinition, value: Any) -> Any:
    try:
        return coerce_fact(definition, value)
    except FactValueError:
        return None
