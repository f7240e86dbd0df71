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
