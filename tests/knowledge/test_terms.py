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


def test_how_people_ask_about_arbitration_reads_as_the_law_says_it() -> None:
    # 劳动争议调解仲裁法 says 时效 (第二十七条), 不收费 (第五十三条), 口头申请 (第二十八条).
    assert "时效" in expand_query("去年被开除了，现在还来得及申请劳动仲裁吗")
    assert "收费" in expand_query("想申请劳动仲裁，要交多少钱")
    assert "口头申请" in expand_query("仲裁申请书不会写，咋整")
    # 社会保险法第九十五条 and 第九十七条: 进城务工的农村居民, 外国人.
    assert "农村居民" in expand_query("农村户口的农民工不用交社保吗")
    assert "外国人" in expand_query("公司聘了外籍工程师要交社保吗")


def test_asking_to_be_paid_is_not_asking_what_it_costs() -> None:
    # "能要钱不" claims money (未休年休假工资报酬); "要钱吗" asks whether it costs.
    assert "收取" not in expand_query("去年年假公司一直说忙没让休 现在说过期作废了 能要钱不")
    assert "应休未休" in expand_query("去年年假公司一直说忙没让休 现在说过期作废了 能要钱不")
    assert "收取" in expand_query("残疾人坐公交要钱吗")
