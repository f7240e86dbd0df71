"""Every error the knowledge base raises, in one tree.

Callers catch ``KnowledgeError``; the subclasses say what went wrong so the assistant can
answer the user (messages are Chinese, meant to be shown) and code can react (attributes
keep the raw values)::

    KnowledgeError
    ├── DocumentLoadError(path, reason)        a document could not be read
    │   ├── UnsupportedFormatError(path, suffix, supported)
    │   └── NoTextLayerError(path)             a PDF with images only (a scan)
    ├── ManifestError(path, line_no, reason)   the manifest as a whole is unusable
    ├── InvalidRegionError(code)               not a 6-digit GB/T 2260 code
    ├── IndexNotReadyError(detail)             nothing has been indexed yet
    └── DocumentNotFoundError(doc_id)          no stored document with that id

Errors of the libraries underneath (pypdf, python-docx, BeautifulSoup, json) are
translated where they are called: ``raise DocumentLoadError(...) from exc``.

Each error passes its raw arguments to ``Exception`` (so ``args`` and pickling keep them)
and builds its message in ``__str__``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "DocumentLoadError",
    "DocumentNotFoundError",
    "IndexNotReadyError",
    "InvalidRegionError",
    "KnowledgeError",
    "ManifestError",
    "NoTextLayerError",
    "UnsupportedFormatError",
]


class KnowledgeError(Exception):
    """Root of the knowledge base's errors: the one class callers need to catch."""


class DocumentLoadError(KnowledgeError):
    """A document could not be read; ``reason`` says why in words a user understands."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"无法读取 {self.path}：{self.reason}"


class UnsupportedFormatError(DocumentLoadError):
    """The file's extension is not one the loaders understand."""

    def __init__(self, path: Path | str, suffix: str, supported: Iterable[str]) -> None:
        self.suffix = suffix
        self.supported = tuple(supported)
        shown = f"“{suffix}”" if suffix else "（无扩展名）"
        reason = f"不支持的文件格式 {shown}，支持的格式：{'、'.join(self.supported)}"
        super().__init__(path, reason)
        # Keep the constructor's own arguments so the error pickles and reprs faithfully.
        self.args = (path, suffix, self.supported)


class NoTextLayerError(DocumentLoadError):
    """A PDF whose pages carry no extractable text, typically a scanned paper document."""

    REASON = "PDF 没有文字层（可能是扫描件），请先做文字识别"

    def __init__(self, path: Path | str) -> None:
        super().__init__(path, self.REASON)
        self.args = (path,)


class ManifestError(KnowledgeError):
    """The manifest (or its ``--only`` list) cannot be used at all, e.g. it does not exist.

    Single bad lines are not errors: ``read_manifest`` reports them as problems and goes on.
    """

    def __init__(self, path: Path | str, line_no: int | None, reason: str) -> None:
        super().__init__(path, line_no, reason)
        self.path = Path(path)
        self.line_no = line_no
        self.reason = reason

    def __str__(self) -> str:
        where = f"清单 {self.path}"
        if self.line_no is not None:
            where += f" 第 {self.line_no} 行"
        return f"{where}：{self.reason}"


class InvalidRegionError(KnowledgeError, ValueError):
    """A region code that is not six digits (GB/T 2260; ``000000`` means national).

    Also a ``ValueError`` so validation code written against plain Python keeps working.
    """

    def __init__(self, code: object) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"“{self.code}” 不是 6 位行政区划代码（GB/T 2260，全国为 000000）"


class IndexNotReadyError(KnowledgeError):
    """A search was asked of a knowledge base that has not been built (or is being rebuilt)."""

    MESSAGE = "政策知识库尚未就绪，请先导入文档并建立索引"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.MESSAGE}：{self.detail}" if self.detail else self.MESSAGE


class DocumentNotFoundError(KnowledgeError, LookupError):
    """No stored document has this id (also a ``LookupError``, like a missing key)."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id)
        self.doc_id = doc_id

    def __str__(self) -> str:
        return f"找不到文档 {self.doc_id}"
