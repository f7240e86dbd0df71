"""The outbound check: claims compared with the evidence by value, across written forms."""

from __future__ import annotations

import json

import pytest

from assistant.guardrails import (
    UngroundedClaim,
    factual_claims,
    remove_sentences,
    ungrounded_sentences,
)


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        # amounts
        ("每月1234元", ["1234元"]),
        ("1,234元", ["1234元"]),
        ("一千二百元", ["1200元"]),
        ("一千二百三十四元", ["1234元"]),
        ("壹仟贰佰元", ["1200元"]),
        ("1234.50元", ["1234.5元"]),
        ("6000-8000元/月", ["6000元", "8000元"]),
        ("6000元至8000元", ["6000元", "8000元"]),
        ("6-8千元", ["6000元", "8000元"]),
        ("1.5万", ["15000元"]),
        ("最高3万元", ["30000元"]),
        ("¥1,200", ["1200元"]),
        ("人民币500元", ["500元"]),
        ("５００元", ["500元"]),
        ("50块钱", ["50元"]),
        # durations and ages
        ("最长24个月", ["24个月"]),
        ("十二个月", ["12个月"]),
        ("二十四个月", ["24个月"]),
        ("3年", ["3年"]),
        ("两年", ["2年"]),
        ("3到6个月", ["3个月", "6个月"]),
        ("30天", ["30日"]),
        ("30日内", ["30日"]),
        ("15个工作日", ["15个工作日"]),
        ("2个星期", ["2周"]),
        ("8小时", ["8小时"]),
        ("年满16周岁", ["16岁"]),
        ("45岁以上", ["45岁"]),
        ("每5年调整一次", ["5年"]),
        # dates
        ("2024年7月1日", ["2024-07-01"]),
        ("2024-07-01", ["2024-07-01"]),
        ("2024/7/1", ["2024-07-01"]),
        ("二〇二四年七月一日", ["2024-07-01"]),
        ("2024年7月", ["2024-07"]),
        ("7月1日前", ["--07-01"]),
        ("每年7月", ["--07"]),
        ("2025年", ["2025年"]),
        # impossible dates stay as written, so only the same words can ground them
        ("2024年7月32日", ["2024年7月32日"]),
        ("2月30日", ["2月30日"]),
        # percentages
        ("50%", ["50%"]),
        ("５０％", ["50%"]),
        ("百分之五十", ["50%"]),
        ("百分之0.5", ["0.5%"]),
        ("万分之五", ["0.05%"]),
        ("5‰", ["0.5%"]),
        ("5%-10%", ["5%", "10%"]),
        # articles
        ("第四十六条", ["第四十六条"]),
        ("第46条", ["第四十六条"]),
        ("第 17 条第二款", ["第十七条"]),
        # several, in order, each once
        ("满1年不足5年的，最长12个月，每月1800元，满1年", ["1年", "5年", "12个月", "1800元"]),
    ],
)
def test_factual_claims(text: str, claims: list[str]) -> None:
    assert factual_claims(text) == claims


@pytest.mark.parametrize(
    "text",
    [
        "请拨打12333咨询",
        "详见【1】和[2]",
        "统一年度标准",
        "总有一天会找到工作",
        "第一年补贴",
        "第3年起",
        "1.5万人参加",
        "3万个岗位",
        "我们一块去",
        "万一失业了怎么办",
        "千万不要相信",
        "邮编450000",
        "三年级",
        "",
    ],
)
def test_not_claims(text: str) -> None:
    assert factual_claims(text) == []


@pytest.mark.parametrize(
    ("answer", "evidence"),
    [
        ("最长可领二十四个月。", "领取期限最长为24个月"),
        ("最长可领24个月。", "领取期限最长为二十四个月"),
        ("见第46条。", "第四十六条 失业人员……"),
        ("见第四十六条。", "依据第46条"),
        ("补贴1,234元。", "补贴标准为1234元"),
        ("补贴一千二百三十四元。", "补贴标准为1,234元"),
        ("补贴1234元。", "壹仟贰佰叁拾肆元"),
        ("自2024-07-01起施行。", "本办法自2024年7月1日起施行"),
        ("自2024年7月1日起施行。", '{"valid_from": "2024-07-01"}'),
        ("7月1日起施行。", "自2024年7月1日起施行"),
        ("2024年起施行。", "自2024年7月1日起施行"),
        ("补贴1.5万元。", "补贴15000元"),
        ("补贴15000元。", "补贴1.5万元"),
        ("30天内申请。", "30日内提出申请"),
        ("按百分之五十返还。", "返还比例为50%"),
        ("返还60%。", '{"refund_rate": 0.6}'),
        ("最长24个月。", '{"max_months": 24}'),
        ("每月1800元。", '{"monthly_amount_yuan": 1800}'),
        ("每月6000-8000元。", "薪资6000元至8000元"),
        ("年满16周岁。", "年满十六周岁的劳动者"),
        ("补贴1500元。", json.dumps({"title": "一次性补贴", "amount": "1500元/人"})),
        ("期限最长十二个月[1]。", "最长为12个月"),
    ],
)
def test_grounded_across_forms(answer: str, evidence: str) -> None:
    assert ungrounded_sentences(answer, [evidence]) == []


@pytest.mark.parametrize(
    ("answer", "evidence", "missing"),
    [
        ("最长25个月。", "最长为24个月", ("25个月",)),
        ("见第四十七条。", "第46条", ("第四十七条",)),
        ("补贴1235元。", "补贴1234元", ("1235元",)),
        ("自2024-07-02起。", "自2024年7月1日起", ("2024-07-02",)),
        ("返还51%。", "返还50%", ("51%",)),
        ("每月6000-9000元。", "6000-8000元", ("9000元",)),
        ("最长3年。", "最长3个月", ("3年",)),
        ("领取24个月。", "第二十四条", ("24个月",)),
        ("补贴3000元。", "", ("3000元",)),
        ("2月30日前申请。", "2月28日前申请", ("2月30日",)),
        ("补贴1.5万元，期限2年。", '{"amount": 15000}', ("2年",)),
    ],
)
def test_ungrounded(answer: str, evidence: str, missing: tuple[str, ...]) -> None:
    assert ungrounded_sentences(answer, [evidence]) == [UngroundedClaim(answer, missing)]


def test_sentences_are_cut_at_chinese_marks_and_line_breaks() -> None:
    answer = (
        "根据规定，您最长可领24个月[1]。每月1800元！另有补贴3000元？\n"
        "- 一次性补贴2000元；- 申请期限30日\n"
        "请拨打12333咨询。"
    )
    evidence = ["领取期限最长为24个月", json.dumps({"amount": 1800})]
    assert ungrounded_sentences(answer, evidence) == [
        UngroundedClaim("另有补贴3000元？", ("3000元",)),
        UngroundedClaim("- 一次性补贴2000元；", ("2000元",)),
        UngroundedClaim("- 申请期限30日", ("30日",)),
    ]


def test_evidence_is_searched_across_all_items() -> None:
    answer = "补贴1000元，期限6个月，依据第十条。"
    assert ungrounded_sentences(answer, ["1000元", "6个月", "第10条"]) == []
    assert ungrounded_sentences(answer, ["1000元", "6个月"]) == [
        UngroundedClaim(answer, ("第十条",))
    ]


def test_escaped_json_evidence_is_read() -> None:
    evidence = json.dumps({"passage": "最长为二十四个月"}, ensure_ascii=True)
    assert "\\u" in evidence
    assert ungrounded_sentences("最长24个月。", [evidence]) == []


def test_sentences_without_claims_are_never_reported() -> None:
    answer = "您好！请拨打12333，或到就近的服务网点咨询【1】。"
    assert ungrounded_sentences(answer, []) == []
    assert ungrounded_sentences("", ["24个月"]) == []


def test_remove_sentences() -> None:
    answer = "可领24个月[1]。另有补贴3000元。请拨打12333咨询。\n- 补贴2000元；\n- 就近办理。"
    removed = remove_sentences(answer, ["另有补贴3000元。", "- 补贴2000元；"])
    assert removed == "可领24个月[1]。请拨打12333咨询。\n- 就近办理。"


def test_remove_sentences_leaves_unknown_sentences_and_drops_empty_lines() -> None:
    answer = "第一句。\n\n第二句。\n第三句。"
    assert remove_sentences(answer, ["不存在。"]) == answer
    assert remove_sentences(answer, ["第二句。"]) == "第一句。\n\n第三句。"
    assert remove_sentences(answer, ["第一句。", "第二句。", "第三句。"]) == ""


def test_removing_the_ungrounded_sentences_leaves_a_grounded_answer() -> None:
    answer = (
        "您累计缴费满5年不足10年，最长可领十八个月【1】。标准为每月1800元。"
        "另外还能领3000元补贴。\n该办法自2024年7月1日起施行，依据第十七条。"
    )
    evidence = [
        "第十七条 满5年不足10年的，领取失业保险金的期限最长为18个月。",
        json.dumps({"amount_yuan": 1800, "valid_from": "2024-07-01"}),
    ]
    flagged = ungrounded_sentences(answer, evidence)
    assert [f.sentence for f in flagged] == ["另外还能领3000元补贴。"]
    cleaned = remove_sentences(answer, [f.sentence for f in flagged])
    assert "3000" not in cleaned and "十八个月" in cleaned and "第十七条" in cleaned
    assert ungrounded_sentences(cleaned, evidence) == []


@pytest.mark.parametrize(
    "canonical",
    [
        "1234元",
        "1234.5元",
        "15000元",
        "50%",
        "0.05%",
        "24个月",
        "3年",
        "30日",
        "15个工作日",
        "2周",
        "8小时",
        "16岁",
        "2024-07-01",
        "2024-07",
        "第四十六条",
    ],
)
def test_canonical_forms_read_back_as_themselves(canonical: str) -> None:
    """So a brain may quote a claim in canonical form and it is still grounded."""
    assert factual_claims(canonical) == [canonical]
    assert ungrounded_sentences(f"按规定是{canonical}。", [canonical]) == []
