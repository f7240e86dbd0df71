"""Service points: reading CSV/JSON files, datum conversion, the store, finding nearby points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.database import Database
from connectors.errors import ConnectorError, DatabaseError
from connectors.geo import CoordinateSystem, GeoPoint, distance_km
from connectors.service_points import (
    DEFAULT_RADIUS_KM,
    PointsFileError,
    ServicePoint,
    ServicePointStore,
    UnsupportedPointsFormatError,
    find_service_points,
    read_service_points,
)
from connectors.service_points.hours import open_days
from connectors.service_points.loader import derive_id
from connectors.service_points.samples import SAMPLE_POINTS, SAMPLE_SOURCE, load_sample_points

CENTRE = GeoPoint(34.7466, 113.6254)

ENGLISH_CSV = (
    "id,name,kind,address,district,region,lat,lon,hours,services,phone\n"
    "a1,金水区甲街道就业服务站,,郑州市金水区示例路1号,金水区,,34.7712,113.6598,"
    '"周一至周五 9:00-12:00，13:30-17:30","求职登记、职业指导,政策咨询;失业登记|零工对接",'
    "0371-60000001\n"
    ",二七区零工市场,零工市场,郑州市二七区示例路2号,,410103,34.7108,113.6153,"
    "每天 6:00-12:00,零工对接,\n"
)

CHINESE_CSV = (
    "编号,名称,类型,地址,区县,行政区划代码,纬度,经度,服务时间,服务内容,电话\n"
    "c1,惠济区乙镇就业服务站,,郑州市惠济区示例街5号,惠济区,410100,34.8907,113.6004,"
    "周一至周五 9:00-17:30,求职登记；技能培训报名,0371-60000002\n"
    "c2,上街区公共就业服务中心,公共就业服务中心,郑州市上街区示例大道15号,,,,,,,\n"
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _point(pid: str, lat: float | None, lon: float | None, region: str | None) -> ServicePoint:
    location = None if lat is None or lon is None else GeoPoint(lat, lon)
    return ServicePoint(
        id=pid, name=f"网点{pid}", kind="社区就业服务站", region=region, location=location
    )


# -- loader ----------------------------------------------------------------------------


def test_csv_with_english_headers(tmp_path: Path) -> None:
    parsed = read_service_points(_write(tmp_path / "points.csv", ENGLISH_CSV))
    assert parsed.problems == [] and parsed.source == "points"
    first, second = parsed.points
    assert first.id == "a1" and first.region == "410105" and first.district == "金水区"
    assert first.kind == "街道（乡镇）就业服务站"  # read from the name when the column is empty
    assert first.services == ["求职登记", "职业指导", "政策咨询", "失业登记", "零工对接"]
    assert first.hours == "周一至周五 9:00-12:00，13:30-17:30"
    assert first.location == GeoPoint(34.7712, 113.6598)
    assert first.phone == "0371-60000001" and first.source == "points"
    # No id in the file: derived from name and address, the same on every read.
    assert second.id == derive_id("二七区零工市场", "郑州市二七区示例路2号")
    assert second.id == read_service_points(tmp_path / "points.csv").points[1].id
    assert second.district == "二七区" and second.region == "410103" and second.phone is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_with_chinese_headers_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    parsed = read_service_points(_write(tmp_path / "点位.csv", CHINESE_CSV, encoding))
    assert parsed.problems == []
    huiji, shangjie = parsed.points
    # The district is more specific than the declared city code, and lies inside it.
    assert (huiji.id, huiji.region, huiji.district) == ("c1", "410108", "惠济区")
    assert huiji.services == ["求职登记", "技能培训报名"]
    # Neither district nor code: the place named in the address; no coordinates at all.
    assert shangjie.region == "410106" and shangjie.district == "上街区"
    assert shangjie.location is None and shangjie.services == [] and shangjie.hours == ""


def test_json_list_and_points_object(tmp_path: Path) -> None:
    items = [
        {"名称": "中原区甲街道就业服务站", "区县": "中原区", "纬度": "34.7502", "经度": 113.6005},
        {
            "id": "j2",
            "name": "新郑市人力资源市场",
            "region": 410184,
            "location": {"lat": 34.4031, "lon": 113.7325},
            "services": ["职业介绍", " 招聘会 "],
        },
    ]
    as_list = _write(tmp_path / "a.json", json.dumps(items, ensure_ascii=False))
    as_object = _write(tmp_path / "b.json", json.dumps({"points": items}, ensure_ascii=False))
    for path in (as_list, as_object):
        parsed = read_service_points(path, source="feed")
        assert parsed.problems == []
        first, second = parsed.points
        assert first.region == "410102" and first.location == GeoPoint(34.7502, 113.6005)
        assert second.region == "410184" and second.kind == "人力资源市场"
        assert second.location == GeoPoint(34.4031, 113.7325)
        assert second.services == ["职业介绍", "招聘会"] and second.source == "feed"


def test_bad_csv_rows_are_reported_by_physical_line_and_skipped(tmp_path: Path) -> None:
    text = (
        "id,name,district,region,lat,lon,hours,crs\n"  # 1
        'ok1,好网点一,金水区,,34.77,113.66,"周一至周五\n9:00-17:00",\n'  # 2-3: one record
        "b1,,金水区,,,,,\n"  # 4
        "b2,坏网点二,,,34.7,abc,,\n"  # 5
        "b3,坏网点三,,,34.7,,,\n"  # 6
        "b4,坏网点四,,,134.7,113.6,,\n"  # 7
        "b5,坏网点五,,4101,,,,\n"  # 8
        "b6,坏网点六,海淀区,410100,,,,\n"  # 9
        "ok1,重复网点,,,,,,\n"  # 10
        "b8,坏网点八,,,34.7,113.6,,火星\n"  # 11
        ",,,,,,,\n"  # 12: blank, ignored
        "ok2,好网点二,,110105,,,,\n"  # 13
    )
    parsed = read_service_points(_write(tmp_path / "bad.csv", text))
    assert [p.id for p in parsed.points] == ["ok1", "ok2"]
    assert parsed.points[0].hours == "周一至周五\n9:00-17:00"
    reasons = {p.line: p.reason for p in parsed.problems if p.line is not None}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11] and len(parsed.problems) == 8
    assert all(problem.index is None for problem in parsed.problems)
    assert "缺少名称" in reasons[4]
    assert "经度不是数字" in reasons[5]
    assert "坐标不完整" in reasons[6]
    assert "坐标超出范围" in reasons[7]
    assert "6 位行政区划代码" in reasons[8]
    assert "海淀区" in reasons[9] and "410100" in reasons[9]
    assert "与第 2 行重复" in reasons[10]
    assert "未知的坐标系" in reasons[11]
    assert str(parsed.problems[0]).endswith("第 4 行：缺少名称")


def test_bad_json_items_are_reported_by_index(tmp_path: Path) -> None:
    items: list[object] = [{"name": "好网点"}, "不是对象", {"name": ""}, {"name": "x", "lat": 91}]
    parsed = read_service_points(_write(tmp_path / "bad.json", json.dumps(items)))
    assert [p.name for p in parsed.points] == ["好网点"]
    assert [(p.index, p.line) for p in parsed.problems] == [(1, None), (2, None), (3, None)]
    assert "不是一个对象" in parsed.problems[0].reason
    assert "缺少名称" in parsed.problems[1].reason
    assert "坐标不完整" in parsed.problems[2].reason
    assert "第 2 项（索引 1）" in str(parsed.problems[0])


def test_unusable_files_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedPointsFormatError, match="不支持的文件格式") as unsupported:
        read_service_points(_write(tmp_path / "points.xlsx", "x"))
    assert isinstance(unsupported.value, ConnectorError)
    with pytest.raises(PointsFileError, match="无法打开文件"):
        read_service_points(tmp_path / "missing.csv")
    with pytest.raises(PointsFileError, match="JSON 格式错误"):
        read_service_points(_write(tmp_path / "broken.json", "[{"))
    with pytest.raises(PointsFileError, match="对象列表"):
        read_service_points(_write(tmp_path / "shape.json", '{"items": []}'))
    with pytest.raises(PointsFileError, match="缺少“名称”"):
        read_service_points(_write(tmp_path / "noname.csv", "id,address\n1,x\n"))
    (tmp_path / "binary.csv").write_bytes(b"name\n\xff\xfe\xff\n")
    with pytest.raises(PointsFileError, match="文字编码"):
        read_service_points(tmp_path / "binary.csv")


@pytest.mark.parametrize(
    ("crs_param", "crs_column", "system"),
    [
        ("GCJ-02", "", CoordinateSystem.GCJ02),
        (None, "百度", CoordinateSystem.BD09),
        ("GCJ02", "BD-09", CoordinateSystem.BD09),  # the row's own datum wins
        (None, "", CoordinateSystem.WGS84),  # nothing declared: taken as WGS-84
    ],
)
def test_declared_datums_are_converted_to_wgs84(
    tmp_path: Path, crs_param: str | None, crs_column: str, system: CoordinateSystem
) -> None:
    text = f"名称,纬度,经度,坐标系\n网点,{CENTRE.lat},{CENTRE.lon},{crs_column}\n"
    parsed = read_service_points(_write(tmp_path / "shifted.csv", text), crs=crs_param)
    (point,) = parsed.points
    assert point.location == GeoPoint.from_datum(CENTRE.lat, CENTRE.lon, system)
    shift_km = distance_km(CENTRE, point.location)
    if system is CoordinateSystem.WGS84:
        assert shift_km == 0
    else:  # GCJ-02 moves points by hundreds of metres, BD-09 by about a kilometre more
        assert 0.2 < shift_km < 2.0


def test_an_unknown_crs_parameter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="未知的坐标系"):
        read_service_points(_write(tmp_path / "p.csv", CHINESE_CSV), crs="mars")


# -- store -----------------------------------------------------------------------------


def test_replace_source_is_per_source_and_round_trips(database: Database) -> None:
    store = ServicePointStore(database)
    a = [_point("1", 34.75, 113.63, "410103"), _point("2", None, None, None)]
    b = [_point("1", 39.92, 116.46, "110105")]
    assert store.replace_source(a, "a").loaded == 2
    assert store.replace_source(b, "b").removed == 0
    assert store.count() == 3 and store.count("a") == 2
    stored = {(p.source, p.id): p for p in store.all()}
    assert stored[("a", "1")] == a[0].model_copy(update={"source": "a"})
    assert stored[("a", "2")].location is None and stored[("a", "2")].region is None
    assert stored[("b", "1")].location == GeoPoint(39.92, 116.46)

    report = store.replace_source([_point("3", 34.8, 113.7, "410105")], "a")
    assert (report.loaded, report.removed) == (1, 2)
    assert sorted((p.source, p.id) for p in store.all()) == [("a", "3"), ("b", "1")]
    assert store.replace_source([], "b").removed == 1
    assert store.count() == 1


def test_replace_source_is_all_or_nothing(database: Database) -> None:
    store = ServicePointStore(database)
    store.replace_source([_point("1", 34.75, 113.63, "410103")], "a")
    broken = ServicePoint.model_construct(id="2", name=None, kind="x", services=[])
    with pytest.raises(DatabaseError):
        store.replace_source([_point("9", 34.7, 113.6, None), broken], "a")
    assert [p.id for p in store.all()] == ["1"]  # the delete was rolled back too


def test_loading_a_file_without_usable_rows_keeps_the_source(
    database: Database, tmp_path: Path
) -> None:
    store = ServicePointStore(database)
    report = load_sample_points(store)
    assert report.loaded == 28 and report.problems == [] and report.source == SAMPLE_SOURCE
    assert load_sample_points(store).removed == 28 and store.count() == 28
    bad = _write(tmp_path / "bad.csv", "名称,纬度,经度\n,34,113\n")
    report = store.load_file(bad, source=SAMPLE_SOURCE)
    assert report.loaded == 0 and [p.line for p in report.problems] == [2]
    assert store.count(SAMPLE_SOURCE) == 28


def test_find_near_orders_by_distance_within_the_radius(database: Database) -> None:
    store = ServicePointStore(database)
    store.load_file(SAMPLE_POINTS)
    hits = store.find(near=CENTRE, limit=100)
    distances = [h.distance_km for h in hits if h.distance_km is not None]
    assert len(distances) == len(hits) > 3
    assert distances == sorted(distances) and distances[-1] <= DEFAULT_RADIUS_KM
    assert len(hits) < store.count()  # far districts (上街, 中牟, 新郑) are outside 5 km
    minutes = [h.walking_minutes or 0 for h in hits]
    assert minutes == sorted(minutes) and minutes[0] >= 1
    first = hits[0]
    assert first.point.location is not None
    assert first.distance_km == pytest.approx(distance_km(CENTRE, first.point.location))
    assert first.point.name == "二七区丁社区就业服务站（示例）" and first.walking_minutes == 10

    near = store.find(near=CENTRE, radius_km=2.0)
    assert near and all(h.distance_km is not None and h.distance_km <= 2.0 for h in near)
    assert [h.point.id for h in near] == [h.point.id for h in hits[: len(near)]]
    assert len(store.find(near=CENTRE, limit=2)) == 2
    everything = store.find(near=CENTRE, radius_km=1000, limit=100)
    assert len(everything) == store.count() - 1  # the city centre without coordinates
    assert store.find(near=GeoPoint(39.9, 116.4), radius_km=50) == []


def test_find_by_region_matches_divisions_below_it(database: Database) -> None:
    store = ServicePointStore(database)
    store.load_file(SAMPLE_POINTS)
    store.replace_source([_point("bj", 39.92, 116.46, "110105")], "beijing")
    city = store.find(region="410100", limit=100)
    assert len(city) == 28 and all(h.distance_km is None for h in city)
    assert "郑州市公共就业服务中心（示例）" in {h.point.name for h in city}
    jinshui = store.find(region="410105", limit=100)
    assert len(jinshui) == 6 and {h.point.region for h in jinshui} == {"410105"}
    assert [h.point.id for h in store.find(region="110000")] == ["bj"]
    assert len(store.find(region="000000", limit=100)) == 29
    assert store.find(region="440100") == []


def test_find_near_within_a_region(database: Database) -> None:
    store = ServicePointStore(database)
    store.load_file(SAMPLE_POINTS)
    hits = find_service_points(store, near=CENTRE, region="410105", radius_km=15, limit=100)
    assert hits and {h.point.region for h in hits} == {"410105"}
    assert len(hits) == 6  # every 金水区 point lies within 15 km of the centre
    distances = [h.distance_km or 0.0 for h in hits]
    assert distances == sorted(distances) and distances[0] > 1.0


def test_find_refuses_meaningless_queries(database: Database) -> None:
    store = ServicePointStore(database)
    with pytest.raises(ValueError, match="至少一项"):
        store.find()
    with pytest.raises(ValueError, match="limit"):
        store.find(region="410100", limit=0)
    with pytest.raises(ValueError, match="半径"):
        store.find(near=CENTRE, radius_km=0)
    with pytest.raises(ValueError, match="6 位行政区划代码"):
        store.find(region="4101")


# -- kinds and opening days ------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "days"),
    [
        ("周一至周五 9:00-17:00（法定节假日除外）", {1, 2, 3, 4, 5}),
        ("周一至周六 8:30-17:00", {1, 2, 3, 4, 5, 6}),
        ("星期一到星期五", {1, 2, 3, 4, 5}),
        ("每天 6:00-12:00", {1, 2, 3, 4, 5, 6, 7}),
        ("工作日 9:00-17:00，周六上午 9:00-12:00", {1, 2, 3, 4, 5, 6}),
        ("周二至周日开放，周一闭馆", {2, 3, 4, 5, 6, 7}),
        ("周一、三、五 9:00-11:00", {1, 3, 5}),
        ("周六、周日 9:00-12:00", {6, 7}),
        ("周五至周一", {5, 6, 7, 1}),
        ("周一闭馆", {2, 3, 4, 5, 6, 7}),
        ("9:00-17:00", None),
        ("", None),
    ],
)
def test_open_days_are_read_from_the_hours_as_published(hours: str, days: set[int] | None) -> None:
    found = open_days(hours)
    assert (None if found is None else set(found)) == days


def test_find_keeps_the_kinds_and_days_asked_for(database: Database) -> None:
    store = ServicePointStore(database)
    store.load_file(SAMPLE_POINTS)
    jinshui = GeoPoint(34.7803, 113.6655)  # at 金水区公共就业服务中心
    markets = store.find(near=jinshui, kinds=["零工市场"])
    assert [h.point.name for h in markets] == ["金水区零工市场（示例）"]
    everything = store.find(near=jinshui)
    assert len(everything) > 1 and everything[0].point.kind == "公共就业服务中心"

    zhongyuan = GeoPoint(34.7480, 113.5950)
    weekend = store.find(near=zhongyuan, open_on=[6, 7])
    names = [h.point.name for h in weekend]
    assert names[:2] == ["中原区人力资源市场（示例）", "二七区零工市场（示例）"]
    assert all("周一至周五" not in h.point.hours for h in weekend)
    sunday = store.find(near=zhongyuan, open_on=[7])
    assert "中原区人力资源市场（示例）" not in {h.point.name for h in sunday}  # 周一至周六
    by_region = store.find(region="410103", kinds=["零工市场"], open_on=[7], limit=100)
    assert [h.point.name for h in by_region] == ["二七区零工市场（示例）"]
    assert store.find(near=jinshui, kinds=["人力资源市场"]) == []  # none within 5 km
    assert [
        h.point.name for h in store.find(near=jinshui, kinds=["人力资源市场"], radius_km=8)
    ] == ["中原区人力资源市场（示例）"]
