"""GB/T 2260 helpers: validation, hierarchy, names, and places found in titles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.policies.errors import InvalidRegionError, KnowledgeError
from knowledge.policies.models import NATIONAL
from knowledge.regions import (
    NATIONAL as REGIONS_NATIONAL,
)
from knowledge.regions import (
    ancestors,
    is_valid_region,
    level_of,
    region_from_text,
    region_mentions,
    region_name,
    validate_region,
    without_place_names,
)

# Every provincial-level division, with its capital (None for the municipalities, Hong
# Kong, Macao and Taiwan, whose capital is not a prefecture-level division in the table).
PROVINCES = {
    "110000": ("北京市", None),
    "120000": ("天津市", None),
    "130000": ("河北省", "130100"),
    "140000": ("山西省", "140100"),
    "150000": ("内蒙古自治区", "150100"),
    "210000": ("辽宁省", "210100"),
    "220000": ("吉林省", "220100"),
    "230000": ("黑龙江省", "230100"),
    "310000": ("上海市", None),
    "320000": ("江苏省", "320100"),
    "330000": ("浙江省", "330100"),
    "340000": ("安徽省", "340100"),
    "350000": ("福建省", "350100"),
    "360000": ("江西省", "360100"),
    "370000": ("山东省", "370100"),
    "410000": ("河南省", "410100"),
    "420000": ("湖北省", "420100"),
    "430000": ("湖南省", "430100"),
    "440000": ("广东省", "440100"),
    "450000": ("广西壮族自治区", "450100"),
    "460000": ("海南省", "460100"),
    "500000": ("重庆市", None),
    "510000": ("四川省", "510100"),
    "520000": ("贵州省", "520100"),
    "530000": ("云南省", "530100"),
    "540000": ("西藏自治区", "540100"),
    "610000": ("陕西省", "610100"),
    "620000": ("甘肃省", "620100"),
    "630000": ("青海省", "630100"),
    "640000": ("宁夏回族自治区", "640100"),
    "650000": ("新疆维吾尔自治区", "650100"),
    "710000": ("台湾省", None),
    "810000": ("香港特别行政区", None),
    "820000": ("澳门特别行政区", None),
}


def test_national_code_is_the_models_one() -> None:
    assert REGIONS_NATIONAL == NATIONAL == "000000"


@pytest.mark.parametrize("code", ["000000", "410000", "410100", "410102", "500243"])
def test_six_ascii_digits_are_valid(code: str) -> None:
    assert is_valid_region(code)
    assert validate_region(code) == code


@pytest.mark.parametrize(
    "code", ["", "41010", "4101000", "41010a", " 410100", "４１０１００", None, 410100, ["410100"]]
)
def test_anything_else_is_invalid(code: object) -> None:
    assert not is_valid_region(code)
    with pytest.raises(InvalidRegionError) as caught:
        validate_region(code)
    assert caught.value.code == code
    assert "6 位行政区划代码" in str(caught.value)


def test_invalid_region_error_is_a_knowledge_error_and_a_value_error() -> None:
    with pytest.raises(KnowledgeError):
        validate_region("abc")
    with pytest.raises(ValueError):
        validate_region("abc")


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("410102", ["000000", "410000", "410100", "410102"]),
        ("410100", ["000000", "410000", "410100"]),
        ("410000", ["000000", "410000"]),
        ("000000", ["000000"]),
        ("500240", ["000000", "500000", "500200", "500240"]),
    ],
)
def test_ancestors_list_national_first(code: str, chain: list[str]) -> None:
    assert ancestors(code) == chain


def test_ancestors_rejects_invalid_codes() -> None:
    with pytest.raises(InvalidRegionError):
        ancestors("4101")


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("000000", "national"),
        ("410000", "provincial"),
        ("110000", "provincial"),
        ("410100", "municipal"),
        ("419001", "county"),
        ("310115", "county"),
    ],
)
def test_level_of(code: str, level: str) -> None:
    assert level_of(code) == level


def test_region_names() -> None:
    assert region_name("000000") == "全国"
    assert region_name("410100") == "郑州市"
    assert region_name("440300") == "深圳市"
    assert region_name("371200") == "莱芜市"  # historic code still used by old regulations
    assert region_name("410199") is None


def test_table_has_every_provincial_level_division_and_capital() -> None:
    for code, (name, capital) in PROVINCES.items():
        assert region_name(code) == name
        assert region_from_text(name) == code
        if capital is not None:
            assert region_name(capital) is not None, code
            assert level_of(capital) == "municipal"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("郑州市失业保险条例", "410100"),
        ("郑州失业保险金怎么领", "410100"),
        ("河南省失业保险条例", "410000"),
        ("河南就业见习补贴", "410000"),
        ("青岛市专利保护规定", "370200"),
        ("深圳经济特区人工智能产业促进条例", "440300"),
        ("广州市幼儿园条例", "440100"),
        ("杭州城市大脑赋能城市治理促进条例", "330100"),
        ("宁波市专利管理条例", "330200"),
        ("济南市优化营商环境条例", "370100"),
        ("南京市就业促进条例", "320100"),
        ("苏州市灵活就业人员社保补贴", "320500"),
        ("内蒙古自治区就业促进条例", "150000"),
        ("新疆维吾尔自治区实施办法", "650000"),
        ("延边朝鲜族自治州条例", "222400"),
        ("景宁畲族自治县城市管理条例", "331127"),
        ("上海市促进浦东新区商事调解规定", "310115"),
        # The deepest division named wins; names are read leftmost-longest.
        ("山东省青岛前湾保税港区条例", "370200"),
        ("广东省中新广州知识城条例", "440100"),
        ("吉林省吉林市城市管理条例", "220200"),
        ("吉林省就业促进条例", "220000"),
        ("浙江西部山区就业帮扶", "330000"),
    ],
)
def test_region_from_text(text: str, code: str) -> None:
    assert region_from_text(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "失业保险条例",
        "中华人民共和国劳动合同法",
        "",
        "建筑日照时数计算规定",
        "长治久安",
        "市区停车",
    ],
)
def test_region_from_text_without_a_place(text: str) -> None:
    assert region_from_text(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("管城区有没有保洁的工作", "410104"),  # 管城回族区
        ("石柱县就业补贴", "500240"),  # 石柱土家族自治县
        ("彭水县的零工市场", "500243"),  # 彭水苗族土家族自治县
        ("景宁县", "331127"),  # 景宁畲族自治县, whose short name 景宁 the table lists
    ],
)
def test_county_names_with_an_ethnic_group_are_known_by_their_short_names(
    text: str, code: str
) -> None:
    assert region_from_text(text) == code


def test_region_mentions_give_every_place_with_its_span() -> None:
    assert region_mentions("郑州管城区和金水区的保洁") == [
        (0, 2, "410100"),
        (2, 5, "410104"),
        (6, 9, "410105"),
    ]
    assert region_mentions("有没有保洁的工作") == []


# The corpus gives these titles a region the title itself does not support.
_MANIFEST_QUIRKS = {"重庆市区县（自治县）人民代表大会常务委员会街道工作委员会工作条例"}


@pytest.mark.corpus
def test_every_local_title_in_the_corpus_maps_to_its_manifest_region(laws_cn: Path) -> None:
    rows = [
        json.loads(line) for line in (laws_cn / "manifest.jsonl").read_text("utf-8").splitlines()
    ]
    local = [row for row in rows if row["region"] != NATIONAL]
    assert len(local) > 1800
    wrong = [
        (row["title"], row["region"], region_from_text(row["title"]))
        for row in local
        if row["title"] not in _MANIFEST_QUIRKS
        and region_from_text(row["title"]) not in (None, row["region"])
    ]
    assert wrong == []
    found = sum(region_from_text(row["title"]) is not None for row in local)
    assert found / len(local) > 0.99
    # Every region the corpus uses has a name, except the 县 grouping of Chongqing.
    unnamed = {row["region"] for row in local if region_name(row["region"]) is None}
    assert unnamed == {"500200"}


def test_place_names_are_left_out_leftmost_longest() -> None:
    assert without_place_names("我在广州，失业保险金怎么申请") == "我在，失业保险金怎么申请"
    assert without_place_names("郑州市管城回族区的服务站") == "的服务站"
    assert without_place_names("浙江西部有什么补贴") == "西部有什么补贴"  # never 江西
    assert without_place_names("失业金怎么领") == "失业金怎么领"


def test_place_names_to_keep_stay() -> None:
    """The question read against passages leaves out only the places no passage names
    (assistant.answering): "广州的 领失业金期间…" over Guangdong's rules, where 广州 read as
    a topic the knowledge lacks; 青岛, named in 青岛市…条例, stays."""
    known = {"青岛", "广东"}.__contains__
    assert without_place_names("广州的 领失业金期间会不会给我停了", keep=known) == (
        "的 领失业金期间会不会给我停了"
    )
    assert without_place_names("青岛的，单位能辞退我吗", keep=known) == "青岛的，单位能辞退我吗"
    assert without_place_names("广东广州的失业金", keep=known) == "广东的失业金"
