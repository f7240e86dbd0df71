"""Read a policy document of any supported format into plain text with its structure.

Policy documents reach a public employment service as Markdown (the laws corpus), plain
text (often GBK-encoded, from older systems), web pages saved from government sites, Word
files and PDFs. Chunking downstream splits on lines and Markdown headings, so every loader
writes one paragraph, list item or table row per line and headings as ``#`` lines.

Errors of the parsing libraries are translated here, at the edge, into
``DocumentLoadError`` and its subclasses with a reason a user can act on.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString
from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader
from pypdf.errors import (
    DependencyError,
    EmptyFileError,
    FileNotDecryptedError,
    PdfReadError,
    WrongPasswordError,
)

from knowledge.chinese import decode_text
from knowledge.policies.errors import (
    DocumentLoadError,
    KnowledgeError,
    NoTextLayerError,
    UnsupportedFormatError,
)

__all__ = ["SUPPORTED_SUFFIXES", "DocumentFormat", "LoadedText", "load_text"]

DocumentFormat = Literal["markdown", "text", "html", "docx", "pdf"]

SUPPORTED_SUFFIXES: Mapping[str, DocumentFormat] = MappingProxyType(
    {
        ".md": "markdown",
        ".markdown": "markdown",
        ".txt": "text",
        ".html": "html",
        ".htm": "html",
        ".docx": "docx",
        ".pdf": "pdf",
    }
)
"""Lower-case file suffix -> format. ``suffix in SUPPORTED_SUFFIXES`` is the check."""


@dataclass(frozen=True)
class LoadedText:
    """The text of one document and the format it was read from."""

    text: str
    format: DocumentFormat


def load_text(path: Path) -> LoadedText:
    """Read ``path`` and return its text; the format is chosen by the file suffix.

    Raises ``DocumentLoadError`` (missing, unreadable, corrupt or encrypted file),
    ``UnsupportedFormatError`` (unknown suffix) or ``NoTextLayerError`` (scanned PDF).
    """
    path = Path(path)
    if not path.exists():
        raise DocumentLoadError(path, "文件不存在")
    if path.is_dir():
        raise DocumentLoadError(path, "这是一个文件夹，不是文件")
    suffix = path.suffix.lower()
    fmt = SUPPORTED_SUFFIXES.get(suffix)
    if fmt is None:
        raise UnsupportedFormatError(path, suffix, SUPPORTED_SUFFIXES)
    if fmt in ("markdown", "text"):
        text = _decode(_read_bytes(path), path)
    elif fmt == "html":
        text = _html_text(_read_bytes(path), path)
    elif fmt == "docx":
        text = _docx_text(path)
    else:
        text = _pdf_text(path)
    return LoadedText(text=_normalize_newlines(text), format=fmt)


# -- plain text ----------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentLoadError(path, f"无法打开文件（{exc.strerror or exc}）") from exc


def _decode(data: bytes, path: Path) -> str:
    try:
        return decode_text(data)
    except UnicodeDecodeError as exc:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DocumentLoadError(path, "UTF-16 编码的文本已损坏") from exc
        raise DocumentLoadError(
            path, "无法识别文字编码（既不是 UTF-8，也不是 GB18030/GBK），请另存为 UTF-8"
        ) from exc


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- HTML ----------------------------------------------------------------------------

# Navigation, scripts and the like are page furniture, never policy text.
_HTML_DROP = frozenset({"script", "style", "nav", "noscript", "template", "iframe", "svg"})
_HTML_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "ul",
    }
)
_HEADING = re.compile(r"h([1-6])")
_CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
# Source HTML wraps long Chinese lines; a line break between two Chinese characters is not
# a word space (browsers drop it too), so it must not become one.
_CJK_WRAP = re.compile(rf"(?<={_CJK})[ \t\r\f\v]*\n\s*(?={_CJK})")
_SPACES = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", _CJK_WRAP.sub("", text)).strip()


class _HtmlLines:
    """Walks a parsed page in document order and collects one line per block."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._inline: list[str] = []

    def flush(self) -> None:
        text = _collapse("".join(self._inline))
        self._inline.clear()
        if text:
            self.lines.append(text)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                # Comments, doctypes, CDATA and processing instructions are not text.
                if not isinstance(child, PreformattedString):
                    self._inline.append(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name in _HTML_DROP:
            return
        if name == "br":
            self.flush()
        elif heading := _HEADING.fullmatch(name):
            self.flush()
            text = " ".join(_lines_of(tag))
            if text:
                self.lines.append(f"{'#' * int(heading.group(1))} {text}")
        elif name == "tr":
            self.flush()
            cells = [
                " ".join(_lines_of(cell)) for cell in tag.find_all(["td", "th"], recursive=False)
            ]
            if any(cells):
                self.lines.append(" | ".join(cells))
        elif name == "pre":
            self.flush()
            self.lines.extend(line.rstrip() for line in tag.get_text().splitlines() if line.strip())
        elif name in _HTML_BLOCKS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


def _lines_of(tag: Tag) -> list[str]:
    walker = _HtmlLines()
    walker.walk(tag)
    walker.flush()
    return walker.lines


def _html_text(data: bytes, path: Path) -> str:
    """Page text, one block per line, headings as Markdown.

    BeautifulSoup receives bytes so it can honour the page's declared charset (Chinese
    government sites still serve GBK).
    """
    try:
        soup = BeautifulSoup(data, "html.parser")
        root = soup.body or soup
        lines = _lines_of(root)
    except RecursionError as exc:
        raise DocumentLoadError(path, "网页结构嵌套过深，无法解析") from exc
    except Exception as exc:  # html.parser rarely fails; when it does the file is not HTML
        raise DocumentLoadError(path, f"无法解析网页（{_describe(exc)}）") from exc
    # Saved pages often carry the document title only in <title>; keep it as the heading
    # so metadata inference finds it.
    title = soup.title.get_text() if soup.title else ""
    if title.strip() and root.find("h1") is None:
        lines.insert(0, f"# {_collapse(title)}")
    return "\n".join(lines)


# -- Word ----------------------------------------------------------------------------

# Built-in styles are stored under English names even by Chinese Word ("heading 1");
# the Chinese names cover documents whose styles were renamed or created by WPS.
_DOCX_HEADING = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
_DOCX_TITLE = frozenset({"title", "标题"})


def _docx_text(path: Path) -> str:
    try:
        document = open_docx(str(path))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                line = _docx_paragraph(block)
                if line:
                    lines.append(line)
            elif isinstance(block, Table):
                lines.extend(_docx_table_rows(block))
    except Exception as exc:  # a damaged package can fail anywhere inside python-docx
        raise DocumentLoadError(path, f"不是有效的 Word（.docx）文件（{_describe(exc)}）") from exc
    return "\n".join(lines)


def _docx_paragraph(paragraph: Paragraph) -> str:
    text = _collapse(paragraph.text)
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.strip().lower() in _DOCX_TITLE:
        return f"# {text}"
    if heading := _DOCX_HEADING.fullmatch(style.strip()):
        return f"{'#' * min(int(heading.group(1)), 6)} {text}"
    return text


def _docx_table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; show it once.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(_collapse(cell.text))
        if any(cells):
            yield " | ".join(cells)


# -- PDF -----------------------------------------------------------------------------


def _pdf_text(path: Path) -> str:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # Many "encrypted" PDFs only restrict printing and open with an empty password.
            raise DocumentLoadError(path, "PDF 已加密，需要密码才能读取")
        pages = [(page.extract_text() or "").rstrip() for page in reader.pages]
    except KnowledgeError:
        raise
    except (FileNotDecryptedError, WrongPasswordError) as exc:
        raise DocumentLoadError(path, "PDF 已加密，需要密码才能读取") from exc
    except DependencyError as exc:
        raise DocumentLoadError(path, f"PDF 已加密，解密需要额外的库（{exc}）") from exc
    except EmptyFileError as exc:
        raise DocumentLoadError(path, "PDF 文件是空的") from exc
    except PdfReadError as exc:
        raise DocumentLoadError(path, f"PDF 文件已损坏（{_describe(exc)}）") from exc
    except Exception as exc:  # malformed PDFs make pypdf fail in many ways
        raise DocumentLoadError(path, f"PDF 文件无法解析（{_describe(exc)}）") from exc
    if not any(page.strip() for page in pages):
        raise NoTextLayerError(path)
    return "\n".join(pages)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
