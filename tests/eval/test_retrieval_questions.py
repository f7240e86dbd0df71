"""Checks on the retrieval evaluation set itself (eval/data/retrieval_questions.jsonl).

The structural checks need nothing but the file. The checks against the corpus (paths in
the manifest, article headings, validity dates, regions) read ../shared/corpora/laws-cn
through the ``laws_cn`` fixture and are skipped where that corpus is absent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

DATA_FILE = Path(__file__).resolve().parents[2] / "eval" / "data" / "retrieval_questions.jsonl"

KINDS = {"paraphrase", "article_ref", "keyword", "superseded"}
MIN_QUESTIONS = 60
MIN_DOCUMENTS = 30
NATIONAL = "000000"
_REGION = re.compile(r"[0-9]{6}")
_ID = re.compile(r"q[0-9]{3,}")

try:
    from knowledge.chinese import to_chinese_number
except ImportError:  # the shared helper is not there: a small local one is enough here
    _CN = "零一二三四五六七八九"

    def to_chinese_number(n: int) -> str:
        """1..9999 as laws number their articles: 十七, 一百零三, 一百一十."""
        if not 0 < n < 10_000:
            raise ValueError(f"article number out of range: {n}")
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // value % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out, zero = out + "零", False
            out += _CN[digit] + unit
        return out[1:] if out.startswith("一十") else out


def region_ancestors(code: str) -> set[str]:
    """The regions whose documents a user in ``code`` sees: national, province, city."""
    chain = {NATIONAL}
    if code != NATIONAL:
        chain.add(code[:2] + "0000")
        if code[2:4] != "00":
            chain.add(code[:4] + "00")
        if code[4:] != "00":
            chain.add(code)
    return chain


def in_force(meta: dict[str, Any], on: date) -> bool:
    """A version applies from ``valid_from`` (unknown: always) until ``valid_to`` (exclusive)."""
    valid_from, valid_to = meta.get("valid_from"), meta.get("valid_to")
    if valid_from and date.fromisoformat(valid_from) > on:
        return False
    return not (valid_to and date.fromisoformat(valid_to) <= on)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def questions() -> list[dict[str, Any]]:
    rows = []
    for line_no, line in enumerate(DATA_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"line {line_no} is not JSON: {exc}")
        assert isinstance(row, dict), f"line {line_no} is not a JSON object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def manifest(laws_cn: Path) -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in (laws_cn / "manifest.jsonl").open(encoding="utf-8"))
    return {row["path"]: row for row in rows}


@pytest.fixture(scope="module")
def knowledge_base_paths(laws_cn: Path) -> set[str]:
    return set((laws_cn / "employment.txt").read_text(encoding="utf-8").split())


def expected_items(questions: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, int]]:
    return [(q, e["path"], e["article_no"]) for q in questions for e in q["expected"]]


# ---------------------------------------------------------------- the file alone


def test_every_line_is_a_well_formed_question(questions: list[dict[str, Any]]) -> None:
    for q in questions:
        where = q.get("id", q)
        assert set(q) == {"id", "question", "region", "date", "expected", "kind", "split"}, where
        assert q["split"] in ("tune", "test"), where
        assert isinstance(q["id"], str) and _ID.fullmatch(q["id"]), where
        assert isinstance(q["question"], str) and q["question"].strip(), where
        assert isinstance(q["region"], str) and _REGION.fullmatch(q["region"]), where
        date.fromisoformat(q["date"])
        assert q["kind"] in KINDS, where
        assert isinstance(q["expected"], list) and 1 <= len(q["expected"]) <= 2, where
        for e in q["expected"]:
            assert set(e) == {"path", "article_no"}, where
            assert isinstance(e["path"], str) and e["path"].endswith(".md"), where
            assert isinstance(e["article_no"], int) and e["article_no"] > 0, where
        pairs = [(e["path"], e["article_no"]) for e in q["expected"]]
        assert len(set(pairs)) == len(pairs), f"{where}: an expected article is listed twice"


def test_ids_and_questions_are_unique(questions: list[dict[str, Any]]) -> None:
    ids = Counter(q["id"] for q in questions)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    texts = Counter(q["question"] for q in questions)
    assert not [t for t, n in texts.items() if n > 1], "duplicate questions"


def test_size_and_spread(questions: list[dict[str, Any]]) -> None:
    assert len(questions) >= MIN_QUESTIONS
    documents = {path for _, path, _ in expected_items(questions)}
    assert len(documents) >= MIN_DOCUMENTS
    kinds = Counter(q["kind"] for q in questions)
    assert kinds.keys() == KINDS, f"every kind should be represented: {dict(kinds)}"
    assert kinds["paraphrase"] >= len(questions) // 2
    local = {q["region"] for q in questions} - {NATIONAL}
    assert len({code[:2] for code in local}) >= 4, "local questions should cover several provinces"


def test_the_split_keeps_the_tuned_questions_out_of_the_test_part(
    questions: list[dict[str, Any]],
) -> None:
    """The first 110 questions chose the retriever's weights: they can only be "tune"; the
    test part is large enough to report on (issue 25: at least 300 everyday wordings)."""
    tuned = [q for q in questions if int(q["id"][1:]) <= 110]
    assert all(q["split"] == "tune" for q in tuned)
    test = [q for q in questions if q["split"] == "test"]
    assert len(test) >= 150
    everyday = [q for q in questions if q["kind"] == "paraphrase"]
    assert len(everyday) >= 300


def test_helpers() -> None:
    assert [to_chinese_number(n) for n in (1, 10, 17, 20, 45, 100, 103, 110)] == [
        "一", "十", "十七", "二十", "四十五", "一百", "一百零三", "一百一十",
    ]  # fmt: skip
    assert region_ancestors("370200") == {"000000", "370000", "370200"}
    assert region_ancestors("310000") == {"000000", "310000"}
    assert region_ancestors(NATIONAL) == {NATIONAL}


# ---------------------------------------------------------------- against the corpus


@pytest.mark.corpus
def test_expected_documents_are_in_the_manifest_and_knowledge_base(
    questions: list[dict[str, Any]],
    manifest: dict[str, dict[str, Any]],
    knowledge_base_paths: set[str],
) -> None:
    problems = []
    for q, path, _ in expected_items(questions):
        if path not in manifest:
            problems.append(f"{q['id']}: {path} is not in manifest.jsonl")
        elif path not in knowledge_base_paths:
            problems.append(f"{q['id']}: {path} is not in employment.txt")
    assert not problems, "\n".join(problems)


@pytest.mark.corpus
def test_expected_articles_exist(questions: list[dict[str, Any]], laws_cn: Path) -> None:
    headings: dict[str, list[str]] = {}
    problems = []
    for q, path, article_no in expected_items(questions):
        if path not in headings:
            lines = (laws_cn / path).read_text(encoding="utf-8").splitlines()
            headings[path] = [line for line in lines if line.startswith("第")]
        heading = f"第{to_chinese_number(article_no)}条"
        if not any(line.startswith(heading) for line in headings[path]):
            problems.append(f"{q['id']}: no line starting with {heading} in {path}")
    assert not problems, "\n".join(problems)


@pytest.mark.corpus
def test_expected_documents_are_in_force_and_visible(
    questions: list[dict[str, Any]], manifest: dict[str, dict[str, Any]]
) -> None:
    problems = []
    for q, path, _ in expected_items(questions):
        meta = manifest[path]
        if not in_force(meta, date.fromisoformat(q["date"])):
            problems.append(f"{q['id']}: {path} is not in force on {q['date']}")
        if meta["region"] not in region_ancestors(q["region"]):
            problems.append(
                f"{q['id']}: {path} ({meta['region']}) is not visible from region {q['region']}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.corpus
def test_superseded_questions_point_at_the_current_version(
    questions: list[dict[str, Any]], manifest: dict[str, dict[str, Any]]
) -> None:
    replaced = {meta["superseded_by"] for meta in manifest.values() if meta.get("superseded_by")}
    problems = []
    for q in questions:
        if q["kind"] != "superseded":
            continue
        for e in q["expected"]:
            if e["path"] not in replaced:
                problems.append(f"{q['id']}: {e['path']} replaced no older version")
            elif manifest[e["path"]].get("superseded_by"):
                problems.append(f"{q['id']}: {e['path']} is itself superseded")
    assert not problems, "\n".join(problems)
