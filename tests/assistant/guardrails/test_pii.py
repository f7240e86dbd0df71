"""Personal data masking: real check characters, computed here, not pasted."""

from __future__ import annotations

import pytest

from assistant.guardrails import MaskedText, mask_pii


def resident_id(body: str) -> str:
    """``body`` (17 digits) with its ISO 7064 MOD 11-2 check character, computed the
    recursive way rather than with GB 11643's weight table the code uses."""
    assert len(body) == 17 and body.isdigit()
    p = 0
    for ch in body:
        p = ((p + int(ch)) * 2) % 11
    return body + "0123456789X"[(12 - p) % 11]


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


def with_luhn(prefix: str) -> str:
    """``prefix`` completed with the one digit that makes it Luhn-valid."""
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def wrong_id(body: str) -> str:
    """``body`` with a check character that fails MOD 11-2 and also fails Luhn."""
    right = resident_id(body)[-1]
    return next(body + c for c in "0123456789" if c != right and not luhn_ok(body + c))


def spaced(number: str, groups: tuple[int, ...]) -> str:
    out, i = [], 0
    for size in groups:
        out.append(number[i : i + size])
        i += size
    return " ".join(out)


# Birth dates inside the IDs: 1949-12-31, 1990-02-28, 2000-02-29 (a leap day).
ID_A = resident_id("11010519491231002")
ID_B = resident_id("41010219900228123")
ID_C = resident_id("44030520000229567")
CARD_16 = with_luhn("622202123456789")
CARD_19 = with_luhn("621700123456789012")


def test_the_helpers_agree_with_published_examples() -> None:
    assert resident_id("11010519491231002") == "11010519491231002X"  # GB 11643-1999 example
    assert luhn_ok("4111111111111111")  # the well-known Visa test number
    assert not luhn_ok("4111111111111112")
    assert len(CARD_16) == 16 and len(CARD_19) == 19


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"我的身份证号是{ID_A}", "我的身份证号是[身份证号]"),
        (f"身份证{ID_A.lower()}。", "身份证[身份证号]。"),
        (f"{ID_B}", "[身份证号]"),
        (f"号码 {spaced(ID_C, (6, 8, 4))} 谢谢", "号码 [身份证号] 谢谢"),
        (
            f"证件：{ID_B.translate(str.maketrans('0123456789', '０１２３４５６７８９'))}",
            "证件：[身份证号]",
        ),
        ("老身份证410102900228123", "老身份证[身份证号]"),  # 15 digits, born 1990-02-28
    ],
)
def test_resident_ids_are_masked(text: str, expected: str) -> None:
    assert mask_pii(text) == MaskedText(expected, ("id_card",))


@pytest.mark.parametrize(
    "text",
    [
        f"身份证{wrong_id('11010519491231002')}",
        f"号码{wrong_id('41010219900228123')}",
        "老身份证410102901328123",  # 15 digits, month 13
        "老身份证410102900230123",  # 15 digits, 2月30日
        f"身份证{resident_id('11010519491331002')}",  # valid checksum, month 13
    ],
)
def test_numbers_that_only_look_like_ids_are_left(text: str) -> None:
    assert mask_pii(text) == MaskedText(text, ())


def test_an_18_digit_number_failing_the_id_check_but_passing_luhn_is_a_card() -> None:
    # A real birth date (1990-02-28) inside, so only the check character tells them apart.
    number = next(
        candidate
        for seq in range(100, 200)
        if (candidate := with_luhn(f"41010219900228{seq}")) != resident_id(candidate[:17])
    )
    assert luhn_ok(number)
    assert mask_pii(f"卡号{number}") == MaskedText("卡号[银行卡号]", ("bank_card",))


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "0086 13812345678",
        "19912345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_numbers_are_masked(number: str) -> None:
    assert mask_pii(f"联系电话：{number}。") == MaskedText("联系电话：[手机号]。", ("mobile",))


@pytest.mark.parametrize(
    "number",
    ["12812345678", "1381234567", "138123456789", "913812345678", "13812345678901"],
)
def test_digit_runs_that_are_not_mobiles_are_left(number: str) -> None:
    text = f"编号{number}"
    assert mask_pii(text) == MaskedText(text, ())


@pytest.mark.parametrize(
    "number",
    [
        "010-12345678",
        "0371-6588 1234",
        "021 12345678",
        "(010)12345678",
        "（0371）65881234",
        "010-12345678-801",
        "0755-12345678转123",
        "0371-6588123",
    ],
)
def test_landlines_are_masked(number: str) -> None:
    assert mask_pii(f"电话{number}，") == MaskedText("电话[电话]，", ("landline",))


@pytest.mark.parametrize(
    "number",
    [
        CARD_16,
        CARD_19,
        spaced(CARD_16, (4, 4, 4, 4)),
        spaced(CARD_19, (4, 4, 4, 4, 3)),
        spaced(CARD_19, (6, 13)),
    ],
)
def test_luhn_valid_cards_are_masked(number: str) -> None:
    assert mask_pii(f"工资卡{number}，") == MaskedText("工资卡[银行卡号]，", ("bank_card",))


@pytest.mark.parametrize(
    "number",
    [
        CARD_16[:-1] + str((int(CARD_16[-1]) + 1) % 10),
        CARD_19[:-1] + str((int(CARD_19[-1]) + 3) % 10),
    ],
)
def test_cards_failing_luhn_are_left(number: str) -> None:
    assert not luhn_ok(number)
    text = f"卡号{number}"
    assert mask_pii(text) == MaskedText(text, ())


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("邮箱zhang.san@example.com.cn", "邮箱[邮箱]", ("email",)),
        ("发到13812345678@163.com", "发到[邮箱]", ("email",)),
        ("hr_01+jobs@company-a.cn 联系", "[邮箱] 联系", ("email",)),
    ],
)
def test_emails_are_masked(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    assert mask_pii(text) == MaskedText(expected, kinds)


@pytest.mark.parametrize(
    "text",
    [
        "月薪6000元，试用期5500元",
        "6000-8000元/月",
        "2024-06-30前提交",
        "2024年6月30日",
        "20240630",
        "依据第四十六条和第46条",
        "2025年",
        "人社部发〔2025〕21号",
        "拨打12333、12345或12356",
        "当地0371-12333咨询",
        "客服热线400-810-8888",
        "800-820-8820",
        "补贴1500元/人，共15000元",
        "邮编450000",
        "失业保险金领取期限最长24个月",
    ],
)
def test_amounts_dates_articles_and_public_numbers_are_never_masked(text: str) -> None:
    assert mask_pii(text) == MaskedText(text, ())


def test_several_kinds_in_order_of_appearance() -> None:
    text = f"我叫张三，电话138 1234 5678，身份证{ID_A}，卡号{CARD_16}，邮箱a@b.cn，手机13912345678"
    masked = mask_pii(text)
    assert (
        masked.text
        == "我叫张三，电话[手机号]，身份证[身份证号]，卡号[银行卡号]，邮箱[邮箱]，手机[手机号]"
    )
    assert masked.kinds == ("mobile", "id_card", "bank_card", "email")


def test_the_rest_of_the_text_is_left_as_written() -> None:
    text = "ＡＢＣ，全角标点！电话：１３８１２３４５６７８。　月薪６０００元"
    assert mask_pii(text).text == "ＡＢＣ，全角标点！电话：[手机号]。　月薪６０００元"


def test_a_valid_id_inside_a_longer_digit_run_is_not_matched_partly() -> None:
    text = f"流水号9{ID_B}7"
    assert mask_pii(text) == MaskedText(text, ())


def test_clean_text_and_empty_text() -> None:
    assert mask_pii("失业保险金怎么领？") == MaskedText("失业保险金怎么领？", ())
    assert mask_pii("") == MaskedText("", ())


def test_keep_leaves_public_numbers_found_in_tool_results() -> None:
    text = "服务站电话 0371-60000101，您的手机 13812345678"
    masked = mask_pii(text, keep='{"phone": "0371-60000101"}')
    assert masked.text == "服务站电话 0371-60000101，您的手机 [手机号]"
    assert masked.kinds == ("mobile",)
