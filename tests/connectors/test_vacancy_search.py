"""What a keyword search finds (the job asked for, not postings that share a word with it)
and the day it is made as of."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.database import Database
from connectors.vacancies.feeds import FeedSpec
from connectors.vacancies.relevance import keyword_groups
from connectors.vacancies.search import VacancySearch
from connectors.vacancies.store import VacancyStore
from connectors.vacancies.sync import VacancySync
from tests.connectors.vacancy_feeds import posting, write_jsonl

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 2026-11-22 12:00 in 郑州


def _job(identifier: str, title: str, description: str, **changes: Any) -> dict[str, Any]:
    return posting(identifier, title=title, description=description, **changes)


FEED: list[dict[str, Any] | str] = [
    _job("WELDER", "电焊工", "负责钢结构焊接。", occupationalCategory="焊工"),
    _job("WELDER2", "焊工", "负责设备支架焊接。", occupationalCategory="焊工"),
    _job("ARGON", "氩弧焊工", "负责不锈钢件焊接。", occupationalCategory="焊工"),
    _job("ELECTRICIAN", "电工", "负责厂区线路维修。", occupationalCategory="电工"),
    _job("CLEANER", "保洁员", "负责楼道保洁。", occupationalCategory="保洁员"),
    _job("OFFICE", "写字楼保洁", "负责办公区清洁。"),
    _job("NANNY", "住家保姆", "负责家庭日常保洁和做饭。", occupationalCategory="家政服务员"),
    _job("REHAB", "康复治疗师", "制定康复训练计划。", occupationalCategory="康复技师"),
    _job("RIDER", "众包骑手", "负责外卖配送，需有智能手机。"),
    _job("COOK", "中餐厨师", "负责中餐热菜。"),
    _job("WAITER", "中餐服务员", "负责中餐厅点餐传菜。"),
    _job("NURSE", "育婴员", "照顾婴儿，会做辅食。"),
]


@pytest.fixture
def engine(tmp_path: Path, database: Database) -> VacancySearch:
    store = VacancyStore(database)
    feed = write_jsonl(tmp_path / "jobs.jsonl", FEED)
    VacancySync(store).sync(FeedSpec(str(feed), source="测试平台"), now=NOW)
    return VacancySearch(store, recheck_seconds=0, clock=lambda: NOW)


def found(engine: VacancySearch, query: str, **filters: Any) -> set[str]:
    results = engine.search_vacancies(query, limit=20, **filters)
    assert results.total == len(results.hits)
    return {hit.identifier for hit in results.hits}


def test_a_job_title_finds_the_kinds_of_that_job(engine: VacancySearch) -> None:
    # 电焊工 is a kind of 焊工: titled 焊工, or of occupation 焊工 (氩弧焊工).
    assert found(engine, "电焊工") == {"WELDER", "WELDER2", "ARGON"}
    assert found(engine, "焊工") == {"WELDER", "WELDER2", "ARGON"}
    assert found(engine, "电工") == {"ELECTRICIAN"}
    # 保洁员 asks for 保洁: a 写字楼保洁 is one, whatever the role suffix.
    assert found(engine, "保洁员") == {"CLEANER", "OFFICE"}


def test_postings_only_mentioning_the_words_are_left_out_when_titles_match(
    engine: VacancySearch,
) -> None:
    assert found(engine, "保洁") == {"CLEANER", "OFFICE"}  # not the 住家保姆 who also cleans
    assert found(engine, "中餐厨师") == {"COOK"}  # not every 中餐 job
    # Nothing titled so: a posting that mentions the words still counts.
    assert found(engine, "辅食") == {"NURSE"}


def test_sharing_a_word_is_not_being_the_job(engine: VacancySearch) -> None:
    # 训练 (康复训练计划) and 智能 (智能手机) are a small part of 人工智能训练师.
    assert found(engine, "人工智能训练师") == set()
    assert found(engine, "飞行员") == set()


def test_keyword_groups_cover_the_words_and_name_the_head() -> None:
    (welder,) = keyword_groups("电焊工")
    assert set(welder.tokens) == {"电焊", "焊工", "电焊工"}
    assert welder.text[welder.head] == "焊"  # before the role suffix 工
    (cook,) = keyword_groups("中餐厨师")
    assert cook.text[cook.head] == "厨"
    assert [g.text for g in keyword_groups("会计 出纳")] == ["会计", "出纳"]
    assert keyword_groups("岗位 工作") == []  # nothing but words every listing has


def test_a_search_is_made_as_of_the_day_taken_as_today(tmp_path: Path, database: Database) -> None:
    store = VacancyStore(database)
    feed = write_jsonl(
        tmp_path / "jobs.jsonl",
        [
            posting("ENDS-21", validThrough="2026-11-21T23:59:59+08:00"),
            posting("ENDS-2027", validThrough="2027-12-31T23:59:59+08:00"),
        ],
    )
    # Synced a week before the clock: both were open then and both are stored.
    VacancySync(store).sync(
        FeedSpec(str(feed), source="测试平台"), now=datetime(2026, 11, 15, tzinfo=UTC)
    )
    engine = VacancySearch(store, recheck_seconds=0, clock=lambda: NOW)

    def ids(**when: Any) -> set[str]:
        return {hit.identifier for hit in engine.search_vacancies("厨师", **when).hits}

    assert ids() == {"ENDS-2027"}  # the clock's day: ENDS-21 ended yesterday
    assert ids(on_date=date(2026, 11, 22)) == {"ENDS-2027"}
    assert ids(on_date=date(2026, 11, 15)) == {"ENDS-21", "ENDS-2027"}
    assert ids(on_date=date(2026, 11, 21)) == {"ENDS-21", "ENDS-2027"}  # open all that day
    assert ids(on_date=date(2028, 1, 2)) == set()
    assert engine.moment(date(2026, 11, 22)) == NOW
    assert engine.moment(date(2026, 11, 15)) == datetime(2026, 11, 14, 16, 0, tzinfo=UTC)
