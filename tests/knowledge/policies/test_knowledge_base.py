"""End-to-end behaviour of the knowledge base on a real SQLite + Chroma store on disk."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from connectors.database import Database
from knowledge.policies.knowledge_base import KnowledgeBase
from knowledge.policies.retriever import GUIDE_SECTIONS
from tests.conftest import FIXTURES, MemoEmbedder, make_knowledge_base

KB_FIXTURES = FIXTURES / "kb"
DAY = date(2025, 6, 1)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the fixture documents, so tests can edit and delete files."""
    target = tmp_path / "corpus"
    shutil.copytree(KB_FIXTURES, target)
    return target


@pytest.fixture
def loaded(knowledge_base: KnowledgeBase, corpus: Path) -> KnowledgeBase:
    report = knowledge_base.ingest_manifest(corpus / "manifest.jsonl")
    assert not report.problems, report.problems
    assert len(report.added) == 7
    return knowledge_base


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def titles(citations: list) -> list[str]:
    return [c.title for c in citations]


def test_citations_carry_document_article_validity_and_exact_offsets(loaded: KnowledgeBase) -> None:
    hits = loaded.search("失业保障金的领取期限最长是多少个月", region="410100", on_date=DAY, k=3)
    assert hits, "expected at least one passage"
    top = hits[0]
    assert top.title == "测试失业保障条例"
    assert top.article == "第四条" and top.article_no == 4
    assert top.chapter == "第二章 待遇"
    assert top.region == "000000"
    assert top.valid_from == date(2020, 1, 1) and top.valid_to is None
    assert top.doc_number == "测试部令第1号"
    source_text = loaded.store.document_text(top.doc_id)
    assert source_text is not None
    assert source_text[top.start : top.end] == top.quote
    assert top.quote.startswith("第四条")


def test_region_filter_shows_national_province_and_city_but_never_another_province(
    loaded: KnowledgeBase,
) -> None:
    zhengzhou = loaded.search("就业见习补贴标准每月多少", region="410100", on_date=DAY, k=10)
    seen = set(titles(zhengzhou))
    assert "测试河南省就业见习办法" in seen
    assert "测试广东省就业见习办法" not in seen
    assert {c.region for c in zhengzhou} <= {"000000", "410000", "410100"}

    guangzhou = loaded.search("就业见习补贴标准每月多少", region="440100", on_date=DAY, k=10)
    assert "测试广东省就业见习办法" in titles(guangzhou)
    assert not {"410000", "410100"} & {c.region for c in guangzhou}

    national = loaded.search("创业补贴", region="000000", on_date=DAY, k=10)
    assert all(c.region == "000000" for c in national)


def test_only_the_version_in_force_on_the_day_is_returned(loaded: KnowledgeBase) -> None:
    current = loaded.search("郑州见习补贴标准", region="410100", on_date=DAY, k=10)
    versions = [c for c in current if c.title == "测试郑州市见习补贴标准"]
    assert [c.quote for c in versions] == ["第一条 见习补贴标准为每人每月一千五百元。"]

    past = loaded.search("郑州见习补贴标准", region="410100", on_date=date(2023, 1, 1), k=10)
    versions = [c for c in past if c.title == "测试郑州市见习补贴标准"]
    assert [c.quote for c in versions] == ["第一条 见习补贴标准为每人每月八百元。"]
    assert versions[0].valid_to == date(2024, 7, 1)
    assert versions[0].superseded_by == "stipend-2024.md"

    history = loaded.search(
        "郑州见习补贴标准", region="410100", on_date=DAY, include_history=True, k=10
    )
    assert len([c for c in history if c.title == "测试郑州市见习补贴标准"]) == 2

    before_everything = loaded.search("失业保障金", region="000000", on_date=date(2019, 1, 1))
    assert before_everything == []


def test_audience_filter(loaded: KnowledgeBase) -> None:
    employer = loaded.search(
        "社会保险补贴", region="410100", on_date=DAY, audience="employer", k=10
    )
    assert "测试用人单位社保补贴申领指南" in titles(employer)
    assert "测试河南省就业见习办法" not in titles(employer)  # job seekers only
    seeker = loaded.search(
        "社会保险补贴", region="410100", on_date=DAY, audience="job_seeker", k=10
    )
    assert "测试用人单位社保补贴申领指南" not in titles(seeker)


def test_a_named_article_comes_first(loaded: KnowledgeBase) -> None:
    for query in (
        "测试失业保障条例第三条",
        "《测试失业保障条例》第3条讲的什么",
        "失业保障条例第三条",
    ):
        hits = loaded.search(query, region="410100", on_date=DAY, k=3)
        assert hits[0].title == "测试失业保障条例", query
        assert hits[0].article_no == 3, query
        assert "（三）已经进行失业登记" in hits[0].quote


def test_lexical_and_dense_modes_each_work_alone(loaded: KnowledgeBase) -> None:
    for mode in ("lexical", "dense"):
        hits = loaded.search(
            "首次创办小微企业的一次性创业补贴", region="410100", on_date=DAY, k=3, mode=mode
        )
        assert hits and hits[0].title == "测试郑州市创业补贴实施细则", mode


def test_reingesting_unchanged_files_does_nothing(
    loaded: KnowledgeBase, corpus: Path, embedder: MemoEmbedder
) -> None:
    before = loaded.store.counts()
    vectors_before = loaded.vectors.count()
    report = loaded.ingest_manifest(corpus / "manifest.jsonl")
    assert len(report.unchanged) == 7
    assert not (report.added or report.updated or report.metadata_updated)
    assert report.chunks_written == 0
    assert loaded.store.counts() == before
    assert loaded.vectors.count() == vectors_before


def test_a_changed_file_replaces_its_chunks_and_reuses_cached_embeddings(
    loaded: KnowledgeBase, corpus: Path
) -> None:
    edit(
        corpus / "national.md",
        "第五条 用人单位招用高校毕业生的，可以申请一次性吸纳就业补助。",
        "第五条 用人单位招用登记失业青年的，可以申请一次性扩岗补助。",
    )
    misses_before = loaded.embedder.misses
    report = loaded.ingest_manifest(corpus / "manifest.jsonl")
    assert len(report.updated) == 1 and len(report.unchanged) == 6
    # Only the edited article is new text; every other chunk comes from the cache.
    assert loaded.embedder.misses - misses_before == 1
    hits = loaded.search("招用登记失业青年 扩岗补助", region="000000", on_date=DAY, k=1)
    assert hits[0].article_no == 5 and "扩岗补助" in hits[0].quote
    old = loaded.search("吸纳就业补助 高校毕业生", region="000000", on_date=DAY, k=10)
    assert all("吸纳就业补助" not in c.quote for c in old)
    doc_id = hits[0].doc_id
    assert len(loaded.store.document_chunks(doc_id)) == loaded.vectors.count() - sum(
        len(loaded.store.document_chunks(d.id)) for d in loaded.documents() if d.id != doc_id
    )


def test_prune_drops_documents_whose_file_was_removed(loaded: KnowledgeBase, corpus: Path) -> None:
    (corpus / "guangdong.md").unlink()
    report = loaded.prune()
    assert len(report.removed) == 1
    assert "测试广东省就业见习办法" not in [d.title for d in loaded.documents()]
    left = loaded.search("见习补贴 二千元", region="440000", on_date=DAY, k=10)
    assert left and all(c.region == "000000" for c in left)
    docs, chunks = loaded.store.counts()
    assert docs == 6 and loaded.vectors.count() == chunks


def test_malformed_manifest_lines_are_reported_and_the_rest_ingests(
    knowledge_base: KnowledgeBase, corpus: Path
) -> None:
    lines = (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    lines.insert(1, "{not json")
    lines.insert(3, '{"path": "missing.md", "title": "不存在的文件"}')
    (corpus / "bad.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = knowledge_base.ingest_manifest(corpus / "bad.jsonl")
    assert len(report.added) == 7
    assert len(report.problems) == 2
    assert report.problems[0].line_no == 2
    assert any("missing.md" in str(p) for p in report.problems)


def test_plain_files_get_inferred_metadata(knowledge_base: KnowledgeBase, corpus: Path) -> None:
    report = knowledge_base.ingest_paths([corpus / "zhengzhou.md", corpus / "national.md"])
    assert len(report.added) == 2
    by_title = {d.title: d for d in knowledge_base.documents()}
    assert by_title["测试郑州市创业补贴实施细则"].region == "410100"
    assert by_title["测试失业保障条例"].region == "000000"
    assert by_title["测试失业保障条例"].valid_from == date(2020, 1, 1)


def test_state_survives_reopening(
    loaded: KnowledgeBase, tmp_path: Path, embedder: MemoEmbedder
) -> None:
    reopened = make_knowledge_base(loaded.database, tmp_path, embedder)
    hits = reopened.search("失业保障金领取条件", region="410100", on_date=DAY, k=1)
    assert hits[0].article_no == 3


class RenamedEmbedder:
    """The same vectors under another model name: stands for switching embedding models."""

    def __init__(self, inner: MemoEmbedder) -> None:
        self.inner = inner
        self.name = "another-model"
        self.passages = 0

    def embed_passages(self, texts):
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_switching_the_embedding_model_re_embeds_into_its_own_collection(
    loaded: KnowledgeBase, tmp_path: Path, embedder: MemoEmbedder
) -> None:
    other = RenamedEmbedder(embedder)
    switched = make_knowledge_base(loaded.database, tmp_path, other)
    _, chunks = switched.store.counts()
    assert switched.vectors.count() == 0
    assert switched.sync_vectors() == chunks
    assert other.passages == chunks
    assert switched.vectors.count() == chunks
    assert switched.sync_vectors() == 0  # nothing left to do
    hits = switched.search("首次创办小微企业", region="410100", on_date=DAY, k=1, mode="dense")
    assert hits[0].title == "测试郑州市创业补贴实施细则"
    # The first model's collection is untouched.
    assert loaded.vectors.count() == chunks


def test_a_new_region_moves_the_vectors_to_the_new_partition(
    loaded: KnowledgeBase, corpus: Path
) -> None:
    manifest = corpus / "manifest.jsonl"
    edit(
        manifest,
        '"path": "guangdong.md", "title": "测试广东省就业见习办法", "region": "440000"',
        '"path": "guangdong.md", "title": "测试广东省就业见习办法", "region": "440100"',
    )
    vectors_before = loaded.vectors.count()
    report = loaded.ingest_manifest(manifest)
    assert len(report.metadata_updated) == 1 and report.chunks_written == 2
    assert loaded.vectors.count() == vectors_before
    for mode in ("dense", "lexical"):
        province = loaded.search("见习补贴 二千元", region="440000", on_date=DAY, k=10, mode=mode)
        assert "测试广东省就业见习办法" not in titles(province), mode
        city = loaded.search("见习补贴 二千元", region="440100", on_date=DAY, k=10, mode=mode)
        assert "测试广东省就业见习办法" in titles(city), mode


def test_dense_search_falls_back_to_filtering_when_excluded_versions_crowd_the_list(
    loaded: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    query = loaded.vectors.query

    def spy(vector, n, partitions, where=None):
        calls.append(where)
        return query(vector, n, partitions, where)

    monkeypatch.setattr(loaded.vectors, "query", spy)
    retriever = loaded.retriever
    monkeypatch.setattr(retriever, "candidates", 1)
    # The superseded 2020 version and the job-seeker-only Henan rule are both nearer than
    # anything an employer may see today; unfiltered, they fill the two fetched places.
    hits = loaded.search(
        "本省对参加就业见习的青年发放见习补贴，标准为每人每月八百元",
        region="410100",
        on_date=DAY,
        audience="employer",
        k=1,
        mode="dense",
    )
    assert len(calls) == 2 and calls[0] is None and calls[1] is not None
    assert hits and hits[0].title != "测试河南省就业见习办法"
    assert "八百元" not in hits[0].quote


def test_the_knowledge_base_works_on_both_databases(
    database: Database, tmp_path: Path, corpus: Path, embedder: MemoEmbedder
) -> None:
    kb = make_knowledge_base(database, tmp_path, embedder)
    assert len(kb.ingest_manifest(corpus / "manifest.jsonl").added) == 7
    assert len(kb.ingest_manifest(corpus / "manifest.jsonl").unchanged) == 7
    hits = kb.search("测试失业保障条例第四条", region="410100", on_date=DAY, k=1)
    assert (hits[0].article_no, hits[0].valid_from) == (4, date(2020, 1, 1))
    old = next(d for d in kb.documents() if d.valid_to)
    assert old.valid_to == date(2024, 7, 1) and old.superseded_by == "stipend-2024.md"


GUIDE = "# 测试加班费攻略\n\n" + "\n\n".join(
    f"## {heading}\n\n{body}"
    for heading, body in [
        ("标准工时制", "工作日加班的，加班费按不低于本人小时工资的150%支付，公司不得拒付加班费。"),
        ("综合工时制", "综合工时制下超过法定标准工作时间的部分，加班费按150%支付。"),
        ("休息日加班", "休息日加班又不能安排补休的，加班费按200%支付。"),
        ("法定节假日加班", "法定节假日加班的，加班费按300%支付，不能以补休代替加班费。"),
        ("加班费的证据", "要加班费，先收集考勤记录、加班审批单等加班费证据。"),
    ]
)
LAW = (
    "# 测试劳动法\n\n第四十四条 有下列情形之一的，用人单位应当按照下列标准支付高于劳动者"
    "正常工作时间工资的工资报酬：\n（一）安排劳动者延长工作时间的，支付不低于工资的百分之一百"
    "五十的工资报酬；\n（二）休息日安排劳动者工作又不能安排补休的，支付不低于工资的百分之二百"
    "的工资报酬。\n\n第四十五条 国家实行带薪年休假制度。\n"
)


def _ingest(
    knowledge_base: KnowledgeBase, folder: Path, documents: dict[str, tuple[str, str]]
) -> None:
    folder.mkdir()
    lines = []
    for name, (title, text) in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
        lines.append(
            f'{{"path": "{name}", "title": "{title}", "region": "000000", '
            f'"level": "national", "category": "其他", "valid_from": "2020-01-01"}}'
        )
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = knowledge_base.ingest_manifest(folder / "manifest.jsonl")
    assert not report.problems, report.problems


def test_a_guide_whose_every_section_reads_like_the_question_leaves_room_for_the_law(
    knowledge_base: KnowledgeBase, tmp_path: Path
) -> None:
    _ingest(
        knowledge_base,
        tmp_path / "docs",
        {"guide.md": ("测试加班费攻略", GUIDE), "law.md": ("测试劳动法", LAW)},
    )
    hits = knowledge_base.search("工作日加班的加班费怎么算", on_date=DAY, k=3, whole=True)
    assert sum(c.title == "测试加班费攻略" for c in hits) == GUIDE_SECTIONS == 2
    assert any(c.title == "测试劳动法" and c.article_no == 44 for c in hits)


def test_a_knowledge_of_guides_alone_answers_from_all_their_sections(
    knowledge_base: KnowledgeBase, tmp_path: Path
) -> None:
    _ingest(knowledge_base, tmp_path / "docs", {"guide.md": ("测试加班费攻略", GUIDE)})
    hits = knowledge_base.search("工作日加班的加班费怎么算", on_date=DAY, k=4, whole=True)
    assert len(hits) == 4 and {c.title for c in hits} == {"测试加班费攻略"}
