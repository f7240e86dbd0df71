"""Loading documents of every supported format into structured plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from pypdf import PdfWriter

from knowledge.policies.errors import (
    DocumentLoadError,
    KnowledgeError,
    NoTextLayerError,
    UnsupportedFormatError,
)
from knowledge.policies.loaders import SUPPORTED_SUFFIXES, LoadedText, load_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
POLICY_PDF = FIXTURES / "policy_sample.pdf"

ARTICLE = "第一条 为了保障失业人员失业期间的基本生活，促进其再就业，制定本条例。"


# -- Markdown and plain text ---------------------------------------------------------


def test_markdown_is_returned_as_written(tmp_path: Path) -> None:
    source = tmp_path / "失业保险条例.md"
    source.write_text(f"# 失业保险条例\n\n## 第一章 总则\n\n{ARTICLE}\n", encoding="utf-8")
    assert load_text(source) == LoadedText(
        text=f"# 失业保险条例\n\n## 第一章 总则\n\n{ARTICLE}\n", format="markdown"
    )


def test_utf8_bom_is_dropped_and_line_endings_normalised(tmp_path: Path) -> None:
    source = tmp_path / "notice.txt"
    source.write_bytes("\ufeff关于做好就业工作的通知\r\n一、总体要求\r\n".encode())
    loaded = load_text(source)
    assert loaded.format == "text"
    assert loaded.text == "关于做好就业工作的通知\n一、总体要求\n"


def test_gb18030_text_is_decoded(tmp_path: Path) -> None:
    # Older government systems export GBK; GB18030 also covers rare characters (䶮).
    text = "郑州市失业保险条例\n第十四条 失业保险金按月发放，标准为最低工资的90%。䶮\n"
    source = tmp_path / "zhengzhou.txt"
    source.write_bytes(text.encode("gb18030"))
    assert load_text(source).text == text


def test_utf16_text_with_bom_is_decoded(tmp_path: Path) -> None:
    source = tmp_path / "notice.md"
    source.write_bytes("# 就业补贴\n".encode("utf-16"))
    assert load_text(source).text == "# 就业补贴\n"


def test_undecodable_text_is_a_load_error(tmp_path: Path) -> None:
    source = tmp_path / "broken.txt"
    source.write_bytes(b"\x80\x80\xff\xfe\x00garbage\xff")
    with pytest.raises(DocumentLoadError) as caught:
        load_text(source)
    assert "编码" in caught.value.reason
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


def test_suffixes_are_case_insensitive(tmp_path: Path) -> None:
    source = tmp_path / "README.MD"
    source.write_text("# 标题\n", encoding="utf-8")
    assert load_text(source).format == "markdown"


# -- HTML ----------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head>
<title>人社部网站 - 关于做好失业保险稳岗返还工作的通知</title>
<style>p { color: red; }</style>
<script>var tracker = "统计代码";</script>
</head><body>
<nav><a href="/">首页</a> &gt; <a href="/zc">政策法规</a></nav>
<div class="article">
  <h1>关于做好失业保险<span>稳岗返还</span>工作的通知</h1>
  <p class="docno">人社部发〔2024〕11号</p>
  <!-- 编辑：某某 -->
  <h2>一、返还对象</h2>
  <p>　　参保企业上年度未裁员或裁员率不高于
  全国城镇调查失业率控制目标。</p>
  <ul><li>大型企业按<b>30%</b>返还</li><li>中小微企业按60%返还</li></ul>
  <h3>（一）返还比例</h3>
  <table>
    <tr><th>企业类型</th><th>返还比例</th></tr>
    <tr><td>大型企业</td><td>30%</td></tr>
    <tr><td><p>中小微</p><p>企业</p></td><td>60%</td></tr>
  </table>
  <p>联系人：张三<br>电话：12333</p>
</div>
<script>document.write("广告");</script>
</body></html>
"""

PAGE_LINES = [
    "# 关于做好失业保险稳岗返还工作的通知",
    "人社部发〔2024〕11号",
    "## 一、返还对象",
    "参保企业上年度未裁员或裁员率不高于全国城镇调查失业率控制目标。",
    "大型企业按30%返还",
    "中小微企业按60%返还",
    "### （一）返还比例",
    "企业类型 | 返还比例",
    "大型企业 | 30%",
    "中小微 企业 | 60%",
    "联系人：张三",
    "电话：12333",
]


def test_html_keeps_structure_and_drops_page_furniture(tmp_path: Path) -> None:
    source = tmp_path / "notice.html"
    source.write_text(PAGE, encoding="utf-8")
    loaded = load_text(source)
    assert loaded.format == "html"
    assert loaded.text.splitlines() == PAGE_LINES
    for furniture in ("首页", "统计代码", "color", "编辑", "广告"):
        assert furniture not in loaded.text


def test_html_declared_gbk_charset_is_honoured(tmp_path: Path) -> None:
    source = tmp_path / "notice.htm"
    page = PAGE.replace(
        "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    )
    source.write_bytes(page.encode("gbk"))
    assert load_text(source).text.splitlines() == PAGE_LINES


def test_html_title_becomes_the_heading_when_the_page_has_no_h1(tmp_path: Path) -> None:
    source = tmp_path / "page.html"
    source.write_text(
        "<html><head><title>郑州市创业担保贷款实施办法</title></head>"
        "<body><div>第一条 为了支持创业……</div></body></html>",
        encoding="utf-8",
    )
    assert load_text(source).text == "# 郑州市创业担保贷款实施办法\n第一条 为了支持创业……"


# -- Word ----------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_tables_in_order(tmp_path: Path) -> None:
    document = Document()
    document.add_heading("河南省就业见习管理办法", level=0)
    document.add_paragraph("豫人社〔2023〕5号").alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_heading("第一章 总则", level=1)
    document.add_paragraph("第一条 为规范就业见习工作，制定本办法。")
    document.add_paragraph("")  # empty paragraphs are layout, not text
    document.add_heading("见习补贴标准", level=2)
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "对象"
    table.cell(0, 1).text = "补贴"
    table.cell(0, 2).text = "期限"
    table.cell(1, 0).text = "高校毕业生"
    table.cell(1, 1).text = "当地最低工资标准的70%"
    table.cell(1, 2).text = "3至12个月"
    merged = table.cell(2, 0).merge(table.cell(2, 2))
    merged.text = "见习期满留用率达50%以上的，补贴提高10个百分点"
    document.add_paragraph("第二条 本办法自2023年7月1日起施行。")
    source = tmp_path / "henan.docx"
    document.save(str(source))

    loaded = load_text(source)
    assert loaded.format == "docx"
    assert loaded.text.splitlines() == [
        "# 河南省就业见习管理办法",
        "豫人社〔2023〕5号",
        "# 第一章 总则",
        "第一条 为规范就业见习工作，制定本办法。",
        "## 见习补贴标准",
        "对象 | 补贴 | 期限",
        "高校毕业生 | 当地最低工资标准的70% | 3至12个月",
        "见习期满留用率达50%以上的，补贴提高10个百分点",
        "第二条 本办法自2023年7月1日起施行。",
    ]


def test_corrupt_docx_is_a_load_error(tmp_path: Path) -> None:
    source = tmp_path / "broken.docx"
    source.write_bytes(b"PK\x03\x04 this is not a zip package")
    with pytest.raises(DocumentLoadError) as caught:
        load_text(source)
    assert "Word" in caught.value.reason
    assert caught.value.__cause__ is not None


# -- PDF -----------------------------------------------------------------------------


def test_pdf_text_layer_pages_joined_by_newlines() -> None:
    loaded = load_text(POLICY_PDF)
    assert loaded.format == "pdf"
    assert loaded.text.splitlines() == [
        "失业保险条例（节选）",
        ARTICLE,
        "第十四条 具备下列条件的失业人员，可以领取失业保险金：",
        "（一）按照规定参加失业保险，所在单位和本人已按照规定履行缴费义务满一年的；",
    ]


def test_pdf_fixture_stays_small() -> None:
    assert POLICY_PDF.stat().st_size < 100_000


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # what a scan is, as far as text goes
    source = tmp_path / "scan.pdf"
    writer.write(source)
    with pytest.raises(NoTextLayerError) as caught:
        load_text(source)
    assert isinstance(caught.value, DocumentLoadError)
    assert "文字识别" in str(caught.value)
    assert caught.value.path == source


def test_password_protected_pdf_is_a_load_error(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=POLICY_PDF)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    source = tmp_path / "locked.pdf"
    writer.write(source)
    with pytest.raises(DocumentLoadError, match="已加密"):
        load_text(source)


def test_pdf_encrypted_only_against_editing_opens(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=POLICY_PDF)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    source = tmp_path / "restricted.pdf"
    writer.write(source)
    assert load_text(source).text == load_text(POLICY_PDF).text


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "空的"), (b"%PDF-1.4\n1 0 obj << /Type /Catalog", "PDF")],
)
def test_corrupt_pdf_is_a_load_error(tmp_path: Path, content: bytes, reason: str) -> None:
    source = tmp_path / "broken.pdf"
    source.write_bytes(content)
    with pytest.raises(DocumentLoadError) as caught:
        load_text(source)
    assert not isinstance(caught.value, NoTextLayerError)
    assert reason in caught.value.reason
    assert caught.value.__cause__ is not None


# -- what cannot be loaded -----------------------------------------------------------


def test_unknown_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    source = tmp_path / "old.doc"
    source.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnsupportedFormatError) as caught:
        load_text(source)
    error = caught.value
    assert isinstance(error, DocumentLoadError)
    assert error.suffix == ".doc"
    assert set(error.supported) == set(SUPPORTED_SUFFIXES)
    for suffix in (".md", ".txt", ".html", ".docx", ".pdf"):
        assert suffix in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError) as caught:
        load_text(tmp_path / "不存在.md")
    assert caught.value.reason == "文件不存在"
    assert str(caught.value) == f"无法读取 {tmp_path / '不存在.md'}：文件不存在"


def test_a_folder_is_not_a_document(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="文件夹"):
        load_text(tmp_path)


def test_every_load_failure_is_a_knowledge_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError):
        load_text(tmp_path / "x.xyz")


def test_supported_suffixes_are_lower_case_with_a_dot() -> None:
    assert all(s.startswith(".") and s == s.lower() for s in SUPPORTED_SUFFIXES)
    assert {".md", ".txt", ".html", ".htm", ".docx", ".pdf"} <= set(SUPPORTED_SUFFIXES)
