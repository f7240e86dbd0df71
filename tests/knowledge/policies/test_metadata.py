"""Metadata inferred from a document's own text: title, dates, 文号, issuer, region."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.policies.manifest import read_manifest
from knowledge.policies.metadata import infer_metadata, parse_date
from knowledge.policies.models import NATIONAL

NOTICE = """人力资源社会保障部 教育部 财政部关于做好2025年高校毕业生等青年就业创业工作的通知
人社部发［2025］21号
各省、自治区、直辖市人力资源社会保障厅（局）、教育厅（教委）、财政厅（局）：
按照《国务院办公厅关于进一步优化调整稳就业政策措施的通知》（国办发〔2023〕11号）要求，现就有关事项通知如下。
一、……
本通知自2025年6月1日起施行。

人力资源社会保障部　教育部　财政部
2025年5月20日
"""


# -- parse_date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2025-06-01",
        "2025/6/1",
        "2025.6.1",
        "2025年6月1日",
        " 2025 年 6 月 1 日 ",
        "２０２５年６月１日",
        "二〇二五年六月一日",
        date(2025, 6, 1),
    ],
)
def test_parse_date_accepts_the_usual_forms(value: str | date) -> None:
    assert parse_date(value) == date(2025, 6, 1)


def test_parse_date_reads_chinese_tens() -> None:
    assert parse_date("二〇一〇年十月二十八日") == date(2010, 10, 28)
    assert parse_date("二〇二五年十二月三十一日") == date(2025, 12, 31)


@pytest.mark.parametrize("value", ["", "June 1, 2025", "2025-06", "20250601", "2025年6月"])
def test_parse_date_rejects_other_text_with_a_clear_message(value: str) -> None:
    with pytest.raises(ValueError, match="2025-06-01"):
        parse_date(value)


def test_parse_date_rejects_days_that_do_not_exist() -> None:
    with pytest.raises(ValueError, match="不存在"):
        parse_date("2025-02-30")


def test_parse_date_rejects_non_text() -> None:
    with pytest.raises(ValueError):
        parse_date(20250601)  # type: ignore[arg-type]


# -- a ministry notice ---------------------------------------------------------------


def test_notice_metadata() -> None:
    metadata = infer_metadata(NOTICE, Path("docs/notice.txt"))
    assert metadata.title == (
        "人力资源社会保障部 教育部 财政部关于做好2025年高校毕业生等青年就业创业工作的通知"
    )
    # The notice's own number, not the one it cites; ［］ normalised to 〔〕.
    assert metadata.doc_number == "人社部发〔2025〕21号"
    assert metadata.issuer == "人力资源社会保障部、教育部、财政部"
    assert metadata.valid_from == date(2025, 6, 1)
    assert metadata.region == NATIONAL
    assert metadata.level == "national"
    assert metadata.source == "docs/notice.txt"
    assert metadata.audience == "both"


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("财社〔2017〕164号", "财社〔2017〕164号"),
        ("财社[2017]164号", "财社〔2017〕164号"),
        ("财社［2017］164号", "财社〔2017〕164号"),
        ("财社（2017）164号", "财社〔2017〕164号"),
        ("财社【2017】164 号", "财社〔2017〕164号"),
        ("中华人民共和国国务院令第258号", "国务院令第258号"),
        ("国令第258号", "国令第258号"),
        ("国家市场监督管理总局令第45号", "国家市场监督管理总局令第45号"),
        ("中国人民银行令〔2021〕第3号", "中国人民银行令〔2021〕第3号"),
        ("海关总署第65号令", "海关总署第65号令"),
        (
            "中华人民共和国国务院、中华人民共和国中央军事委员会令第288号",
            "国务院、中央军事委员会令第288号",
        ),
    ],
)
def test_doc_number_forms(written: str, normalised: str) -> None:
    text = f"# 关于调整失业保险金标准的通知\n\n{written}\n\n一、各地要……\n"
    assert infer_metadata(text).doc_number == normalised


def test_doc_number_glued_to_a_date() -> None:
    text = "# 失业保险条例\n1999年1月22日中华人民共和国国务院令第258号发布\n"
    metadata = infer_metadata(text)
    assert metadata.doc_number == "国务院令第258号"
    assert metadata.issuer == "国务院"
    assert metadata.valid_from == date(1999, 1, 22)


def test_no_doc_number_when_none_is_written() -> None:
    assert infer_metadata("# 就业补贴指南\n\n高校毕业生可以申请……\n").doc_number is None


def test_issuer_named_by_a_label() -> None:
    text = "# 关于调整失业保险金标准的通知\n发文机关：河南省人力资源和社会保障厅\n"
    metadata = infer_metadata(text)
    assert metadata.issuer == "河南省人力资源和社会保障厅"
    assert metadata.region == "410000"


def test_issuer_unknown_is_none() -> None:
    assert infer_metadata("# 就业补贴指南\n\n高校毕业生可以申请……\n").issuer is None


# -- dates ---------------------------------------------------------------------------


def test_explicit_commencement_date_wins() -> None:
    text = (
        "# 中华人民共和国社会保险法\n\n"
        "2010年10月28日第十一届全国人民代表大会常务委员会第十七次会议通过\n"
        "自2011年7月1日起施行\n<!-- INFO END -->\n第一条 ……\n"
    )
    metadata = infer_metadata(text)
    assert metadata.valid_from == date(2011, 7, 1)
    assert metadata.issuer == "全国人民代表大会常务委员会"


def test_a_later_amendment_outdates_the_original_commencement_date() -> None:
    text = (
        "# 中华人民共和国劳动法\n\n"
        "1994年7月5日 第八届全国人民代表大会常务委员会第八次会议通过\n\n"
        "2018年12月29日 第十三届全国人民代表大会常务委员会第七次会议"
        "《关于修改〈中华人民共和国劳动法〉等七部法律的决定》第二次修正\n\n"
        "<!-- INFO END -->\n第一百零七条 本法自1995年1月1日起施行。\n"
    )
    assert infer_metadata(text).valid_from == date(2018, 12, 29)


def test_chinese_numeral_dates_in_the_header() -> None:
    text = "# 某某市就业促进条例\n二〇一〇年十月二十八日某某市人民代表大会常务委员会通过\n"
    assert infer_metadata(text).valid_from == date(2010, 10, 28)


def test_no_dates_no_valid_from() -> None:
    assert infer_metadata("# 就业补贴指南\n\n高校毕业生可以申请……\n").valid_from is None


def test_dates_deep_in_the_body_are_not_version_dates() -> None:
    body = "第一条 ……\n" * 300 + "2020年1月1日前已领取的，继续发放。\n"
    assert infer_metadata("# 某某办法\n" + body).valid_from is None


# -- title ---------------------------------------------------------------------------


def test_title_is_the_first_short_line_without_a_heading() -> None:
    text = "\n\n人社部发〔2025〕21号\n关于做好就业工作的通知\n各省……\n"
    assert infer_metadata(text).title == "关于做好就业工作的通知"


def test_chapter_headings_are_not_titles() -> None:
    text = "## 第一章 总则\n# 第一条 ……\n"
    assert infer_metadata(text, Path("kb/郑州市就业见习办法(2021-01-01).md")).title == (
        "郑州市就业见习办法"
    )


def test_title_falls_back_to_the_file_stem_without_its_version() -> None:
    assert infer_metadata("", Path("kb/失业保险条例(1999-01-22).md")).title == "失业保险条例"
    assert infer_metadata("").title is None


# -- region --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "region", "level"),
    [
        ("郑州市失业保险条例", "410100", "municipal"),
        ("河南省失业保险条例", "410000", "provincial"),
        ("深圳经济特区人才工作条例", "440300", "municipal"),
        ("失业保险条例", NATIONAL, "national"),
        # National documents naming a place stay national.
        ("中华人民共和国香港特别行政区基本法", NATIONAL, "national"),
        ("最高人民法院关于上海金融法院案件管辖的规定", NATIONAL, "national"),
        ("王某诉安徽省怀宁县国土资源局土地管理行政出让案", NATIONAL, "national"),
    ],
)
def test_region_from_the_title(title: str, region: str, level: str) -> None:
    metadata = infer_metadata(f"# {title}\n")
    assert (metadata.region, metadata.level) == (region, level)


def test_region_from_a_local_issuer_when_the_title_names_no_place() -> None:
    text = (
        "# 中关村国家自主创新示范区条例\n\n"
        "2010年12月23日 北京市第十三届人民代表大会常务委员会第二十二次会议通过\n"
    )
    metadata = infer_metadata(text)
    assert metadata.issuer == "北京市人民代表大会常务委员会"
    assert metadata.region == "110000"


# -- the real corpus -----------------------------------------------------------------


@pytest.mark.corpus
def test_unemployment_insurance_regulations(laws_cn: Path) -> None:
    path = laws_cn / "行政法规" / "失业保险条例(1999-01-22).md"
    metadata = infer_metadata(path.read_text(encoding="utf-8"), path)
    assert metadata.title == "失业保险条例"
    assert metadata.valid_from == date(1999, 1, 22)
    assert metadata.doc_number == "国务院令第258号"
    assert metadata.issuer == "国务院"
    assert metadata.region == NATIONAL
    assert metadata.level == "national"
    assert metadata.source == str(path)


@pytest.mark.corpus
def test_labour_contract_law_takes_its_amendment_date(laws_cn: Path) -> None:
    path = laws_cn / "社会法" / "劳动合同法(2012-12-28).md"
    metadata = infer_metadata(path.read_text(encoding="utf-8"), path)
    assert metadata.title == "中华人民共和国劳动合同法"
    assert metadata.valid_from == date(2012, 12, 28)
    assert metadata.issuer == "全国人民代表大会常务委员会"
    assert metadata.doc_number is None


@pytest.mark.corpus
def test_zhengzhou_unemployment_insurance_regulations(laws_cn: Path) -> None:
    path = laws_cn / "local/河南地方法规/地方性法规/河南/郑州市失业保险条例(2019-01-22).md"
    metadata = infer_metadata(path.read_text(encoding="utf-8"), path)
    assert metadata.title == "郑州市失业保险条例"
    assert metadata.region == "410100"
    assert metadata.level == "municipal"
    assert metadata.issuer == "郑州市人民代表大会常务委员会"
    assert metadata.valid_from is not None and metadata.valid_from.year >= 2012


@pytest.mark.corpus
def test_employment_documents_agree_with_the_manifest(laws_cn: Path) -> None:
    """Title and region inferred from the text match the manifest for all 78 documents."""
    entries = read_manifest(laws_cn / "manifest.jsonl", only=laws_cn / "employment.txt").entries
    assert len(entries) == 78
    disagreements = []
    for entry in entries:
        inferred = infer_metadata(entry.path.read_text(encoding="utf-8"), entry.path)
        if (inferred.title, inferred.region) != (entry.metadata.title, entry.metadata.region):
            disagreements.append((entry.key, inferred.title, inferred.region))
    assert disagreements == []
