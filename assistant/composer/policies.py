"""Policy answers: the plain answer first, then the legal basis and the whole clause.

Everything said comes from the passages: the lead sentence is extracted from the clause
that answers (figures in Arabic numerals), the quote is that clause whole (a list with its
lead-in, a table with its header, "……" where part of a long article is left out), and the
legal basis named is the document the quoted words come from. An explainer's paraphrase is
attributed to the explainer, with the article it names shown as its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answering import PolicyFinding
from assistant.composer.sources import sources_text
from assistant.models import Role
from knowledge.policies.answers import PassageReading, lead_sentence
from knowledge.policies.models import Citation
from knowledge.policies.passages import plain_text

__all__ = ["basis_text", "policy_answer", "quote_text", "related_rule", "unsure_answer"]

Cite = Callable[[list[Citation]], list[int]]
#: The 款 and 项 after an article number: "第四十五条第（一）项" -> "第四十五条".
_CLAUSE_PART = re.compile(r"(?<=条)第.*$")
#: Documents whose own words are not the law: explainers and sample data.
_SAMPLE_MARK = "示例数据"


def quote_text(reading: PassageReading) -> str:
    """The clauses that answer, whole, as people read them; "……" where some are left out."""
    lines: list[str] = []
    for index in reading.quoted():
        if index is None:
            lines.append("……")
            continue
        segment = reading.segments[index].segment
        lines += [plain_text(line) for line in segment.lines if plain_text(line)]
    return "\n".join(lines)


#: The most articles named as an explainer's sources for the words quoted (a list of four
#: items may rest on four).
NAMED_SOURCES = 5


def basis_text(reading: PassageReading) -> str:
    """Where the quoted words come from: "《中华人民共和国社会保险法》第四十六条" for a law's
    article; for an explainer or guide, its title and section, and the articles it names."""
    citation = reading.citation
    if citation.article:
        return citation.label
    where = f"《{citation.title}》" + (f"（{citation.chapter}）" if citation.chapter else "")
    named: list[str] = []
    for index in reading.quoted():
        if index is not None:
            for source in reading.segments[index].segment.sources:
                # 第四十五条第（一）项 is part of 第四十五条: name the article once.
                article = _CLAUSE_PART.sub("", source)
                if article not in named:
                    named.append(article)
    if named:
        return f"{where}，其注明的依据是{'、'.join(named[:NAMED_SOURCES])}"
    return where


def _is_sample(citation: Citation) -> bool:
    return _SAMPLE_MARK in citation.title


def _part(reading: PassageReading, marker: int, *, first: bool) -> str:
    citation = reading.citation
    said = "依据" if citation.article else "出自"
    prefix = "" if first else ("另外，" if citation.article else "另见")
    text = f"{prefix}{said}{basis_text(reading)}：\n“{quote_text(reading)}”[{marker}]"
    if _is_sample(citation):
        text += "\n（示例数据，不是官方公布的数值。）"
    return text


def policy_answer(finding: PolicyFinding, cite: Cite, role: Role) -> str:
    """A grounded answer to a policy question the knowledge answers."""
    quoted = finding.quoted()
    listed = finding.related()
    markers = dict(zip((c.chunk_id for c in listed), cite(listed), strict=True))
    # The plain answer from the first passage quoted that states it: a law that says
    # 按比例 leaves the figure to its regulation, quoted beside it.
    lead = next((said for r in quoted if (said := lead_sentence(r))), None)
    parts = [_part(r, markers[r.citation.chunk_id], first=i == 0) for i, r in enumerate(quoted)]
    if role == "agent":
        suggestion = lead or plain_text(quoted[0].segments[quoted[0].best].segment.lines[0])
        lines = [f"建议答复：{suggestion}", "", "关键原文：", *parts]
    else:
        lines = [lead, "", *parts] if lead else parts
    return "\n".join(lines) + "\n\n" + sources_text(listed, [markers[c.chunk_id] for c in listed])


def related_rule(finding: PolicyFinding, cite: Cite) -> str:
    """The rule that bears on a situation, one line of basis and its clause quoted."""
    reading = finding.quoted()[0]
    marker = cite([reading.citation])[0]
    return "相关规定：" + _part(reading, marker, first=True).removeprefix("依据").removeprefix(
        "出自"
    )


def unsure_answer(*, offer_caseworker: bool = True) -> str:
    """The knowledge does not answer: say so plainly, and offer a caseworker."""
    text = "知识库里没有找到能回答这个问题的规定，这个问题我没有把握，不想给您不准确的信息。"
    if offer_caseworker:
        text += "您可以换个说法再问，或回复“转人工”，由工作人员为您解答。"
    return text
