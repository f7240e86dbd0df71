"""Everyday words expand to the legal terms of the policy texts."""

from knowledge.chinese import tokenize
from knowledge.terms import expand_query, legal_terms


def test_colloquial_words_gain_their_legal_terms() -> None:
    expanded = expand_query("被公司辞退了能领失业金吗")
    assert expanded.startswith("被公司辞退了能领失业金吗")
    for term in ("解除劳动合同", "失业保险金", "用人单位"):
        assert term in expanded
    assert {"保险金", "劳动合同", "用人单位"} <= set(tokenize(expanded))


def test_a_query_in_legal_terms_is_left_alone() -> None:
    assert expand_query("劳动合同的订立") == "劳动合同的订立"


def test_the_table_is_well_formed() -> None:
    terms = legal_terms()
    assert len(terms) >= 30
    assert all(word and legal for word, legal in terms.items())
    lengths = [len(word) for word in terms]
    assert lengths == sorted(lengths, reverse=True)


def test_how_people_say_death_injury_on_the_way_and_fraud_reads_as_the_law_says_it() -> None:
    assert "死亡" in expand_query("我舅舅领失业金期间突发疾病去世了，家里人能领到什么钱吗")
    assert "上下班途中" in expand_query("下班路上骑电动车被车撞了算工伤吗")
    assert "交通事故" in expand_query("出了车祸还能认定工伤吗")
    assert "骗取" in expand_query("有人冒领失业金会怎么样")
