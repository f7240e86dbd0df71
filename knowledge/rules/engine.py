"""The eligibility engine (政策计算器): evaluates rules as data and explains every step.

Conditions use three-valued logic: an unknown fact leaves a condition undecided, but a
condition already failed decides the outcome without asking anything more. Missing facts
are listed in the order that settles the outcome with the fewest questions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from knowledge.regions import ancestors, validate_region
from knowledge.rules.conditions import parse_condition
from knowledge.rules.errors import MissingParameterError, RuleError, UnknownPolicyError
from knowledge.rules.facts import coerce_facts
from knowledge.rules.inference import FactInference, Inferred, complete_facts, load_inferences
from knowledge.rules.loader import load_facts, load_policies
from knowledge.rules.models import (
    ApplyInfo,
    ConditionRule,
    ConditionTrace,
    EligibilityResult,
    FactDefinition,
    MissingFact,
    OutputValue,
    PolicyRule,
    RegionOverride,
    RuleAudience,
    RuleSource,
    ScreeningResult,
)

__all__ = ["EligibilityEngine"]

Outcome = Literal["met", "not_met", "unknown"]

_STATUS_ORDER = {"eligible": 0, "need_more_facts": 1, "not_eligible": 2, "not_yet": 3, "ended": 4}
_OUTCOME_WORDS = {"met": "符合", "not_met": "不符合", "unknown": "待确认"}


@dataclass(frozen=True)
class _ParameterValue:
    value: Any
    source: RuleSource
    note: str | None


@dataclass
class _Context:
    """A rule as it applies in one region on one day."""

    rule: PolicyRule
    overrides: list[tuple[str, RegionOverride]]

    def source(self, key: str) -> RuleSource:
        for _, override in reversed(self.overrides):
            if key in override.sources:
                return override.sources[key]
        return self.rule.sources[key]

    def conditions(self) -> list[ConditionRule]:
        extra = [c for _, o in self.overrides for c in o.conditions]
        return [*self.rule.conditions, *extra]

    def apply(self) -> ApplyInfo:
        for _, override in reversed(self.overrides):
            if override.apply is not None:
                return override.apply
        return self.rule.apply

    def parameters(self, on_date: date) -> dict[str, _ParameterValue]:
        """Each parameter's value on the day: the most specific region that sets one wins."""
        resolved: dict[str, _ParameterValue] = {}
        for name, parameter in self.rule.parameters.items():
            layers = [parameter.values] + [o.parameters.get(name, []) for _, o in self.overrides]
            for values in reversed(layers):
                in_force = [v for v in values if v.since <= on_date]
                if in_force:
                    latest = max(in_force, key=lambda v: v.since)
                    source = self.source(latest.source)
                    if latest.sample and not source.sample:
                        source = source.model_copy(update={"sample": True})
                    resolved[name] = _ParameterValue(latest.value, source, latest.note)
                    break
        return resolved


class EligibilityEngine:
    """Checks one policy (``check``) or all of them for one profile (``screen``)."""

    def __init__(
        self,
        rules: Mapping[str, PolicyRule] | None = None,
        facts: Mapping[str, FactDefinition] | None = None,
        inferences: list[FactInference] | None = None,
    ) -> None:
        self.facts = dict(facts) if facts is not None else load_facts()
        self.rules = dict(rules) if rules is not None else load_policies(facts=self.facts)
        if inferences is None:
            # The shipped inferences need the shipped vocabulary; a smaller one gets none.
            try:
                inferences = load_inferences(self.facts)
            except RuleError:
                inferences = []
        self.inferences = inferences

    def complete(
        self,
        facts: Mapping[str, Any],
        *,
        on_date: date | None = None,
        speaker: str | None = None,
        keep: Iterable[str] = (),
    ) -> Inferred:
        """``facts`` with what they already settle filled in (``inferences.yaml``): what a
        caseworker would not ask ("已办理失业登记、离退休还有8年" -> 距法定退休年龄十年以内的
        登记失业人员). ``keep``: facts said just now, never withdrawn."""
        known = {n: v for n, v in facts.items() if n in self.facts and v is not None}
        return complete_facts(
            known,
            self.inferences,
            self.facts,
            on_date=on_date or date.today(),
            speaker=speaker,
            keep=keep,
        )

    def facts_of(self, audience: RuleAudience) -> frozenset[str]:
        """The facts the rules for ``audience`` ask about: for an employer, its own and its
        hires' (a graduate it hires is not the person chatting)."""
        names: set[str] = set()
        for rule in self.rules.values():
            if rule.audience != audience:
                continue
            expressions = [c.when for c in rule.conditions] + [o.value for o in rule.outputs]
            expressions += [c.when for o in rule.regions.values() for c in o.conditions]
            for expression in expressions:
                names |= parse_condition(expression).facts
        return frozenset(names)

    def policy(self, policy_id: str) -> PolicyRule:
        try:
            return self.rules[policy_id]
        except KeyError:
            raise UnknownPolicyError(policy_id, sorted(self.rules)) from None

    def check(
        self,
        policy_id: str,
        facts: Mapping[str, Any],
        *,
        region: str = "000000",
        on_date: date | None = None,
    ) -> EligibilityResult:
        rule = self.policy(policy_id)
        day = on_date or date.today()
        region = validate_region(region)
        known = coerce_facts(facts, self.facts)
        result = EligibilityResult(
            policy_id=rule.id,
            title=rule.title,
            audience=rule.audience,
            status="need_more_facts",
            region=region,
            on_date=day,
            valid_from=rule.valid_from,
            valid_to=rule.valid_to,
        )
        window = rule.sources[rule.validity_source] if rule.validity_source else None
        basis = f"（依据{window.label}）" if window else ""
        if rule.valid_from and day < rule.valid_from:
            result.status = "not_yet"
            result.notes.append(f"该政策自 {rule.valid_from.isoformat()} 起施行{basis}。")
            result.sources = [window] if window else []
            return result
        if rule.valid_to and day > rule.valid_to:
            result.status = "ended"
            result.notes.append(f"该政策已于 {rule.valid_to.isoformat()} 结束{basis}。")
            result.sources = [window] if window else []
            # Where to ask whether a new notice continues it.
            result.apply = _Context(rule, self._overrides(rule, region, day)).apply()
            return result

        context = _Context(rule, self._overrides(rule, region, day))
        parameters = context.parameters(day)
        values = {name: p.value for name, p in parameters.items()}
        undecided: list[tuple[ConditionRule, list[str]]] = []
        for condition in context.conditions():
            compiled = parse_condition(condition.when)
            outcome_value = compiled.evaluate(known, values, day)
            outcome: Outcome = (
                "unknown" if outcome_value is None else ("met" if outcome_value else "not_met")
            )
            if outcome == "unknown":
                undecided.append((condition, compiled.unknown_facts(known, values, day)))
            result.trace.append(
                ConditionTrace(
                    id=condition.id,
                    label=condition.label,
                    expression=condition.when,
                    outcome=outcome,
                    values={f: known.get(f) for f in sorted(compiled.facts)},
                    source=context.source(condition.source),
                    explanation=self._explain(
                        condition, outcome, compiled.explain(known, values, day)
                    ),
                )
            )
        outcomes = {t.outcome for t in result.trace}
        if "not_met" in outcomes:
            result.status = "not_eligible"
        elif outcomes <= {"met"}:
            result.status = "eligible"
        output_unknowns = self._outputs(context, result, known, parameters, values, day)
        if result.status == "eligible" and output_unknowns:
            # The conditions are met but an amount still depends on a fact not given: not
            # "eligible" until that figure can be said.
            result.status = "need_more_facts"
        if result.status == "need_more_facts":
            result.missing = self._missing(undecided, output_unknowns, known)
        result.apply = context.apply()
        result.sources = self._sources(context, result)
        sample_regions = [code for code, o in context.overrides if o.sample]
        if sample_regions or any(o.sample for o in result.outputs):
            result.notes.append("其中的地方标准是示例数据，不是官方公布的数值。")
        return result

    def screen(
        self,
        facts: Mapping[str, Any],
        *,
        region: str = "000000",
        on_date: date | None = None,
        audience: RuleAudience | None = None,
    ) -> ScreeningResult:
        day = on_date or date.today()
        results = [
            self.check(rule.id, facts, region=region, on_date=day)
            for rule in self.rules.values()
            if audience is None or rule.audience == audience
        ]
        results.sort(key=lambda r: _STATUS_ORDER[r.status])
        asked = Counter(m.name for r in results for m in r.missing)
        first_seen = {m.name: m for r in results for m in reversed(r.missing)}
        order = sorted(asked, key=lambda name: -asked[name])
        return ScreeningResult(
            region=validate_region(region),
            on_date=day,
            results=results,
            next_questions=[first_seen[name] for name in order],
        )

    # -- steps ---------------------------------------------------------------------------

    @staticmethod
    def _overrides(rule: PolicyRule, region: str, day: date) -> list[tuple[str, RegionOverride]]:
        """Overrides in force for the user's region chain, national -> most specific."""
        chain = []
        for code in ancestors(region):
            override = rule.regions.get(code)
            if override is None:
                continue
            if override.valid_from and day < override.valid_from:
                continue
            if override.valid_to and day > override.valid_to:
                continue
            chain.append((code, override))
        return chain

    @staticmethod
    def _explain(condition: ConditionRule, outcome: str, detail: str) -> str:
        text = f"{condition.label}：{_OUTCOME_WORDS[outcome]}"
        if outcome == "not_met" and condition.explain_no:
            text += f"（{condition.explain_no}）"
        return f"{text}。[{detail}]" if detail else f"{text}。"

    def _outputs(
        self,
        context: _Context,
        result: EligibilityResult,
        known: dict[str, Any],
        parameters: dict[str, _ParameterValue],
        values: dict[str, Any],
        day: date,
    ) -> list[str]:
        """Computes amounts and durations; returns the facts they still need."""
        needed: list[str] = []
        for output in context.rule.outputs:
            compiled = parse_condition(output.value)
            source = context.source(output.source)
            note = output.note
            set_locally = False
            try:
                value = compiled.evaluate(known, values, day)
            except MissingParameterError as exc:
                value = None
                set_locally = True
                parameter = context.rule.parameters.get(exc.name)
                note = (
                    parameter.note if parameter else None
                ) or "该数值由地方确定，以当地公布为准。"
            else:
                if value is None:
                    needed.extend(compiled.unknown_facts(known, values, day))
            used = [parameters[p] for p in sorted(compiled.params) if p in parameters]
            inputs = {f: known[f] for f in sorted(compiled.facts) if f in known}
            notes = [n for n in [note, *(p.note for p in used)] if n]
            result.outputs.append(
                OutputValue(
                    id=output.id,
                    label=output.label,
                    value=value,
                    unit=output.unit,
                    source=source,
                    parameter_sources=list({p.source.label: p.source for p in used}.values()),
                    note="；".join(dict.fromkeys(notes)) or None,
                    inputs=inputs if value is not None or set_locally else {},
                    set_locally=set_locally,
                )
            )
        return needed

    def _missing(
        self,
        undecided: list[tuple[ConditionRule, list[str]]],
        output_unknowns: list[str],
        known: Mapping[str, Any],
    ) -> list[MissingFact]:
        """Facts to ask, fewest questions first: a fact that alone settles a condition comes
        before facts that settle one only together; then facts in more conditions. Among
        those, a condition the person has already begun to answer (招用的是登记失业青年 ->
        how old) is followed up before one nothing has been said about."""
        alone = Counter(facts[0] for _, facts in undecided if len(facts) == 1)
        anywhere = Counter(f for _, facts in undecided for f in facts)
        begun = {
            f
            for condition, facts in undecided
            if parse_condition(condition.when).facts & known.keys()
            for f in facts
        }
        position: dict[str, int] = {}
        for _, facts in undecided:
            for fact in facts:
                position.setdefault(fact, len(position))
        order = sorted(
            position, key=lambda f: (-alone[f], f not in begun, -anywhere[f], position[f])
        )
        order += [f for f in dict.fromkeys(output_unknowns) if f not in position]
        return [MissingFact.asking(self.facts[name]) for name in order]

    @staticmethod
    def _sources(context: _Context, result: EligibilityResult) -> list[RuleSource]:
        seen: dict[str, RuleSource] = {}
        cited = [t.source for t in result.trace]
        for output in result.outputs:
            cited += [output.source, *output.parameter_sources]
        for source in cited:
            seen.setdefault(source.label, source)
        return list(seen.values())
