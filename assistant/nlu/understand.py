"""The offline brain's understanding of one message, without an LLM.

Facts, policy names, places and job filters come from patterns; the intent from how near
the message is to each intent's examples plus the trigger patterns, with one piece of
conversation sense on top: a message that answers the question just asked, or gives facts
while a policy is being checked, is ``provide_facts`` unless it plainly asks for
something else (a person, a fresh start, an eligibility check...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from assistant.models import Intent
from assistant.nlu.facts import FactReader, FactReading
from assistant.nlu.intents import IntentScorer
from assistant.nlu.lexicon import load_lexicon
from assistant.nlu.models import PointQuery, Understanding, VacancyQuery
from assistant.nlu.points import PointReader
from assistant.nlu.policies import PolicyFinder
from assistant.nlu.vacancy import VacancyReader
from connectors.embeddings import Embedder
from knowledge.chinese import normalize
from knowledge.regions import level_of, region_from_text, region_name
from knowledge.rules.conditions import parse_condition
from knowledge.rules.loader import load_facts, load_policies
from knowledge.rules.models import FactDefinition, PolicyRule

__all__ = ["NLU", "states_job_wish"]

#: A job wish said beside other things: "想找会计的工作", "想做电工" (not "还没找到工作").
_JOB_WISH = re.compile(
    r"(?<![没未])找(?!到)[^,，。;；!！?？]{0,14}(?:工作|活|岗位|班|兼职|全职|临时工)|想(?:做|干|当)"
)
#: Where one clause of a message ends and the next begins.
_CLAUSE_END = re.compile(r"[,，。;；!！?？\n]")
#: Requests a message of search filters never is, even right after a search.
_NEVER_NARROWS: frozenset[Intent] = frozenset({"handoff_request", "reset"})


def _facts_asked(rule: PolicyRule) -> frozenset[str]:
    """The facts a rule's conditions and outputs ask about."""
    expressions = [c.when for c in rule.conditions] + [o.value for o in rule.outputs]
    expressions += [c.when for o in rule.regions.values() for c in o.conditions]
    return frozenset().union(*(parse_condition(e).facts for e in expressions))


def states_job_wish(text: str) -> bool:
    """Whether ``text`` says what work the person looks for."""
    return _JOB_WISH.search(text) is not None


class NLU:
    """Understands messages to the assistant: intent, facts, policy, place, job filters.

    ``embedder`` None means patterns and lexical similarity only; ``facts`` and
    ``policies`` default to the shared vocabulary and rules of ``knowledge.rules``.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        facts: Mapping[str, FactDefinition] | None = None,
        policies: Mapping[str, PolicyRule] | None = None,
    ) -> None:
        vocabulary = dict(facts) if facts is not None else load_facts()
        rules = dict(policies) if policies is not None else load_policies()
        lexicon = load_lexicon()
        self._lexicon = lexicon
        self._scorer = IntentScorer(lexicon.intents, embedder)
        self._facts = FactReader(lexicon.facts, vocabulary)
        self._policies = PolicyFinder(lexicon.policies, rules)
        # The facts each rule asks about: a policy named with such a fact is a case to check.
        self._rule_facts = {pid: _facts_asked(rule) for pid, rule in rules.items()}
        self._vacancy = VacancyReader(lexicon.vacancy)
        self._points = PointReader(lexicon.points)

    def warm_up(self) -> None:
        """Embed the examples and load the tokenizer now, not on the first message."""
        self._scorer.warm_up()
        self._vacancy.warm_up()

    def understand(
        self,
        text: str,
        *,
        pending: Sequence[str] = (),
        active_policy: str | None = None,
        profile_open: bool = False,
        today: date | None = None,
        searching: bool = False,
    ) -> Understanding:
        """What ``text`` asks and says.

        ``pending``: the facts the assistant asked for last turn, in the order asked;
        ``active_policy``: the policy being checked in this conversation, if any;
        ``profile_open``: the person was just shown their profile (a package), so facts
        they give correct it; ``searching``: the last turn searched vacancies, so a message
        of filters alone ("金水区的呢", "只看全职的") narrows that search.
        """
        clean = normalize(text)
        reading = self._facts.read(clean, pending=pending, today=today or date.today())
        in_conversation = bool(pending) or active_policy is not None or profile_open
        policy_id, policy_in_facts = self._policies.find_named(clean, reading.facts, reading.spans)
        own_case = policy_id is not None and bool(
            reading.facts.keys() & self._rule_facts.get(policy_id, frozenset())
        )
        intent, confidence = self._intent(
            clean, reading, in_conversation=in_conversation, own_case=own_case
        )
        region = region_from_text(clean)
        vacancy = None
        if intent in ("vacancy_search", "service_package"):
            district = self._district(clean, region)
            vacancy = self._vacancy.read(clean, district=district, used=reading.spans)
        elif searching and not (in_conversation or reading.facts) and intent not in _NEVER_NARROWS:
            filters = self._vacancy.read(
                clean, district=self._district(clean, region), used=reading.spans
            )
            if filters.narrows:
                intent, confidence = "vacancy_search", self._lexicon.intents.pattern_confidence
                vacancy = filters
        points = self.point_query(clean, today=today) if intent == "service_points" else None
        # Whatever the intent: the brain may answer any question from the documents.
        consequential = intent == "eligibility_check" or any(
            p.search(clean) for p in self._lexicon.intents.consequential
        )
        intents = self._lexicon.intents
        return Understanding(
            intent=intent,
            confidence=confidence,
            policy_id=policy_id,
            policy_in_facts=policy_in_facts,
            facts=reading.facts,
            vacancy=vacancy,
            points=points,
            region=region,
            consequential=consequential,
            inferred=reading.inferred,
            rights=any(p.search(clean) for p in intents.rights),
            asks_for_policies=any(p.search(clean) for p in intents.asks_for_policies),
            names_benefit=any(p.search(clean) for p in intents.names_benefit),
            asks_rule=any(p.search(clean) for p in intents.asks_rule),
        )

    def job_search(self, text: str, *, today: date | None = None) -> VacancyQuery:
        """The job-search filters of ``text`` whatever its intent, the words read as facts
        left out ("我今年毕业，想找会计的工作" looks for 会计)."""
        clean = normalize(text)
        reading = self._facts.read(clean, pending=(), today=today or date.today())
        district = self._district(clean, region_from_text(clean))
        return self._vacancy.read(clean, district=district, used=reading.spans)

    def point_query(self, text: str, *, today: date | None = None) -> PointQuery:
        """What ``text`` asks of the service points it looks for, whatever its intent: the
        kinds named (零工市场) and the days asked about (周末, 明天)."""
        return self._points.read(normalize(text), today=today or date.today())

    def job_wishes(self, text: str, *, today: date | None = None) -> VacancyQuery:
        """The job wishes of a message that is not a job search ("我今年52岁，想找保洁的活，
        给我一个就业服务包"): place, pay and hours from the whole message, the occupation only
        from the clauses that state a wish, so words about the person ("今年", "失业保险")
        are not taken for the work they look for."""
        query = self.job_search(text, today=today)
        wished = [clause for clause in _CLAUSE_END.split(text) if states_job_wish(clause)]
        occupation = self.job_search("，".join(wished), today=today).keywords if wished else None
        return query.model_copy(update={"keywords": occupation})

    def _intent(
        self, text: str, reading: FactReading, *, in_conversation: bool, own_case: bool = False
    ) -> tuple[Intent, float]:
        intents = self._lexicon.intents
        # Policy names are masked for the patterns: 求职创业补贴 is not a job search.
        hits = self._scorer.hits(self._policies.without_names(text))
        answers = bool(reading.answered) and not hits & intents.answer_yields_to
        # Several facts at once describe a situation ("他45岁，打零工，自己交社保"), also
        # outside a check; one fact beside a request is part of the request. A policy named
        # with facts it asks about is a case to check however it is asked ("我是今年的毕业
        # 生，求职创业补贴怎么领", "我是退役军人，执照办下来了，创业担保贷款最多能贷多少").
        case_yields_to = intents.answer_yields_to - {"policy_question"}
        describes = (len(reading.facts) >= 2 and not hits & intents.answer_yields_to) or (
            own_case and not hits & case_yields_to
        )
        gives_facts = describes or (
            bool(reading.facts) and in_conversation and not hits & intents.facts_yield_to
        )
        # Answers and facts in a conversation need no similarity: no embedding is made.
        if answers or gives_facts:
            return "provide_facts", intents.facts_confidence
        if not any(ch.isalnum() for ch in text):  # nothing but punctuation or blanks
            return "out_of_scope", 0.0
        winners = sorted(hits & intents.pattern_wins)
        if winners:
            return winners[0], intents.pattern_confidence
        scores = self._scorer.score(text, hits)
        best = scores.best
        if best in intents.pattern_required and best not in hits:
            allowed = [
                i for i, _ in scores.ranked if i not in intents.pattern_required or i in hits
            ]
            return allowed[0] if allowed else "out_of_scope", 0.0
        return best, scores.confidence(intents.pattern_confidence)

    def _district(self, text: str, region: str | None) -> str | None:
        """The 区县 named: a county-level region, or a zone the region table lacks."""
        if region is not None and level_of(region) == "county":
            return region_name(region)
        extra = self._lexicon.vacancy.extra_districts
        match = extra.search(text) if extra is not None else None
        return match.group() if match else None
