"""The offline brain: Chinese NLU picks the intent and facts, a router picks the tools, the
composer writes the answer from their results. No network, no model download, and the same
input always gives the same answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant import composer
from assistant.answering import PolicyFinding, answer_in_conversation, find_policy_answer
from assistant.brains import Draft, TurnContext
from assistant.conversations import ConversationState
from assistant.guardrails.sensitive import SensitiveTopic, detect_sensitive
from assistant.models import BrainName, HandoffReason, Intent
from assistant.nlu import NLU, Understanding, states_job_wish
from assistant.nlu.models import VacancyQuery
from assistant.packages.profile import reconcile_facts
from assistant.packages.text import package_text
from assistant.prompts import reply
from assistant.tools import Toolbox, ToolOutcome
from knowledge.rules.models import EligibilityResult, MissingFact, ScreeningResult

__all__ = ["OfflineBrain"]

_REASON_TEXT = {
    "user_request": "用户要求转人工",
    "low_confidence": "助手没有把握回答一个关系到用户切身利益的问题",
    "repeated_failure": "助手连续两次没能回答用户的问题",
    "complaint": "用户投诉",
    "sensitive": "涉及需要人工跟进的敏感情况",
    "policy_exception": "用户的情况可能需要政策上的特殊处理",
    "no_progress": "就业服务包回访显示没有进展",
}


#: Below this intent confidence, a message while a question is open is asked again.
_SURE_INTENT = 0.5

#: A message that asks something (not only states a wish).
_ASKS = re.compile(r"[吗么嘛呢?？]\s*$|怎么|如何|能不能|可不可以|是否|多少|多久|哪里")
#: Looking for work: a job wished for, or the words of a job search.
_SEEKS_WORK = re.compile(
    r"(?<![没未])找(?!到|着)[^,，。;；!！?？]{0,12}(?:工作|活|岗位|班|兼职|差事)|想(?:做|干|当|去)"
    r"|招聘|招人|招工|在招|招不招|岗位|职位|兼职|全职|日结|零工|临时工|暑假工|小时工|实习|应聘|求职"
    r"|推荐[^,，。;；!！?？]{0,6}(?:工作|活)|(?:有没有|有什么|有啥|哪里有|哪有)[^,，。;；!！?？]{0,12}(?:工作|活儿?|差事|岗位|职位)"
    r"|有[^,，。;；!！?？]{0,12}(?:工作|活儿?|差事|岗位|职位)(?:吗|么|没|不|呢|[?？]|$)"
    r"|招[^,，。;；!！?？]{0,6}(?:吗|么|不|没|[?？])|(?:月薪|工资|薪资|底薪)[^,，。;；!！?？]{0,8}(?:以上|以下|起)的"
    r"|包吃住|离家近"
)
#: A message that only asks for a person.
_ASKS_FOR_PERSON = re.compile(r"人工|真人|工作人员|客服|转接|投诉")
#: "这不对" and the like, said of the profile just shown.
_CORRECTION = re.compile(r"不对|错了|不是这样|搞错|弄错|有误|改一下|更正")


def _remember_wishes(state: ConversationState, query: VacancyQuery | None) -> None:
    """What the person said they look for, kept for their profile (newest wins)."""
    if query is None:
        return
    said = {
        "occupation": query.keywords,
        "district": query.district,
        "salary_min": query.salary_min,
        "employment_type": query.employment_type,
    }
    state.wishes.update({name: value for name, value in said.items() if value})
    if query.near_me:
        state.wishes["near_me"] = True


class OfflineBrain:
    """Routes each intent to the tools it needs; see the module text."""

    name: BrainName = "offline"

    def __init__(self, toolbox: Toolbox, nlu: NLU) -> None:
        self.toolbox = toolbox
        self.nlu = nlu
        self._routes: dict[str, Callable[[TurnContext, Understanding], Draft]] = {
            "policy_question": self._policy_question,
            "eligibility_check": self._eligibility,
            "provide_facts": self._eligibility,
            "vacancy_search": self._vacancies,
            "service_points": self._service_points,
            "service_package": self._service_package,
            "handoff_request": self._handoff_request,
            "greeting": self._fixed("greeting"),
            "thanks": self._fixed("thanks"),
            "out_of_scope": self._fixed("out_of_scope"),
            "reset": self._reset,
        }

    def respond(self, context: TurnContext) -> Draft:
        if "injection" in context.flags:
            return Draft(reply("injection"), intent="out_of_scope")
        topic = detect_sensitive(context.text)
        if topic is not None:
            return self._sensitive(context, topic)
        state = context.state
        # Right after a package, facts the person gives correct their profile.
        profile_open = (
            state.last_intent == "service_package"
            and state.package_id is not None
            and not state.pending
            and not state.active_policy
        )
        understanding = self.nlu.understand(
            context.text,
            pending=state.pending,
            active_policy=state.active_policy,
            profile_open=profile_open,
            today=context.tools.on_date,
        )
        state.facts.update(self._own_facts(context, understanding.facts))
        if state.pending and understanding.confidence < _SURE_INTENT:
            # Mid-check, a message the NLU cannot place is most likely a muddled answer.
            return self._ask_again(context)
        if understanding.region:
            # A place named is where the person asks about, this turn and the next ones.
            context.tools.region = state.region = state.said_region = understanding.region
        revising = (
            profile_open and bool(understanding.facts) and understanding.intent == "provide_facts"
        )
        packaging = revising or understanding.intent == "service_package"
        if not packaging and understanding.vacancy is None and states_job_wish(context.text):
            # "我今年毕业，想找会计的工作" gives facts and a wish: the profile keeps both (a
            # package turn reads the wishes itself).
            _remember_wishes(state, self.nlu.job_wishes(context.text, today=context.tools.on_date))
        if revising:
            reconcile_facts(state.facts, understanding.facts, on_date=context.tools.on_date)
            draft = self._service_package(context, understanding, revise=True)
        elif profile_open and not understanding.facts and _CORRECTION.search(context.text):
            draft = Draft(reply("package_correction"), intent="service_package", answered=False)
        else:
            route = self._route(context, understanding)
            draft = self._routes[route](context, understanding)
            draft.intent = draft.intent or route
        draft.intent = draft.intent or understanding.intent
        if context.turn.role == "agent" and draft.summary is None:
            draft.summary = self.summary(context)
        return draft

    def _route(self, context: TurnContext, understanding: Understanding) -> Intent:
        """What to do with the message — the dialogue policy over what the NLU read.

        The calculator checks a policy it knows, named or meant; a screen of every policy
        is only for "我能享受哪些补贴" kinds of requests; questions about the law and one's
        rights ("合法吗", "公司不给加班费怎么办"), an employer's question about a benefit of
        its workers, and a benefit the calculator does not know ("青年安家补贴") are
        answered from the documents — which say "没有找到" when they hold nothing on it.
        """
        intent = understanding.intent
        state = context.state
        in_check = bool(state.pending) or state.active_policy is not None
        rule = self.toolbox.rules.rules.get(understanding.policy_id or "")
        asks = _ASKS.search(context.text) is not None
        if intent in ("eligibility_check", "provide_facts"):
            if rule is not None:
                if context.turn.role == "employer" and rule.audience == "job_seeker":
                    return "policy_question"
                return intent
            if in_check and intent == "provide_facts":
                return intent
            if understanding.asks_for_policies:
                return intent
            if (understanding.rights and asks) or understanding.names_benefit:
                return "policy_question"
            if intent == "eligibility_check" and not self._topic(context):
                # "能不能直接走人", "算不算连着签了两次": a question of the rules, not a
                # request to be screened for benefits.
                return "policy_question"
            return intent
        if intent == "vacancy_search" and not in_check and not _SEEKS_WORK.search(context.text):
            # A salary or a job named without looking for work ("工资少了800", "失业保险金
            # 找工作了还发吗") is a question about work, not a job search.
            return "policy_question" if asks or understanding.rights else intent
        # "乙肝携带者被拒绝录用": a question of rights the intent examples did not place.
        if (
            intent in ("out_of_scope", "thanks", "greeting")
            and understanding.rights
            and (understanding.confidence < _SURE_INTENT or intent == "out_of_scope")
        ):
            return "policy_question"
        return intent

    def _asked(self, context: TurnContext) -> str:
        """What the person asked: this message, unless it only asks for a person ("转人工"),
        then the question or the check before it."""
        if not _ASKS_FOR_PERSON.search(context.text) or len(context.text) > 20:
            return context.text
        state = context.state
        rules = self.toolbox.rules.rules
        if state.active_policy in rules:
            return f"能否享受{rules[state.active_policy].title}"
        return state.last_query.get("policy") or context.text

    def _own_facts(self, context: TurnContext, facts: dict[str, Any]) -> dict[str, Any]:
        """The facts to keep about the person: an employer's own and its hires' — what an
        employer says of a graduate it hires (毕业时间, 年龄) is not about the employer."""
        if context.turn.role != "employer":
            return facts
        kept = self.toolbox.rules.facts_of("employer")
        return {name: value for name, value in facts.items() if name in kept}

    def summary(self, context: TurnContext) -> str:
        """One line on the caller's situation, for hotline agents and caseworkers."""
        known = composer.facts_summary(context.state.facts, self.toolbox.rules.facts)
        topic = context.state.active_policy
        title = self.toolbox.rules.rules[topic].title if topic in self.toolbox.rules.rules else ""
        parts = [f"咨询{title}" if title else f"来电人问：{context.text}", known]
        return "；".join(p for p in parts if p)

    def handoff(self, context: TurnContext, reason: HandoffReason) -> ToolOutcome:
        """Opens a ticket through the request_handoff tool, with a summary for the caseworker."""
        facts = composer.facts_summary(context.state.facts, self.toolbox.rules.facts)
        summary = reply(
            "handoff_summary",
            reason=_REASON_TEXT[reason],
            asked=self._asked(context)[:200],
            facts=f"已知情况：{facts}。" if facts else "",
        )
        return self.toolbox.call(
            "request_handoff", {"reason": reason, "summary": summary}, context.tools
        )

    # -- routes --------------------------------------------------------------------------

    @staticmethod
    def _fixed(name: str) -> Callable[[TurnContext, Understanding], Draft]:
        def route(context: TurnContext, _: Understanding) -> Draft:
            return Draft(reply(name, context.turn.role))

        return route

    @staticmethod
    def _reset(context: TurnContext, _: Understanding) -> Draft:
        state = context.state
        state.facts.clear()
        state.pending = []
        state.active_policy = None
        state.last_query = {}
        state.failures = 0
        return Draft(reply("reset"))

    def _policy_question(self, context: TurnContext, understanding: Understanding) -> Draft:
        finding = answer_in_conversation(
            self.toolbox,
            context.text,
            context.tools,
            previous=context.state.last_query.get("policy"),
            names_policy=understanding.policy_id is not None,
        )
        if not finding.answerable:
            return self._unanswered(context, understanding, finding)
        context.state.last_query = {"policy": finding.query}
        text = composer.policy_answer(finding, context.tools.cite, context.turn.role)
        return Draft(text, outcomes=[finding.search], confidence=finding.confidence)

    def _unanswered(
        self, context: TurnContext, understanding: Understanding, finding: PolicyFinding
    ) -> Draft:
        """The knowledge does not answer: say so, offer a caseworker — and open a ticket
        when the question is consequential (money, deadlines, eligibility)."""
        draft = Draft(
            composer.unsure_answer(),
            outcomes=[finding.search],
            confidence=finding.confidence,
            answered=False,
        )
        if understanding.consequential and not (
            finding.unknown_words and understanding.names_benefit
        ):
            # A consequential question on a topic the knowledge has (but no answer to):
            # a caseworker should answer it. A benefit it has never heard of ("火星移民补贴")
            # gets the offer only.
            ticket = self.handoff(context, "low_confidence")
            draft.outcomes.append(ticket)
            if ticket.ok:
                draft.handoff = ticket.value
                draft.text = composer.unsure_answer(offer_caseworker=False)
                draft.text += "\n\n" + reply("low_confidence_handoff", ticket=ticket.value.id)
        return draft

    def _eligibility(self, context: TurnContext, understanding: Understanding) -> Draft:
        state = context.state
        if understanding.intent == "eligibility_check":
            state.active_policy = understanding.policy_id or self._topic(context)
        elif understanding.policy_id is not None and state.active_policy is None:
            # Facts with a policy named ("交了7年…失业金最多能领多久"): check that policy
            # with every fact the message gives. Mid-check, a policy's name in an answer
            # ("认定过就业困难人员") is a fact, not a new request.
            state.active_policy = understanding.policy_id
        elif not understanding.facts and state.pending:
            return self._ask_again(context)
        elif not understanding.facts and state.active_policy is None:
            return self._fixed("out_of_scope")(context, understanding)
        arguments: dict[str, Any] = {}
        if state.active_policy:
            arguments["policy_id"] = state.active_policy
        check = self.toolbox.call("check_eligibility", arguments, context.tools)
        if not check.ok:
            return Draft(str(check.call.error), outcomes=[check], answered=False)
        role = context.turn.role
        if isinstance(check.value, EligibilityResult):
            inferred = {
                name: (words, understanding.facts[name])
                for name, words in understanding.inferred.items()
                if name in understanding.facts
            }
            text, questions = composer.eligibility_answer(
                check.value, role, vocabulary=self.toolbox.rules.facts, inferred=inferred
            )
        else:
            assert isinstance(check.value, ScreeningResult)
            text, questions = composer.screening_answer(check.value, role)
        state.pending = [q.name for q in questions]
        draft = Draft(text, intent="eligibility_check", outcomes=[check], questions=questions)
        if isinstance(check.value, EligibilityResult) and not questions:
            self._attach_sources(context, draft, check.value)
        return draft

    def _topic(self, context: TurnContext) -> str | None:
        """The policy the conversation is about ("失业保险金怎么领" … "我能领多少"): the one
        named in the last policy question, if any."""
        previous = context.state.last_query.get("policy")
        if not previous:
            return None
        return self.nlu.understand(previous, today=context.tools.on_date).policy_id

    def _ask_again(self, context: TurnContext) -> Draft:
        """The answer to the last question was not understood: ask it again, plainly."""
        vocabulary = self.toolbox.rules.facts
        missing = [
            MissingFact.asking(vocabulary[n]) for n in context.state.pending if n in vocabulary
        ]
        questions = composer.questions_to_ask(missing)
        text = reply("not_understood") + "\n" + composer.questions_text(questions)
        return Draft(text, intent="provide_facts", questions=questions, answered=False)

    def _attach_sources(
        self, context: TurnContext, draft: Draft, result: EligibilityResult
    ) -> None:
        """A settled check also cites the knowledge base's passages on the policy."""
        labels = [o.label for o in result.outputs] or [t.label for t in result.trace[:2]]
        search = self.toolbox.call(
            "search_policies", {"query": " ".join([result.title, *labels]), "k": 2}, context.tools
        )
        draft.outcomes.append(search)
        if search.value:
            markers = context.tools.cite(search.value)
            draft.text += "\n\n" + composer.sources_text(search.value, markers)

    def _vacancies(self, context: TurnContext, understanding: Understanding) -> Draft:
        query = understanding.vacancy
        _remember_wishes(context.state, query)
        arguments: dict[str, Any] = {}
        if query is not None:
            arguments = query.model_dump(exclude_none=True, exclude_defaults=True)
            arguments.pop("keywords", None)
            if query.keywords:
                arguments["query"] = query.keywords
        if arguments.get("near_me") and context.tools.location is None:
            arguments.pop("near_me")
        previous = context.state.last_query.get("vacancies")
        if previous is not None and "query" not in arguments and not arguments.get("near_me"):
            # "要全职的，工资8000以上" narrows the last search instead of starting anew.
            arguments = {**previous, **arguments}
        search = self.toolbox.call("search_vacancies", arguments, context.tools)
        if not search.ok:
            return Draft(str(search.call.error), outcomes=[search], answered=False)
        context.state.last_query = {"vacancies": arguments}
        text = composer.vacancies_answer(search.value, arguments.get("query"))
        return Draft(text, outcomes=[search])

    def _service_points(self, context: TurnContext, _: Understanding) -> Draft:
        search = self.toolbox.call("find_service_points", {}, context.tools)
        if not search.ok:
            return Draft(reply("need_location"), outcomes=[search], answered=False)
        return Draft(composer.service_points_answer(search.value), outcomes=[search])

    def _service_package(
        self, context: TurnContext, understanding: Understanding, *, revise: bool = False
    ) -> Draft:
        state = context.state
        _remember_wishes(state, self.nlu.job_wishes(context.text, today=context.tools.on_date))
        # The package settles what was being asked: what the person says next corrects it.
        state.pending = []
        state.active_policy = None
        arguments = {"revise": True} if revise else {}
        built = self.toolbox.call("build_service_package", arguments, context.tools)
        if not built.ok:
            # An employer is told what to ask instead: an answer, not a failure to count.
            answered = context.turn.role == "employer"
            return Draft(str(built.call.error), outcomes=[built], answered=answered)
        text = package_text(built.value)
        if revise:
            text = reply("package_revised") + "\n" + text
        citations = list(context.tools.citations)
        if citations:
            text += "\n\n" + composer.sources_text(citations, context.tools.cite(citations))
        return Draft(text, intent="service_package", outcomes=[built])

    def _handoff_request(self, context: TurnContext, _: Understanding) -> Draft:
        ticket = self.handoff(context, "user_request")
        if not ticket.ok:
            return Draft(reply("handoff_failed"), outcomes=[ticket], answered=False)
        return Draft(composer.handoff_answer(ticket.value), outcomes=[ticket], handoff=ticket.value)

    def _sensitive(self, context: TurnContext, topic: SensitiveTopic) -> Draft:
        draft = Draft(topic.reply, intent="out_of_scope")
        if topic.citation_query:
            finding = find_policy_answer(self.toolbox, topic.citation_query, context.tools)
            draft.outcomes.append(finding.search)
            if finding.answerable:
                draft.text += "\n\n" + composer.related_rule(finding, context.tools.cite)
        if topic.handoff:
            ticket = self.handoff(context, topic.reason)
            draft.outcomes.append(ticket)
            if ticket.ok:
                draft.handoff = ticket.value
                draft.intent = "handoff_request"
                draft.text += "\n\n" + composer.handoff_answer(ticket.value)
        return draft
