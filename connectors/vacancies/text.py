"""The words of a vacancy: lexical tokens for search and the fingerprint that finds duplicates."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from connectors.vacancies.models import Vacancy
from knowledge.chinese import normalize, tokenize

__all__ = ["fingerprint", "query_tokens", "title_tokens", "vacancy_tokens"]

# Words every listing or job question has; they would match everything.
_QUERY_STOPWORDS = frozenset(
    "岗位 职位 工作 招聘 招 找 求职 应聘 附近 周边 这边 一带 家 住 以上 以下 左右 "  # noqa: SIM905
    "月薪 工资 薪资 薪水 待遇 元 块 千 万 哪里 哪儿 有 没有 想 做 份 一份".split()
)


# jieba never joins words across punctuation, so a text's tokens are those of its pieces.
_PIECES = re.compile(r"[。！？；;，,、\n]+")


@lru_cache(maxsize=100_000)
def _piece_tokens(piece: str) -> tuple[str, ...]:
    return tuple(tokenize(piece))


def _tokens(text: str) -> list[str]:
    """``tokenize(text)``, remembering pieces: employers, titles, addresses and the stock
    sentences of job descriptions recur across a feed, and jieba is most of a sync's cost."""
    return [token for piece in _PIECES.split(text) if piece for token in _piece_tokens(piece)]


def vacancy_tokens(vacancy: Vacancy) -> list[str]:
    """BM25 tokens; the title counts twice, so a cook's posting outranks one mentioning cooks."""
    fields = [
        vacancy.title,
        vacancy.title,
        vacancy.occupation or "",
        vacancy.employer,
        vacancy.industry or "",
        *vacancy.benefits,
        vacancy.district or "",
        vacancy.address or "",
        vacancy.description,
    ]
    return [token for text in fields if text for token in _tokens(text)]


def title_tokens(title: str) -> list[str]:
    """BM25 tokens of what a job is (its title and occupation), for matching by title."""
    return _tokens(title)


def query_tokens(query: str) -> list[str]:
    return [token for token in tokenize(query) if token not in _QUERY_STOPWORDS]


_BRACKETED = re.compile(r"[(\[【（〔][^)\]】）〕]*[)\]】）〕]")
_NOT_WORD = re.compile(r"[\W_]+")
_COMPANY_SUFFIX = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司)$")


def _key(text: str) -> str:
    return _NOT_WORD.sub("", _BRACKETED.sub("", normalize(text).lower()))


def fingerprint(vacancy: Vacancy) -> str:
    """Same job, whoever posts it: title and employer without decorations (（急招）, 有限公司),
    plus the district. Two sources posting one job share a fingerprint."""
    employer = _COMPANY_SUFFIX.sub("", _key(vacancy.employer))
    place = vacancy.district or vacancy.region or ""
    key = f"{_key(vacancy.title)}|{employer}|{_key(place)}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
