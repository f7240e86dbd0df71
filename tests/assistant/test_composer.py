"""The decisive sentence of a passage, as the offline composer quotes it."""

from __future__ import annotations

from assistant.composer import decisive_sentence, questions_to_ask
from knowledge.policies.models import Citation
from knowledge.rules.models import MissingFact


def citation(quote: str) -> Citation:
    return Citation(
        doc_id="d",
        title="失业保险金怎么领：政策解读",
        region="000000",
        source="s",
        quote=quote,
        start=0,
        end=len(quote),
        chunk_id="c",
    )


TABLE = """最长能领多久，看累计缴费的年限：

| 累计缴费时间 | 最长领取期限 | 依据 |
|---|---|---|
| 满一年不足五年 | 十二个月 | 《中华人民共和国社会保险法》第四十六条 |
| 十年以上 | 二十四个月 | 《中华人民共和国社会保险法》第四十六条 |

领取期限从办理失业登记之日起计算（《中华人民共和国社会保险法》第五十条第三款）。"""


def test_a_lead_in_is_quoted_with_its_table_and_the_table_names_the_source() -> None:
    sentence, basis = decisive_sentence("失业保险金最长能领多久", citation(TABLE))
    assert basis == "《中华人民共和国社会保险法》第四十六条"
    assert "满一年不足五年，十二个月" in sentence and "十年以上，二十四个月" in sentence
    assert "《" not in sentence  # inline sources go to the basis, not the quote
    assert "失业登记之日" not in sentence  # the paragraph after the table is not merged


def test_an_inline_source_becomes_the_basis() -> None:
    last_paragraph = TABLE.splitlines()[-1]
    sentence, basis = decisive_sentence("领取期限从哪天算", citation(last_paragraph))
    assert basis == "《中华人民共和国社会保险法》第五十条"
    assert sentence == "领取期限从办理失业登记之日起计算。"


def fact(name: str, kind: str) -> MissingFact:
    return MissingFact(name=name, label=name, question=name, type=kind)  # type: ignore[arg-type]


def test_two_questions_only_when_their_answers_cannot_be_confused() -> None:
    assert [q.name for q in questions_to_ask([fact("a", "float"), fact("b", "bool")])] == ["a", "b"]
    assert [q.name for q in questions_to_ask([fact("a", "bool"), fact("b", "bool")])] == ["a"]
    assert questions_to_ask([]) == []
