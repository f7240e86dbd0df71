"""The knowledge base's error tree: shape, messages for users, attributes for code."""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import pytest

from knowledge.policies import errors
from knowledge.policies.errors import (
    DocumentLoadError,
    DocumentNotFoundError,
    IndexNotReadyError,
    InvalidRegionError,
    KnowledgeError,
    ManifestError,
    NoTextLayerError,
    UnsupportedFormatError,
)

EXAMPLES: list[KnowledgeError] = [
    KnowledgeError("知识库出错"),
    DocumentLoadError(Path("docs/a.pdf"), "PDF 文件已损坏"),
    UnsupportedFormatError("docs/a.doc", ".doc", [".md", ".pdf"]),
    NoTextLayerError("docs/scan.pdf"),
    ManifestError("kb/manifest.jsonl", 3, "缺少 path 字段"),
    ManifestError("kb/manifest.jsonl", None, "文件不存在"),
    InvalidRegionError("4101"),
    IndexNotReadyError(),
    IndexNotReadyError("向量库为空"),
    DocumentNotFoundError("doc-123"),
]


def test_all_lists_every_error_class() -> None:
    defined = {
        name
        for name, value in inspect.getmembers(errors, inspect.isclass)
        if issubclass(value, Exception) and value.__module__ == errors.__name__
    }
    assert defined == set(errors.__all__)


def test_the_tree() -> None:
    assert issubclass(DocumentLoadError, KnowledgeError)
    assert issubclass(UnsupportedFormatError, DocumentLoadError)
    assert issubclass(NoTextLayerError, DocumentLoadError)
    for leaf in (ManifestError, InvalidRegionError, IndexNotReadyError, DocumentNotFoundError):
        assert issubclass(leaf, KnowledgeError)
        assert not issubclass(leaf, DocumentLoadError)


def test_messages_are_chinese_and_attributes_are_kept() -> None:
    load = DocumentLoadError("docs/a.pdf", "PDF 文件已损坏")
    assert str(load) == "无法读取 docs/a.pdf：PDF 文件已损坏"
    assert load.path == Path("docs/a.pdf") and load.reason == "PDF 文件已损坏"

    unsupported = UnsupportedFormatError("a.doc", ".doc", [".md", ".pdf"])
    assert str(unsupported) == "无法读取 a.doc：不支持的文件格式 “.doc”，支持的格式：.md、.pdf"
    assert unsupported.suffix == ".doc" and unsupported.supported == (".md", ".pdf")

    assert "扫描件" in str(NoTextLayerError("scan.pdf"))
    assert (
        str(ManifestError("m.jsonl", 3, "缺少 path 字段")) == "清单 m.jsonl 第 3 行：缺少 path 字段"
    )
    assert str(ManifestError("m.jsonl", None, "文件不存在")) == "清单 m.jsonl：文件不存在"
    assert "4101" in str(InvalidRegionError("4101"))
    assert "尚未就绪" in str(IndexNotReadyError())
    assert str(IndexNotReadyError("向量库为空")).endswith("：向量库为空")
    assert str(DocumentNotFoundError("doc-123")) == "找不到文档 doc-123"
    assert DocumentNotFoundError("doc-123").doc_id == "doc-123"


def test_python_categories_are_kept_where_they_help() -> None:
    assert isinstance(InvalidRegionError("x"), ValueError)
    assert isinstance(DocumentNotFoundError("x"), LookupError)


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: f"{type(e).__name__}")
def test_errors_survive_pickling(error: KnowledgeError) -> None:
    # Worker processes hand errors back to the parent pickled.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
