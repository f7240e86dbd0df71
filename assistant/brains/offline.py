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
from assistant.brains.calculator import (
    ASKS_WHICH,
    as_hire_facts,
    facts_in_words,
    policy_facts,
    policy_spoken_to,
)
from assistant.conversations import ConversationState
from assistant.guardrails.sensitive import SensitiveTopic, detect_sensitive
from assistant.models import BrainName, HandoffReason, Intent
from assistant.nlu import NLU, Understanding, states_job_wish
from assistant.nlu.models import VacancyQuery
from assistant.packages.profile import reconcile_facts
from assistant.packages.text import package_text
from assistant.prompts import reply
from assistant.tools import Toolbox, ToolOutcome
from knowledge.policies.models import Citation
from knowledge.policies.references import title_matches
from knowledge.regions import ancestors
from knowledge.rules.models import EligibilityResult, MissingFact, PolicyRule, ScreeningResult

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
_ASKS = re.compile(
    r"[吗么嘛呢?？]|[不没]\s*$|怎么|咋|如何|能不能|可不可以|能否|是否|是不是|算不算|会不会|该不该"
    r"|要不要|有没有|多少|多久|多长|几[天个年岁次倍]|哪"
)
#: Kinds of work a person may ask for.
_WORK = r"(?:工作|活儿?|岗位|职位|差事|班|兼职|全职|日结|零工|临时工|暑假工|寒假工|小时工|实习)"
#: Looking for work: a job wished for or asked after ("想找个保安的活", "有没有招电工的",
#: "有暑假工吗"). "找工作了" (found one) is not a wish.
_WANTS_WORK = re.compile(
    rf"(?:(?<![没未])找(?!到|着)|(?:想|要|帮我|给我|我在|正在|准备)找)[^,，。;；!！?？]{{0,12}}{_WORK}(?!了)"
    r"|想(?:做|干|当|去)|招聘|招人|招工|在招|招不招|应聘|求职"
    rf"|推荐[^,，。;；!！?？]{{0,6}}{_WORK}|(?:有没有|有什么|有啥|哪里有|哪有)[^,，。;；!！?？]{{0,12}}{_WORK}"
    rf"|有[^,，。;；!！?？]{{0,12}}{_WORK}(?:吗|么|没|不|呢|[?？]|$)"
    r"|招[^,，。;；!！?？]{0,6}(?:吗|么|不|没|的|[?？])|有没有招|有招"
    r"|(?:月薪|工资|薪资|底薪)[^,，。;；!！?？]{0,8}(?:以上|以下|起)的"
)
#: Words of a job search that also tell of one's work ("暑假工，合同写了试用期…",
#: "包吃住就给1200"): a search only when the message is not about one's rights.
_JOB_WORDS = re.compile(
    r"岗位|职位|兼职|全职|日结|零工|临时工|暑假工|寒假工|小时工|实习|包吃住|离家近"
)
#: A message that asks for a person (a complaint about our service included).
_ASKS_FOR_PERSON = re.compile(
    r"人工|真人|工作人员|客服|转接|负责人|专人|(?<![去向到])投诉(?:你们|你)"
)
#: Asking who answers: a person or a program.
_ASKS_WHO = re.compile(
    r"你是(?:不是)?(?:真人|真的人|人|机器人|AI|人工智能|程序|谁)(?!工作)"
    r"|(?:是|是不是)(?:真人|机器人|人工智能)(?:吗|啊|呀|么|[?？]|$)"
)
#: Asking for a number to call with a complaint or a question.
_ASKS_HOTLINE = re.compile(
    r"(?:投诉|举报|咨询|服务|人社|社保|劳动监察|维权)(?:的)?(?:电话|热线)(?:是|号码)?"
    r"(?:多少|几号|是什么|[?？]|吗|$)"
)
#: Asking for the nearest office, not which office the rules name.
_NEARBY = re.compile(
    r"附近|最近|离我|周边|家门口|怎么走|地址|电话|几点|开门|服务站|驿站|网点|零工市场|人才市场"
)
#: Asking where (an office, an address), not what the rules say.
#: (Read only where _NEARBY did not match: an address, a phone number are asked there.)
_PLACE = re.compile(r"在哪|哪里|哪儿|去哪|什么地方|哪个地方|哪个窗口")
#: Asking how to apply: the procedure, where, what to bring.
_PROCEDURE = re.compile(
    r"(?:怎么|如何|怎样|咋)(?:申请|申领|领取?|办理?|认定|登记)|流程|手续|(?:什么|哪些|啥)(?:材料|资料|证明|证件)"
    r"|(?:去|到|在)哪(?:里|儿)?(?:申请|领|办|登记|认定)"
)
#: What the person heard and asks to be confirmed ("听人说交一年能领仨月，是这样不").
_HEARSAY = re.compile(r"听说|听人说|有人说|别人说|是这样|真的吗|是真的")
#: The person asks about their own case ("我能领吗", "能领多少"): the calculator's question.
_OWN_CASE = re.compile(
    r"(?:能|可以|可不可以|能不能|能否)(?:领|拿|申请|享受|认定|算|办|贷|补)|符合|算不算|够不够|领多少|领多久|领几个月"
)
#: What the person would get themselves ("失业金一个月能领多少钱"), not the standard
#: the documents set ("一个月发多少").
_OWN_AMOUNT = re.compile(r"(?:我|俺|本人)?(?:能|可以|能够)(?:领|拿)(?:到)?多少")
#: The person presses for a figure the documents may not give ("直接说个数就行，说不准也
#:没关系"): none is made up.
_PRESSES_FOR_A_FIGURE = re.compile(
    r"(?:直接|随便|大概|估|猜)(?:说|给|报)?(?:一)?个(?:数|数字|大概)|说不准也没关系|不准也没关系"
)
#: Someone speaking for a unit that hired someone ("我们公司招了一个…", "我们厂新录用了").
_HIRES = re.compile(
    r"(?:我们|我司|咱们)(?:公司|单位|企业|厂子?|店|工厂|机构)?(?:今年|刚|新|最近)*(?:招|录用|聘用|聘请)(?:了|用了)"
)
#: A yes to an offer of a caseworker.
_ACCEPTS = re.compile(r"需要|要|好|好的|好吧|可以|行|嗯|是的|对|转吧|转人工吧|麻烦了|麻烦你了|谢谢")
#: Our replies' offer of a caseworker (prompts: sensitive topics, unsure answers).
_OFFER = re.compile(r"转人工|转接工作人员|为您转接")
#: "这不对" and the like, said of the profile just shown.
_CORRECTION = re.compile(r"不对|错了|不是这样|搞错|弄错|有误|改一下|更正")


def _knows_local_figures(rule: PolicyRule, region: str) -> bool:
    """Whether ``rule`` sets figures of its own for ``region`` or a region above it."""
    return any(rule.regions[code].parameters for code in ancestors(region) if code in rule.regions)


def _accepts(text: str) -> bool:
    """Whether ``text`` is only a yes ("需要", "好的。")."""
    return _ACCEPTS.fullmatch(text.strip(" 。.!！,，~～")) is not None


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
        state = context.state
        offered, state.offered_handoff = state.offered_handoff, False
        if offered and _accepts(context.text):
            # "需要" to "需要的话，我可以为您转接工作人员".
            draft = self._handoff_request(
                context, Understanding(intent="handoff_request", confidence=1.0)
            )
            draft.intent = "handoff_request"
            return draft
        draft = self._respond(context)
        state.offered_handoff = draft.handoff is None and _OFFER.search(draft.text) is not None
        if state.offered_handoff:
            # A yes to the offer hands off what was asked here, not the "需要".
            state.last_query = {**state.last_query, "offered_on": context.text}
        return draft

    def _respond(self, context: TurnContext) -> Draft:
        topic = detect_sensitive(context.text)
        if topic is not None:
            return self._sensitive(context, topic)
        if _ASKS_WHO.search(context.text):
            # "你是真人吗": who answers, not a request for a person.
            return Draft(reply("identity", context.turn.role), intent="greeting")
        if _ASKS_HOTLINE.search(context.text):
            # "投诉电话是多少": the number to call, not a complaint to us.
            return Draft(reply("hotlines"), intent="service_points")
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
            # "金水区的呢" right after a vacancy search narrows that search.
            searching="vacancies" in state.last_query,
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

        A careful caseworker's order: a question of what the rules say ("合法吗", "会怎么样",
        "找谁投诉", "是这样吗") is answered from the documents, whatever else the message
        mentions; the calculator checks a policy it knows, named or meant, when the person
        asks about their own case; a screen of every policy is only for "我能享受哪些补贴"
        kinds of requests; a vacancy search only for someone looking for work; a hand-off
        only for someone asking for a person; anything else that asks something is looked
        up in the documents, which say "没有找到" when they hold nothing on it.
        """
        intent = understanding.intent
        state = context.state
        text = context.text
        in_check = bool(state.pending) or state.active_policy is not None
        rule = self.toolbox.rules.rules.get(understanding.policy_id or "")
        asks = _ASKS.search(text) is not None
        rule_question = understanding.asks_rule
        if intent in ("eligibility_check", "provide_facts"):
            if in_check and intent == "provide_facts" and not (rule_question and asks):
                return intent
            if rule is not None:
                if context.turn.role == "employer" and rule.audience == "job_seeker":
                    return "policy_question"
                if _PROCEDURE.search(text) and not (_OWN_CASE.search(text) or understanding.facts):
                    # "失业金去哪申请": how to apply, not whether one qualifies. With facts
                    # of one's own ("我是今年的毕业生") the check runs, and says how to apply.
                    return "policy_question"
                if rule_question and (not _OWN_CASE.search(text) or _HEARSAY.search(text)):
                    # "失业金还能接着领吗", "听说交一年领三个月，是这样吗": the rule itself.
                    return "policy_question"
                return intent
            if understanding.asks_for_policies and not rule_question:
                return intent
            if intent == "eligibility_check":
                # "我能领多少" after "失业金怎么申请" checks that policy; "能不能直接走人",
                # "需要": a question of the rules or an answer to one, not a request to be
                # screened for benefits.
                topic = self._topic(context)
                return intent if topic and not rule_question else "policy_question"
            asks_us = (
                asks
                or rule_question
                or understanding.names_benefit
                or (understanding.rights and not understanding.facts)
            )
            # "试用期要半年，中不中": facts and a question of the rules.
            return "policy_question" if asks_us else intent
        if intent == "vacancy_search" and not in_check:
            narrowing = "vacancies" in state.last_query  # "要全职的，工资8000以上"
            if (_WANTS_WORK.search(text) or narrowing) and not rule_question:
                return intent
            if _JOB_WORDS.search(text) and not (rule_question or understanding.rights):
                return intent
            # A salary named without looking for work ("工资少了800"), or a question of the
            # rules about a job ("招聘写35岁以下，有规定管吗"), is a question about work.
            if asks or rule_question or understanding.rights:
                return "policy_question"
            return intent
        if intent == "handoff_request" and not _ASKS_FOR_PERSON.search(text):
            # "想去劳动监察投诉，还受不受理": a question about a complaint, not a request for
            # one of ours.
            if understanding.rights or rule_question or asks:
                return "policy_question"
            return intent
        if intent == "service_points" and not _NEARBY.search(text):
            # "北京就业困难人员认定去哪儿申请", "该找哪个部门", "去哪申请" after a check:
            # which office, by the rules; "怎么看一家中介是不是正规的" asks no place at all.
            topic = state.active_policy or state.last_query.get("policy")
            if understanding.policy_id or understanding.rights or rule_question or topic:
                return "policy_question"
            if asks and not _PLACE.search(text):
                return "policy_question"
            return intent
        if (
            intent == "policy_question"
            and state.active_policy is not None
            and not state.pending
            and understanding.policy_id in (None, state.active_policy)
            and _OWN_CASE.search(text)
            and not rule_question
        ):
            # "那每个月能补多少钱？" after a settled check: that policy's figure for this case.
            return "eligibility_check"
        if (
            intent == "policy_question"
            and rule is not None
            and not in_check
            and not rule_question
            and _OWN_AMOUNT.search(text)
            and _knows_local_figures(rule, context.tools.region)
            and not (context.turn.role == "employer" and rule.audience == "job_seeker")
        ):
            # "郑州失业金一个月能领多少钱" where the calculator holds 郑州's standard: it says
            # that figure and asks for what decides the rest. Elsewhere the documents say
            # how the standard is set.
            return "eligibility_check"
        # "乙肝携带者被拒绝录用": a question of rights the intent examples did not place.
        asks_us = understanding.rights or rule_question or (intent == "out_of_scope" and asks)
        unsure = understanding.confidence < _SURE_INTENT or intent == "out_of_scope"
        if intent in ("out_of_scope", "thanks", "greeting") and asks_us and unsure:
            return "policy_question"
        return intent

    def _asked(self, context: TurnContext) -> str:
        """What the person asked: this message, unless it only asks for a person ("转人工"),
        then the question or the check before it."""
        state = context.state
        if _accepts(context.text) and "offered_on" in state.last_query:
            # "需要" to an offer of a caseworker: the message the offer answered.
            return str(state.last_query["offered_on"])
        if not _ASKS_FOR_PERSON.search(context.text) or len(context.text) > 20:
            return context.text
        rules = self.toolbox.rules.rules
        if state.active_policy in rules:
            return f"能否享受{rules[state.active_policy].title}"
        return state.last_query.get("policy") or context.text

    def _own_facts(self, context: TurnContext, facts: dict[str, Any]) -> dict[str, Any]:
        """The facts to keep: a person's own; an employer's own and its hire's. What an
        employer says of a person (年龄, 离退休还有几年, 已认定为就业困难人员) is about the
        person it hires: kept as the hire's facts, which the employer-side policies need,
        never as the employer's. A hotline agent speaks for an employer when the caller
        speaks of a person hired. A job seeker's words are never an employer's facts."""
        rules = self.toolbox.rules
        role = context.turn.role
        if role == "job_seeker" and _HIRES.search(context.text):
            # "我们公司招了一个今年毕业的大学生": someone not known as an employer speaks
            # for one; what they say of the person hired is the hire's.
            role = "employer"
        active = rules.rules.get(context.state.active_policy or "")
        hiring = role == "employer" or (
            role == "agent"
            and (
                any(name.startswith("hire_") for name in facts)
                or (active is not None and active.audience == "employer")
            )
        )
        if hiring:
            facts = as_hire_facts(facts, rules.facts)
        if role == "employer":
            kept = rules.facts_of("employer")
            return {name: value for name, value in facts.items() if name in kept}
        if role == "job_seeker":
            employer_only = rules.facts_of("employer") - rules.facts_of("job_seeker")
            return {name: value for name, value in facts.items() if name not in employer_only}
        return facts

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
        rule = self.toolbox.rules.rules.get(understanding.policy_id or "")
        audience = context.tools.audience
        finding = answer_in_conversation(
            self.toolbox,
            context.text,
            context.tools,
            previous=context.state.last_query.get("policy"),
            names_policy=understanding.policy_id is not None,
            # "他们能领失业金吗" from an employer: a policy of another audience, read in
            # every document at once, not first in the employer's own.
            all_audiences=rule is not None and audience is not None and rule.audience != audience,
        )
        if not finding.answerable:
            if understanding.intent == "out_of_scope" and not (
                understanding.rights or understanding.asks_rule or understanding.names_benefit
            ):
                # Looked up in case the documents speak to it; they do not: out of scope.
                draft = self._fixed("out_of_scope")(context, understanding)
                draft.outcomes.append(finding.search)
                draft.intent = "out_of_scope"
                return draft
            return self._unanswered(context, understanding, finding)
        context.state.last_query = {"policy": finding.query}
        text = composer.policy_answer(finding, context.tools.cite, context.turn.role)
        answer = finding.answer
        if (
            _PRESSES_FOR_A_FIGURE.search(context.text)
            and finding.question.kinds
            and not (answer is not None and answer.gives_kind)
        ):
            # The documents give the rule, not the figure pressed for: say so first.
            text = reply("no_figure_made_up") + "\n\n" + text
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
        if understanding.consequential and not finding.unknown_topic:
            # A consequential question on a topic the knowledge has (but no answer to):
            # a caseworker should answer it. A topic it has never heard of ("火星移民补贴",
            # "装修的人工费") gets the offer only.
            ticket = self.handoff(context, "low_confidence")
            draft.outcomes.append(ticket)
            if ticket.ok:
                draft.handoff = ticket.value
                draft.text = composer.unsure_answer(offer_caseworker=False)
                draft.text += "\n\n" + reply("low_confidence_handoff", ticket=ticket.value.id)
        return draft

    def _eligibility(self, context: TurnContext, understanding: Understanding) -> Draft:
        state = context.state
        rules = self.toolbox.rules.rules
        named = understanding.policy_id if understanding.policy_id in rules else None
        # A policy named inside a fact ("认定过就业困难人员", "在领失业金") is said of the
        # person; it is not a request to check that policy.
        asked = None if understanding.policy_in_facts else named
        said = self._own_facts(context, understanding.facts)
        # "我能享受哪些补贴": a screen; "我能领多少钱" after a question on one policy: that one.
        screen = understanding.asks_for_policies and (
            ASKS_WHICH.search(context.text) is not None
            or not (state.active_policy or self._topic(context))
        )
        if understanding.intent == "eligibility_check":
            if named is None and screen:
                state.active_policy = None
            else:
                # A policy named only inside a fact ("在领失业金") does not replace the one
                # being checked.
                state.active_policy = asked or state.active_policy or named or self._topic(context)
        elif asked is not None and asked != state.active_policy:
            # A policy named or meant ("交了7年…失业金最多能领多久", "打零工自己交社保，这个
            # 有补贴没"): check that policy with every fact the message gives.
            state.active_policy = asked
        elif named is not None and state.active_policy is None:
            state.active_policy = named
        elif not said and state.pending:
            return self._ask_again(context)
        elif not said and state.active_policy is None:
            return self._fixed("out_of_scope")(context, understanding)
        if named is None and not screen:
            self._follow_the_facts(context, said)
        inferred = self._complete_facts(context, understanding, said)
        arguments: dict[str, Any] = {}
        if state.active_policy:
            arguments["policy_id"] = state.active_policy
            # Follow-up questions ("去哪办", "要带什么") are read with the policy checked.
            state.last_query = {"policy": rules[state.active_policy].title}
        check = self.toolbox.call("check_eligibility", arguments, context.tools)
        if not check.ok:
            return Draft(str(check.call.error), outcomes=[check], answered=False)
        role = context.turn.role
        if isinstance(check.value, EligibilityResult):
            text, questions = composer.eligibility_answer(
                check.value,
                role,
                vocabulary=self.toolbox.rules.facts,
                inferred=inferred,
                said=said.keys(),
            )
        else:
            assert isinstance(check.value, ScreeningResult)
            text, questions = composer.screening_answer(check.value, role)
        state.pending = [q.name for q in questions]
        draft = Draft(text, intent="eligibility_check", outcomes=[check], questions=questions)
        if isinstance(check.value, EligibilityResult) and not questions:
            self._attach_sources(context, draft, check.value)
        return draft

    def _follow_the_facts(self, context: TurnContext, said: dict[str, Any]) -> None:
        """Facts given without a policy named speak to the policy that asks about most of
        them: after a screen ("被裁了，还没找到工作" -> 失业保险金), or after a settled check
        when they are about another policy ("还有一个是认定过的就业困难人员，合同签了" ->
        社会保险补贴). An answer to the question just asked stays with its policy."""
        state = context.state
        engine = self.toolbox.rules
        audience = context.tools.audience
        candidates = {
            pid: rule
            for pid, rule in engine.rules.items()
            if audience is None or rule.audience == audience
        }
        if state.active_policy is None:
            topic = self._topic(context)
            if topic in candidates and set(said) & policy_facts(candidates[topic]):
                state.active_policy = topic
            else:
                state.active_policy = policy_spoken_to(said, candidates)
        elif not set(said) & set(state.pending):
            other = policy_spoken_to(said, candidates, than=state.active_policy)
            if other is not None:
                state.active_policy = other

    def _complete_facts(
        self, context: TurnContext, understanding: Understanding, said: dict[str, Any]
    ) -> dict[str, tuple[str, Any]]:
        """Fills in the facts that the known ones settle for the policy being checked, and
        returns what was inferred this turn with the words it rests on, to be said back so
        the person can correct it; drops earlier inferences a new fact contradicts."""
        state = context.state
        engine = self.toolbox.rules
        completion = engine.complete(
            state.facts,
            on_date=context.tools.on_date,
            speaker=context.turn.role,
            keep=said.keys(),
        )
        rule = engine.rules.get(state.active_policy or "")
        for name in completion.withdrawn:
            state.facts.pop(name, None)
        said_back: dict[str, tuple[str, Any]] = {
            name: (words, state.facts[name])
            for name, words in understanding.inferred.items()
            if name in said and name in state.facts
        }
        if rule is None:
            return said_back  # a screen: nothing inferred for policies not yet asked about
        for name, basis in completion.added.items():
            if name not in policy_facts(rule):
                continue
            state.facts[name] = completion.facts[name]
            words = facts_in_words(basis, completion.facts, engine.facts)
            said_back[name] = (words, completion.facts[name])
        return said_back

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
        """A settled check also cites the passages it rests on: the articles of the
        conditions not met (主动辞职 -> 社会保险法第四十五条) or of the figures stated, when
        the knowledge base holds them; otherwise its passages on the policy."""
        failed = [t.source for t in result.trace if t.outcome == "not_met"]
        basis = failed or [o.source for o in result.outputs]
        cited: list[Citation] = []
        for source in dict.fromkeys(s for s in basis if s.article and not s.sample):
            search = self.toolbox.call(
                "search_policies", {"query": source.label, "k": 1}, context.tools, cite=False
            )
            draft.outcomes.append(search)
            cited += [
                c
                for c in search.value or []
                if c.article == source.article
                and title_matches(source.document, c.title)
                and c.chunk_id not in {d.chunk_id for d in cited}
            ]
            if len(cited) >= 2:
                break
        if not cited:
            labels = [o.label for o in result.outputs] or [t.label for t in result.trace[:2]]
            search = self.toolbox.call(
                "search_policies",
                {"query": " ".join([result.title, *labels]), "k": 2},
                context.tools,
            )
            draft.outcomes.append(search)
            cited = search.value or []
        if cited:
            markers = context.tools.cite(cited)
            draft.text += "\n\n" + composer.sources_text(cited, markers)

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

    def _service_points(self, context: TurnContext, understanding: Understanding) -> Draft:
        # The kind of point and the day asked about ("附近有没有零工市场", "周末哪个开门").
        asked = understanding.points or self.nlu.point_query(
            context.text, today=context.tools.on_date
        )
        search = self.toolbox.call(
            "find_service_points", asked.model_dump(exclude_defaults=True), context.tools
        )
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
        if not topic.handoff:
            # A situation that needs care but no caseworker at once ("公司说早发了，工资表
            # 在公司手里，我怎么证明", "乙肝携带者被拒绝录用"): the rule that speaks to the
            # message itself, before the topic's usual one.
            finding = find_policy_answer(self.toolbox, context.text, context.tools)
            if finding.answerable:
                context.state.last_query = {"policy": finding.query}
                if _ASKS.search(context.text):
                    # A question is answered first; what to do about the situation follows.
                    answer = composer.policy_answer(finding, context.tools.cite, context.turn.role)
                    text = f"{answer}\n\n{topic.reply}"
                else:
                    text = f"{topic.reply}\n\n{composer.related_rule(finding, context.tools.cite)}"
                return Draft(
                    text,
                    intent="policy_question",
                    outcomes=[finding.search],
                    confidence=finding.confidence,
                )
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
