"""Vacancy search: keywords (BM25 over jieba tokens), filters and distance, in memory.

The index holds one row of numbers per open vacancy (region, pay, type, education,
position, expiry, duplicate group) and a BM25 index of its words; a query is a handful of
vectorised numpy operations over them, then a database read of the few vacancies shown.
Any process notices a sync through the store's revision number and rebuilds.

What a keyword match is: see :mod:`connectors.vacancies.relevance` (the job named by its
title first, its head word and most of the words covered). Among postings that only
mention the words, matches far weaker than the best one are dropped as well.

Ranking: with a location, nearest first; otherwise best keyword match first (newest
first among equals, and without a query). A job posted by several sources is shown once,
with the others under ``also_listed``. An expired vacancy is never shown: expiry is
checked at the moment searched for (``now``, the clock by default), so the index holds
every stored vacancy and a search "as of" another day sees what was open that day.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from connectors.geo import GeoPoint, distances_km, walking_minutes
from connectors.vacancies.models import Education, EmploymentType, VacancyHit
from connectors.vacancies.relevance import keyword_groups
from connectors.vacancies.store import StoredVacancy, VacancyStore, to_utc
from connectors.vacancies.text import query_tokens, title_tokens
from knowledge.lexical import LexicalIndex
from knowledge.regions import level_of, region_from_text, validate_region

__all__ = ["RELEVANCE_FLOOR", "VacancyResults", "VacancySearch"]

#: Matches by mention only (not by title) scoring below this share of the best are dropped.
RELEVANCE_FLOOR = 0.4
_TYPE_BITS = {kind: 1 << i for i, kind in enumerate(EmploymentType)}
_DISTRICT_SUFFIXES = ("回族区", "新区", "区", "县", "市")
#: Where a day taken as today begins (validThrough dates are Chinese days).
_CHINA = ZoneInfo("Asia/Shanghai")


class VacancyResults(BaseModel):
    """The vacancies shown and how many distinct open jobs matched in all."""

    hits: list[VacancyHit]
    total: int


@dataclass(frozen=True)
class _Snapshot:
    revision: int
    ids: npt.NDArray[np.int64]
    lexical: LexicalIndex
    titles: LexicalIndex  # title and occupation only: what the job is
    province: npt.NDArray[np.int32]
    city: npt.NDArray[np.int32]
    county: npt.NDArray[np.int32]
    district: npt.NDArray[np.int32]  # index into district_names, -1 unknown
    district_names: list[str]
    salary_min: npt.NDArray[np.float64]
    salary_max: npt.NDArray[np.float64]
    types: npt.NDArray[np.int32]
    education: npt.NDArray[np.int8]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    expires: npt.NDArray[np.float64]  # UTC epoch seconds
    posted: npt.NDArray[np.int32]  # proleptic ordinal, 0 unknown
    group: npt.NDArray[np.int32]  # same fingerprint, same group


def _region_parts(code: str | None) -> tuple[int, int, int]:
    """(province, city, county) numbers of a code; 0 where the code stops short."""
    if not code or len(code) != 6 or not code.isdigit():
        return 0, 0, 0
    city = int(code[:4]) if code[2:4] != "00" else 0
    county = int(code) if code[4:] != "00" else 0
    return int(code[:2]), city, county


def _build(store: VacancyStore, revision: int) -> _Snapshot:
    rows = list(store.index_rows())
    districts: dict[str, int] = {}
    groups: dict[str, int] = {}
    regions = [_region_parts(r.region) for r in rows]
    return _Snapshot(
        revision=revision,
        ids=np.array([r.id for r in rows], dtype=np.int64),
        lexical=LexicalIndex([str(r.id) for r in rows], [r.tokens.split() for r in rows]),
        titles=LexicalIndex([str(r.id) for r in rows], [title_tokens(r.title) for r in rows]),
        province=np.array([p for p, _, _ in regions], dtype=np.int32),
        city=np.array([c for _, c, _ in regions], dtype=np.int32),
        county=np.array([k for _, _, k in regions], dtype=np.int32),
        district=np.array(
            [districts.setdefault(r.district, len(districts)) if r.district else -1 for r in rows],
            dtype=np.int32,
        ),
        district_names=list(districts),
        salary_min=np.array([np.nan if r.salary_min is None else r.salary_min for r in rows]),
        salary_max=np.array([np.nan if r.salary_max is None else r.salary_max for r in rows]),
        types=np.array([_type_bits(r.employment_types.split(",")) for r in rows], dtype=np.int32),
        education=np.array([r.education for r in rows], dtype=np.int8),
        lat=np.array([np.nan if r.lat is None else r.lat for r in rows]),
        lon=np.array([np.nan if r.lon is None else r.lon for r in rows]),
        expires=np.array([r.expires_at.replace(tzinfo=UTC).timestamp() for r in rows]),
        posted=np.array(
            [r.date_posted.toordinal() if r.date_posted else 0 for r in rows], dtype=np.int32
        ),
        group=np.array(
            [groups.setdefault(r.fingerprint, len(groups)) for r in rows], dtype=np.int32
        ),
    )


def _type_bits(kinds: Iterable[str | EmploymentType]) -> int:
    bits = 0
    for kind in kinds:
        if kind:
            bits |= _TYPE_BITS[EmploymentType(kind)]
    return bits


def _district_stem(name: str) -> str:
    for suffix in _DISTRICT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class VacancySearch:
    """Searches the open vacancies of a :class:`VacancyStore`; safe to share between threads."""

    def __init__(
        self,
        store: VacancyStore,
        *,
        recheck_seconds: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.recheck_seconds = recheck_seconds
        self.clock = clock
        self._snapshot: _Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self, *, force: bool = False) -> None:
        """Rebuilds the index when the store changed (checked at most every few seconds)."""
        # A first search waits for the index another thread is building (never sees none).
        recent = time.monotonic() - self._checked < self.recheck_seconds
        if not force and recent and self._snapshot is not None:
            return
        with self._lock:
            revision = self.store.revision()
            self._checked = time.monotonic()
            if force or self._snapshot is None or self._snapshot.revision != revision:
                self._snapshot = _build(self.store, revision)

    def search_vacancies(
        self,
        query: str | None = None,
        *,
        region: str | None = None,
        district: str | None = None,
        salary_min: float | None = None,
        employment_type: EmploymentType | str | Sequence[EmploymentType | str] | None = None,
        education: Education | str | None = None,
        near: GeoPoint | tuple[float, float] | None = None,
        radius_km: float | None = None,
        limit: int = 10,
        now: datetime | None = None,
        on_date: date | None = None,
    ) -> VacancyResults:
        """Open vacancies matching everything given; see the module text for the ranking.

        ``now`` is the moment searched for (the clock when None): vacancies expired by then
        are left out; ``on_date`` instead names the day taken as today (see ``moment``).
        ``salary_min`` is yuan per month and keeps postings whose range reaches it;
        ``education`` is the seeker's level and keeps postings asking for at most that;
        ``employment_type`` keeps postings of any of the types given.
        """
        if limit < 1:
            raise ValueError("limit 至少为 1")
        if radius_km is not None and (near is None or radius_km <= 0):
            raise ValueError("radius_km 需要与 near 一起给出，且大于 0")
        if salary_min is not None and salary_min < 0:
            raise ValueError("salary_min 不能为负数")
        origin = GeoPoint(*near) if isinstance(near, tuple) else near
        self.refresh()
        snap = self._snapshot
        assert snap is not None
        now = now or self.moment(on_date)
        mask = snap.expires > to_utc(now).replace(tzinfo=UTC).timestamp()  # naive means UTC
        if region:
            mask &= self._region_mask(snap, validate_region(region))
        if district:
            mask &= self._district_mask(snap, district)
        if salary_min is not None:
            reach = np.where(np.isnan(snap.salary_max), snap.salary_min, snap.salary_max)
            mask &= np.nan_to_num(reach, nan=-1.0) >= salary_min
        if employment_type:
            kinds = [employment_type] if isinstance(employment_type, str) else employment_type
            wanted = _type_bits(EmploymentType.parse(str(k)) for k in kinds)
            mask &= (snap.types & wanted) != 0
        if education is not None:
            level = education if isinstance(education, Education) else Education.parse(education)
            mask &= snap.education <= int(level)
        scores = np.zeros(len(snap.ids), dtype=np.float32)
        if query and query.strip():
            scores, mask = self._keyword_matches(snap, query, mask)
        distance = np.full(len(snap.ids), np.nan)
        if origin is not None:
            candidates = np.flatnonzero(mask)
            distance[candidates] = distances_km(snap.lat[candidates], snap.lon[candidates], origin)
            if radius_km is not None:
                mask &= np.nan_to_num(distance, nan=np.inf) <= radius_km
        positions = np.flatnonzero(mask)
        order = self._rank(snap, positions, scores, distance, origin is not None, limit)
        return VacancyResults(
            hits=self._hits(snap, order, scores, distance, mask, limit),
            total=int(np.unique(snap.group[positions]).size),
        )

    def moment(self, on_date: date | None = None) -> datetime:
        """The moment a search on ``on_date`` is made at: the clock's moment on the clock's
        own (Beijing) day or when no day is given; on another day its beginning, so that
        what is open at some time that day is shown (a suite's or a replayed day)."""
        now = self.clock()
        if on_date is None or on_date == now.astimezone(_CHINA).date():
            return now
        return datetime.combine(on_date, clock_time(0), _CHINA)

    @staticmethod
    def _keyword_matches(
        snap: _Snapshot, query: str, mask: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
        """BM25 scores over every field, and ``mask`` narrowed to the postings that match
        ``query``: by title when any posting left in ``mask`` does, else by mention."""
        tokens = query_tokens(query) or [query.strip()]
        scores = snap.lexical.scores(tokens)
        groups = keyword_groups(query)
        if not groups:  # nothing but stopwords: the words as they are, or nothing
            return scores, mask & (scores > 0)
        size = len(snap.ids)
        cache: dict[tuple[int, str], npt.NDArray[np.bool_]] = {}

        def holders(index: LexicalIndex) -> Callable[[str], npt.NDArray[np.bool_]]:
            def contains(token: str) -> npt.NDArray[np.bool_]:
                key = (id(index), token)
                if key not in cache:
                    cache[key] = index.scores([token]) > 0
                return cache[key]

            return contains

        by_title = np.zeros(size, dtype=bool)
        by_mention = np.zeros(size, dtype=bool)
        for group in groups:
            by_title |= group.matches(holders(snap.titles), size)
            by_mention |= group.matches(holders(snap.lexical), size)
        if (mask & by_title).any():
            return scores, mask & by_title
        mask = mask & by_mention & (scores > 0)
        if mask.any():
            mask &= scores >= RELEVANCE_FLOOR * scores[mask].max()
        return scores, mask

    @staticmethod
    def _region_mask(snap: _Snapshot, code: str) -> npt.NDArray[np.bool_]:
        province, city, county = _region_parts(code)
        level = level_of(code)
        if level == "national":
            return np.ones(len(snap.ids), dtype=bool)
        if level == "provincial":
            return snap.province == province
        if level == "municipal":
            return snap.city == city
        return snap.county == county

    @staticmethod
    def _district_mask(snap: _Snapshot, name: str) -> npt.NDArray[np.bool_]:
        stem = _district_stem(name.strip())
        keys = [i for i, known in enumerate(snap.district_names) if known.startswith(stem)]
        mask = np.isin(snap.district, keys)
        code = region_from_text(name)
        if code and level_of(code) == "county":
            mask |= snap.county == int(code)
        return mask

    @staticmethod
    def _rank(
        snap: _Snapshot,
        positions: npt.NDArray[np.intp],
        scores: npt.NDArray[np.float32],
        distance: npt.NDArray[np.float64],
        by_distance: bool,
        limit: int,
    ) -> npt.NDArray[np.intp]:
        """Candidate positions in display order; enough of them to fill ``limit`` after
        duplicates are folded (all of them when few)."""
        primary = (
            np.nan_to_num(distance[positions], nan=np.inf)
            if by_distance
            else -scores[positions].astype(np.float64)
        )
        keep = min(len(positions), limit * 4 + 20)
        if keep < len(positions):
            top = np.argpartition(primary, keep - 1)[:keep]
            positions, primary = positions[top], primary[top]
        # lexsort: last key first; ties broken by relevance, then the newest posting.
        order = np.lexsort((-snap.posted[positions], -scores[positions], primary))
        return positions[order]

    def _hits(
        self,
        snap: _Snapshot,
        order: npt.NDArray[np.intp],
        scores: npt.NDArray[np.float32],
        distance: npt.NDArray[np.float64],
        mask: npt.NDArray[np.bool_],
        limit: int,
    ) -> list[VacancyHit]:
        """The first ``limit`` groups in ``order``, each with the other listings of its job;
        one database read for all of them."""
        chosen: dict[int, int] = {}  # group -> position shown
        for position in order.tolist():
            chosen.setdefault(int(snap.group[position]), position)
            if len(chosen) == limit:
                break
        listings: dict[int, list[int]] = {}  # group -> ids of its other open listings
        members = np.flatnonzero(np.isin(snap.group, list(chosen)) & mask)
        for position in members.tolist():
            group = int(snap.group[position])
            if position != chosen[group]:
                listings.setdefault(group, []).append(int(snap.ids[position]))
        wanted = [int(snap.ids[p]) for p in chosen.values()]
        stored = self.store.get_many(wanted + [i for ids in listings.values() for i in ids])
        hits: list[VacancyHit] = []
        for group, position in chosen.items():
            row = stored.get(int(snap.ids[position]))
            if row is None:  # removed by a sync since the index was built
                continue
            also = [_listing(stored[i]) for i in listings.get(group, []) if i in stored]
            hits.append(_hit(row, float(scores[position]), float(distance[position]), also))
        return hits


def _listing(row: StoredVacancy) -> str:
    return f"{row.vacancy.source}：{row.vacancy.url}" if row.vacancy.url else row.vacancy.source


def _hit(row: StoredVacancy, score: float, distance: float, also: list[str]) -> VacancyHit:
    v = row.vacancy
    known = distance == distance  # not NaN
    return VacancyHit(
        id=row.id,
        source=v.source,
        identifier=v.identifier,
        title=v.title,
        employer=v.employer,
        salary=v.salary.text if v.salary else "面议",
        salary_monthly_min=v.salary.monthly_min if v.salary else None,
        salary_monthly_max=v.salary.monthly_max if v.salary else None,
        employment_types=[kind.label for kind in v.employment_types],
        # Chinese wording as posted ("大专及以上"), else the level's Chinese name.
        education=v.education_text
        if v.education_text and not v.education_text.isascii()
        else v.education.label,
        experience_months=v.experience_months,
        benefits=list(v.benefits),
        place=v.place,
        district=v.district,
        region=v.region,
        distance_km=round(distance, 2) if known else None,
        walking_minutes=walking_minutes(distance) if known else None,
        how_to_apply=v.how_to_apply,
        url=v.url,
        date_posted=v.date_posted,
        expires_at=row.expires_at.replace(tzinfo=UTC),
        also_listed=also,
        score=round(score, 3),
    )
