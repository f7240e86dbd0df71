"""A synthetic, realistic vacancy feed for 郑州: demos, tests and benchmarks without a network.

Every good line is one schema.org JobPosting in JSON-LD, as a Chinese public employment
platform publishes it (district code, GCJ-02 coordinates on some records, pay per month,
hour, day or year, education and experience as structured values or as Chinese text).
A feed that is realistic also has flaws, so the stream carries, at the rates asked for:

- duplicates: the same job (title, employer, district, pay) posted again later in the
  stream by another platform, under that platform's identifier and link;
- malformed lines: truncated JSON, a missing title or identifier, impossible dates,
  negative or inverted pay, coordinates out of range, a wrong ``@type``. Nothing in a
  malformed line says that it is malformed.

Companies, people and telephone numbers are invented; the streets and district centres
are real so that distances and walking times look right. The stream depends only on its
parameters: the same ``seed`` and ``today`` give the same bytes.
"""

from __future__ import annotations

import bisect
import json
import math
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import prcoords

__all__ = [
    "DEFAULT_SOURCE",
    "DemoSummary",
    "demo_records",
    "write_demo_feed",
]

DEFAULT_SOURCE = "郑州市公共招聘平台（示例）"


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`write_demo_feed` wrote: ``records`` counts every line, flawed ones too."""

    records: int
    duplicates: int
    malformed: int
    path: Path


def write_demo_feed(
    path: Path,
    count: int,
    *,
    seed: int = 2026,
    today: date | None = None,
    duplicate_rate: float = 0.03,
    malformed_rate: float = 0.01,
    source_name: str = DEFAULT_SOURCE,
    posted_within_days: int = 30,
    validity_days: tuple[int, int] = (15, 90),
    valid_until: date | None = None,
    expired_rate: float = 0.05,
) -> DemoSummary:
    """Writes ``count`` JSON Lines to ``path`` (UTF-8, replaced atomically).

    The parameters are those of :func:`demo_records`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    tally = {_Kind.ORIGINAL: 0, _Kind.DUPLICATE: 0, _Kind.MALFORMED: 0}
    stream = _FeedGenerator(
        seed=seed,
        today=today or date.today(),
        duplicate_rate=duplicate_rate,
        malformed_rate=malformed_rate,
        source_name=source_name,
        posted_within_days=posted_within_days,
        validity_days=validity_days,
        valid_until=valid_until,
        expired_rate=expired_rate,
    )
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            for kind, line in stream.lines(count):
                tally[kind] += 1
                out.write(line)
                out.write("\n")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return DemoSummary(
        records=sum(tally.values()),
        duplicates=tally[_Kind.DUPLICATE],
        malformed=tally[_Kind.MALFORMED],
        path=path,
    )


def demo_records(
    count: int,
    *,
    seed: int = 2026,
    today: date | None = None,
    duplicate_rate: float = 0.03,
    malformed_rate: float = 0.01,
    source_name: str = DEFAULT_SOURCE,
    posted_within_days: int = 30,
    validity_days: tuple[int, int] = (15, 90),
    valid_until: date | None = None,
    expired_rate: float = 0.05,
) -> Iterator[str]:
    """``count`` JSON texts, one per line and without the newline.

    Dates: ``datePosted`` falls in the ``posted_within_days`` days up to ``today``.
    ``validThrough`` is ``validity_days`` after it, and never before ``today``, except on
    about ``expired_rate`` of the postings, which expired before ``today`` (posted at least
    ``validity_days[0] + 1`` days earlier). ``valid_until`` pins the end date of every
    posting that has not expired, which keeps a shipped feed current for a long time.
    Each line is an original posting, a duplicate (about ``duplicate_rate``) or a
    malformed line (about ``malformed_rate``).
    """
    stream = _FeedGenerator(
        seed=seed,
        today=today or date.today(),
        duplicate_rate=duplicate_rate,
        malformed_rate=malformed_rate,
        source_name=source_name,
        posted_within_days=posted_within_days,
        validity_days=validity_days,
        valid_until=valid_until,
        expired_rate=expired_rate,
    )
    for _kind, line in stream.lines(count):
        yield line


# ---------------------------------------------------------------------------------------
# Vocabulary: districts, streets, occupations. Pay is what Zhengzhou postings offered in
# 2025-2026 (monthly yuan, before tax), rounded; part-time, day-labour and annual pay
# are quoted in their own units as platforms do.


class _District(NamedTuple):
    name: str
    code: str
    lat: float
    lon: float
    weight: float
    streets: tuple[str, ...]


_DISTRICTS: tuple[_District, ...] = (
    _District("金水区", "410105", 34.800, 113.660, 24, (
        "花园路", "经三路", "农业路", "东风路", "文化路", "纬五路", "黄河路", "经八路",
        "丰产路", "北三环",
    )),
    _District("二七区", "410103", 34.724, 113.640, 16, (
        "大学路", "航海中路", "京广路", "嵩山南路", "兴华街", "长江路", "政通路", "淮河路",
    )),
    _District("中原区", "410102", 34.748, 113.613, 15, (
        "建设路", "中原路", "桐柏路", "伏牛路", "秦岭路", "华山路", "棉纺路", "工人路",
    )),
    _District("管城回族区", "410104", 34.754, 113.677, 13, (
        "紫荆山路", "东大街", "商城路", "城东路", "航海东路", "南关街", "未来路",
    )),
    _District("惠济区", "410108", 34.867, 113.617, 7, (
        "开元路", "天河路", "英才街", "江山路", "长兴路", "新城路",
    )),
    _District("新郑市", "410184", 34.396, 113.740, 8, (
        "轩辕路", "新华路", "中华路", "人民路", "文化路", "解放路",
    )),
    _District("中牟县", "410122", 34.719, 113.976, 6, (
        "青年路", "官渡大道", "万胜路", "中兴路", "东风路",
    )),
    _District("荥阳市", "410182", 34.787, 113.383, 5, (
        "索河路", "京城路", "演武路", "郑上路", "中原西路",
    )),
    _District("上街区", "410106", 34.803, 113.309, 3, (
        "济源路", "新安路", "中心路", "登封路", "工业路",
    )),
)  # fmt: skip

#: Jobs scatter uniformly over a disc of this radius around their district's centre.
_SCATTER_KM = 3.0


class _Rate(NamedTuple):
    """Pay quoted per hour, day or year instead of per month, on ``share`` of postings."""

    unit: str
    low: int
    high: int
    share: float
    title: str | None = None  # what such postings are called, e.g. 钟点工


class _Occupation(NamedTuple):
    titles: tuple[str, ...]
    category: str  # 国家职业分类大典 (2022) name
    industry: str  # GB/T 4754 门类
    trade: str  # what the employer's name says it does
    pay: tuple[int, int]  # monthly yuan
    weight: float
    education: tuple[str, ...]  # drawn uniformly: repeat a level to make it likelier
    experience: tuple[int, ...]  # months, drawn uniformly; 0 = none asked
    duties: tuple[str, ...]
    requirements: tuple[str, ...]
    hours: tuple[str, ...]
    benefits: tuple[str, ...]
    openings: tuple[int, int] = (1, 5)
    rates: tuple[_Rate, ...] = ()


_NONE, _MIDDLE, _HIGH, _VOC = "no requirement", "middle school", "high school", "vocational"
_ASSOC, _BACH, _POST = "associate degree", "bachelor degree", "postgraduate degree"

_SHIFT_HOURS = ("两班倒，每班12小时，月休4天", "长白班8:00-20:00，月休4天", "8:00-17:30，做六休一")
_OFFICE_HOURS = ("9:00-18:00，周末双休", "8:30-17:30，双休，法定节假日正常休息", "9:00-17:30，单休")
_SHOP_HOURS = (
    "早晚两班倒，每班8小时，月休4天",
    "9:00-21:00，轮班，月休4天",
    "早9点至晚6点，月休4天",
)
_SITE_HOURS = (
    "7:00-18:00，中午休息2小时，干一天结一天",
    "8:00-18:00，按天结算",
    "早7点至晚6点，月休2天",
)

_OCCUPATIONS: tuple[_Occupation, ...] = (
    _Occupation(
        ("普工", "流水线普工", "操作工", "包装工"), "电子设备装接工", "制造业", "电子科技",
        (4000, 6000), 9, (_NONE, _MIDDLE, _MIDDLE, _HIGH), (0, 0, 0, 3),
        ("负责流水线上手机配件的组装、检测和包装，按作业指导书操作。",
         "负责产品装箱、贴标和入库前的外观检查。",
         "按班组长安排完成当班产量，保持工位整洁。"),
        ("年龄18-45周岁，身体健康，能适应站立作业。", "无经验可培训，服从倒班安排。",
         "视力良好，无色盲色弱。"),
        _SHIFT_HOURS, ("五险", "包吃住", "全勤奖", "加班费", "免费班车", "工作服", "岗前培训"),
        (5, 50), (_Rate("HOUR", 18, 22, 0.12),),
    ),
    _Occupation(
        ("质检员", "品质检验员"), "质检员", "制造业", "精密机械",
        (4500, 6500), 3, (_HIGH, _VOC, _ASSOC), (0, 6, 12),
        ("负责来料、制程和成品的尺寸与外观检验，填写检验记录。",
         "使用卡尺、千分尺等量具进行抽检，发现异常及时上报。"),
        ("熟悉常用量具，能看懂简单图纸。", "做事细心，有责任心。"),
        _SHIFT_HOURS, ("五险一金", "包住", "餐补", "全勤奖", "年终奖"),
        (1, 4),
    ),
    _Occupation(
        ("数控车床操作工", "CNC操作工"), "车工", "制造业", "精密机械",
        (6000, 9000), 3, (_MIDDLE, _HIGH, _VOC), (6, 12, 24),
        ("负责数控车床的上下料、对刀和首件检验。", "按图纸加工零件，做好设备日常保养。"),
        ("会看机械图纸，能独立调机者优先。", "持有车工职业技能等级证书者优先。"),
        _SHIFT_HOURS, ("五险一金", "包住", "餐补", "技能津贴", "年终奖"),
        (2, 8),
    ),
    _Occupation(
        ("焊工", "电焊工", "氩弧焊工"), "焊工", "制造业", "机械制造",
        (7000, 11000), 3, (_NONE, _MIDDLE, _HIGH), (12, 24, 36),
        ("负责钢结构件和设备支架的焊接，保证焊缝质量。",
         "按工艺要求完成二氧化碳保护焊和氩弧焊作业。"),
        ("持有特种作业操作证（熔化焊接与热切割作业）。", "能看懂焊接图纸，有相关工作经验。"),
        ("8:00-18:00，月休4天", "长白班，加班另计"),
        ("五险", "包吃住", "高温补贴", "加班费", "劳保用品"),
        (2, 10),
    ),
    _Occupation(
        ("电工", "维修电工", "低压电工"), "电工", "建筑业", "机电工程",
        (6000, 9000), 4, (_HIGH, _VOC, _VOC, _ASSOC), (12, 24, 36),
        ("负责厂区或小区供配电设备的日常巡检和维修。", "负责照明、动力线路的安装与故障排除。"),
        ("持有低压电工特种作业操作证。", "有两年以上维修电工经验者优先。"),
        ("8:30-17:30，月休6天", "三班倒，月休4天", "8:00-17:00，做六休一"),
        ("五险一金", "餐补", "带薪年假", "节日福利", "劳保用品"),
        (1, 3),
    ),
    _Occupation(
        ("中餐厨师", "热菜厨师", "炒锅师傅"), "中式烹调师", "住宿和餐饮业", "餐饮管理",
        (5000, 9000), 5, (_NONE, _NONE, _MIDDLE, _HIGH), (12, 24, 36),
        ("负责中餐热菜制作，保证出品口味稳定。", "负责豫菜、家常菜的烹饪和菜品研发。",
         "配合厨师长做好食材验收和后厨卫生。"),
        ("持有健康证，有中式烹调师证书者优先。", "会做烩面、胡辣汤等本地菜品者优先。"),
        ("早10点至晚9点，中午休息2小时，月休4天", "10:00-14:00、17:00-21:00，月休4天"),
        ("五险", "包吃住", "带薪年假", "节日福利", "全勤奖"),
        (1, 3),
    ),
    _Occupation(
        ("面点师", "中式面点师"), "中式面点师", "住宿和餐饮业", "餐饮管理",
        (4500, 7000), 2, (_NONE, _MIDDLE, _HIGH), (6, 12, 24),
        ("负责包子、馒头、烩面等面点的制作。", "负责早餐档口面点的备料和出品。"),
        ("持有健康证，能吃苦耐劳。", "有酒店或连锁餐饮面点经验者优先。"),
        ("早5点至下午2点，月休4天", "早6点至下午3点，月休4天"),
        ("五险", "包吃住", "节日福利", "全勤奖"),
        (1, 2),
    ),
    _Occupation(
        ("服务员", "餐厅服务员", "前厅服务员"), "餐厅服务员", "住宿和餐饮业", "餐饮管理",
        (3500, 5000), 6, (_NONE, _NONE, _MIDDLE, _HIGH), (0, 0, 6),
        ("负责点餐、传菜、收台和顾客引导。", "负责前厅接待和包间服务，维护用餐环境整洁。"),
        ("形象良好，普通话标准，有亲和力。", "持有健康证，无经验可培训。"),
        _SHOP_HOURS, ("包吃住", "全勤奖", "节日福利", "员工餐", "岗前培训"),
        (2, 8), (_Rate("HOUR", 18, 22, 0.25),),
    ),
    _Occupation(
        ("外卖骑手", "全职骑手", "众包骑手"), "网约配送员", "交通运输、仓储和邮政业", "同城配送",
        (6000, 10000), 6, (_NONE, _NONE, _MIDDLE), (0,),
        ("负责所在商圈外卖订单的取餐和配送，按时送达。", "使用配送手机应用接单，规划路线。"),
        ("年龄18-50周岁，会骑电动车，熟悉郑州道路。", "有智能手机，能吃苦耐劳。"),
        ("早中晚高峰在线，时间自由", "每天在线8-10小时，可自选班次"),
        ("意外险", "新手补贴", "冲单奖励", "装备免费", "多劳多得"),
        (5, 30), (_Rate("HOUR", 20, 30, 0.15),),
    ),
    _Occupation(
        ("快递员", "快递派送员"), "快递员", "交通运输、仓储和邮政业", "快递",
        (5500, 9000), 4, (_NONE, _MIDDLE, _HIGH), (0, 0, 6),
        ("负责片区快件的派送和揽收，录入物流信息。", "维护片区客户，处理签收问题。"),
        ("会骑电动三轮车，吃苦耐劳。", "熟悉片区道路者优先。"),
        ("早7点至晚7点，月休2-4天",), ("五险", "计件提成", "餐补", "话费补贴", "车辆配备"),
        (2, 6),
    ),
    _Occupation(
        ("分拣员", "快递分拣员", "仓库分拣员"), "快件处理员", "交通运输、仓储和邮政业", "物流",
        (4000, 5500), 5, (_NONE, _MIDDLE), (0,),
        ("负责快件的卸车、扫描和按路由分拣。", "负责电商仓库订单拣货、复核和打包。"),
        ("身体健康，能适应夜班。", "无经验可培训，会使用扫描枪者优先。"),
        ("夜班20:00-次日8:00，月休4天", "两班倒，每班10小时"),
        ("五险", "包住", "夜班补贴", "全勤奖", "免费班车"),
        (5, 40), (_Rate("DAY", 150, 200, 0.2), _Rate("HOUR", 16, 20, 0.1)),
    ),
    _Occupation(
        ("仓库管理员", "仓管员"), "仓储管理员", "交通运输、仓储和邮政业", "供应链管理",
        (4000, 6000), 4, (_HIGH, _VOC, _ASSOC), (6, 12, 24),
        ("负责货物出入库登记、盘点和库位管理。", "使用WMS系统核对单据，确保账实相符。"),
        ("会使用Excel和仓储管理系统。", "有仓库管理经验者优先。"),
        ("8:30-17:30，做六休一",), ("五险一金", "餐补", "带薪年假", "节日福利", "年终奖"),
        (1, 2),
    ),
    _Occupation(
        ("叉车司机", "叉车工"), "起重装卸机械操作工", "交通运输、仓储和邮政业", "物流",
        (5500, 7500), 3, (_NONE, _MIDDLE, _HIGH), (6, 12, 24),
        ("负责仓库内货物的叉车搬运、装卸和码放。", "做好叉车日常检查和保养。"),
        ("持有叉车证（N1）。", "有电商仓或物流园工作经验者优先。"),
        ("两班倒，月休4天", "8:00-18:00，做六休一"), ("五险", "包住", "餐补", "全勤奖"),
        (1, 4),
    ),
    _Occupation(
        ("货车司机", "厢式货车司机", "城配司机"), "道路货运汽车驾驶员", "交通运输、仓储和邮政业",
        "物流", (7000, 11000), 3, (_NONE, _MIDDLE, _HIGH), (12, 24, 36),
        ("负责郑州市区及周边的城配送货。", "负责车辆的日常检查，保证货物安全送达。"),
        ("持C1或B2驾照，三年以上驾龄，无不良驾驶记录。", "熟悉郑州及周边路况。"),
        ("早6点出车，送完即下班，月休4天",), ("五险", "油补", "路桥费报销", "餐补", "全勤奖"),
        (1, 4),
    ),
    _Occupation(
        ("装卸工", "搬运工"), "装卸搬运工", "交通运输、仓储和邮政业", "物流",
        (4500, 7000), 4, (_NONE,), (0,),
        ("负责物流园货车的装卸和货物搬运。", "负责家电、建材等货物的装车和卸货。"),
        ("男性，身体健康，能吃苦耐劳。",),
        _SITE_HOURS, ("日结", "计件", "包午餐", "多劳多得"),
        (3, 20), (_Rate("DAY", 180, 260, 0.45),),
    ),
    _Occupation(
        ("保洁员", "写字楼保洁", "商场保洁"), "保洁员", "房地产业", "物业服务",
        (2500, 3500), 6, (_NONE,), (0,),
        ("负责写字楼公共区域和卫生间的清洁。", "负责商场地面和扶梯的日常保洁。"),
        ("年龄60周岁以下，身体健康，做事勤快。",),
        ("6:30-15:00，月休4天", "早7点至下午5点，月休4天"),
        ("工作服", "节日福利", "免费午餐", "意外险"),
        (2, 10), (_Rate("HOUR", 18, 22, 0.1), _Rate("DAY", 120, 160, 0.05)),
    ),
    _Occupation(
        ("保安", "保安员", "小区保安", "商场保安"), "保安员", "租赁和商务服务业", "保安服务",
        (3000, 4200), 6, (_NONE, _MIDDLE, _HIGH), (0, 0, 6),
        ("负责门岗值守、来访登记和车辆引导。", "负责园区巡逻和监控室值班，处置突发情况。"),
        ("年龄55周岁以下，身体健康，退伍军人优先。", "持有保安员证者优先。"),
        ("12小时两班倒，月休4天", "做一休一，每班24小时"),
        ("五险", "包住", "工作服", "节日福利", "意外险"),
        (2, 10),
    ),
    _Occupation(
        ("物业管家", "物业客服"), "物业管理员", "房地产业", "物业服务",
        (3500, 5500), 3, (_HIGH, _ASSOC, _ASSOC), (0, 6, 12),
        ("负责业主报修登记、投诉受理和回访。", "负责物业费催缴和小区公告发布。"),
        ("沟通能力强，会使用办公软件。", "有物业或客服经验者优先。"),
        ("8:30-17:30，做六休一", "早晚班轮换，月休6天"),
        ("五险一金", "餐补", "带薪年假", "节日福利"),
        (1, 3),
    ),
    _Occupation(
        ("育婴员", "育婴师", "住家育儿嫂"), "育婴员", "居民服务、修理和其他服务业", "家政服务",
        (5000, 8000), 4, (_NONE, _MIDDLE, _HIGH), (0, 12, 24),
        ("负责0-3岁婴幼儿的日常照护、喂养和早教游戏。", "协助家长照看宝宝饮食起居，记录成长情况。"),
        ("持有育婴员证和健康证，有带娃经验者优先。", "年龄25-50周岁，性格温和有耐心。"),
        ("住家，月休4天", "白班8:00-18:00，月休4天"),
        ("包吃住", "岗前培训", "意外险", "好评奖励"),
        (1, 5),
    ),
    _Occupation(
        ("家政服务员", "住家保姆"), "家政服务员", "居民服务、修理和其他服务业",
        "家政服务",
        (4000, 6500), 3, (_NONE, _MIDDLE), (0, 6, 12),
        ("负责雇主家庭的日常保洁、做饭和衣物整理。", "负责家庭深度保洁和收纳整理。"),
        ("持有健康证，身体健康，手脚麻利。", "会做家常面食者优先。"),
        ("住家，月休4天", "白班8:00-17:00，月休4天"),
        ("岗前培训", "意外险", "包吃住", "长期稳定"),
        (1, 8), (_Rate("HOUR", 30, 40, 0.3, "钟点工"),),
    ),
    _Occupation(
        ("养老护理员", "护理员"), "养老护理员", "卫生和社会工作", "养老服务",
        (4000, 6000), 4, (_NONE, _MIDDLE, _HIGH), (0, 6, 12),
        ("负责养老机构失能、半失能老人的生活照料。", "协助老人进餐、洗漱、翻身和康复活动。"),
        ("有爱心和耐心，持有养老护理员证者优先。", "年龄55周岁以下，能适应倒班。"),
        ("三班倒，月休4天", "做二休一"),
        ("五险", "包吃住", "岗位补贴", "免费培训考证", "节日福利"),
        (2, 10),
    ),
    _Occupation(
        ("护士", "病房护士", "门诊护士"), "内科护士", "卫生和社会工作", "医疗管理",
        (4500, 7500), 4, (_ASSOC, _ASSOC, _BACH), (0, 12, 24),
        ("负责病区患者的护理、输液和医嘱执行。", "负责门诊分诊、导诊和健康宣教。"),
        ("持有护士执业证书。", "有二级以上医院工作经验者优先。"),
        ("三班倒，月休8天", "8:00-17:30，轮休"),
        ("五险一金", "夜班费", "带薪年假", "定期体检", "继续教育"),
        (1, 6),
    ),
    _Occupation(
        ("药店营业员", "药店店员"), "医药商品购销员", "批发和零售业", "大药房连锁",
        (3500, 5000), 3, (_HIGH, _VOC, _ASSOC), (0, 6, 12),
        ("负责药品陈列、销售和顾客用药咨询。", "负责门店收银、盘点和会员维护。"),
        ("医药相关专业优先，持药师证者待遇从优。", "形象良好，服务意识强。"),
        ("早晚两班倒，月休4天",), ("五险", "提成", "带薪年假", "节日福利", "岗前培训"),
        (1, 3),
    ),
    _Occupation(
        ("康复治疗师", "康复技师"), "康复技师", "卫生和社会工作", "医疗管理",
        (5000, 8000), 1, (_ASSOC, _BACH, _BACH), (12, 24),
        ("负责患者运动疗法和物理因子治疗。", "制定康复训练计划并记录评估结果。"),
        ("康复治疗学相关专业，持康复治疗士证。",),
        ("8:00-17:30，周末轮休",), ("五险一金", "绩效奖金", "带薪年假", "定期体检"),
        (1, 2),
    ),
    _Occupation(
        ("Java开发工程师", "Java后端开发"), "计算机软件工程技术人员",
        "信息传输、软件和信息技术服务业", "信息技术", (9000, 18000), 3,
        (_ASSOC, _BACH, _BACH, _BACH, _POST), (12, 24, 36, 60),
        ("负责政务服务平台后端接口的设计与开发。",
         "使用Spring Boot和MySQL开发业务模块，编写单元测试。"),
        ("熟悉Java、Spring Boot、MySQL和Redis。", "计算机相关专业，有政务或电商项目经验者优先。"),
        _OFFICE_HOURS, ("五险一金", "周末双休", "带薪年假", "年终奖", "定期体检", "节日福利"),
        (1, 3), (_Rate("YEAR", 100000, 200000, 0.15),),
    ),
    _Occupation(
        ("前端开发工程师", "Web前端开发"), "计算机软件工程技术人员",
        "信息传输、软件和信息技术服务业", "软件科技", (8000, 15000), 2,
        (_ASSOC, _BACH, _BACH), (12, 24, 36),
        ("负责管理后台和小程序页面的开发与维护。", "与后端配合完成接口联调和性能优化。"),
        ("熟悉Vue或React，了解微信小程序开发。", "计算机相关专业大专及以上学历。"),
        _OFFICE_HOURS, ("五险一金", "周末双休", "带薪年假", "年终奖", "弹性工作"),
        (1, 2), (_Rate("YEAR", 96000, 180000, 0.15),),
    ),
    _Occupation(
        ("软件测试工程师", "测试工程师"), "计算机软件工程技术人员",
        "信息传输、软件和信息技术服务业", "信息技术", (6000, 11000), 2,
        (_ASSOC, _BACH), (6, 12, 24),
        ("负责编写测试用例，执行功能和接口测试。", "跟踪缺陷修复，输出测试报告。"),
        ("熟悉Postman、JMeter等工具，会写SQL。", "做事细致，有自动化测试经验者优先。"),
        _OFFICE_HOURS, ("五险一金", "周末双休", "带薪年假", "节日福利"),
        (1, 2), (_Rate("YEAR", 80000, 130000, 0.1),),
    ),
    _Occupation(
        ("网络运维工程师", "IT运维"), "信息通信网络运行管理员",
        "信息传输、软件和信息技术服务业", "网络科技", (5500, 9000), 2,
        (_VOC, _ASSOC, _BACH), (12, 24),
        ("负责机房服务器、网络设备的巡检和故障处理。", "负责办公网络、打印机和电脑的维护。"),
        ("熟悉Linux和常见网络设备配置。", "持有网络工程相关证书者优先。"),
        ("8:30-17:30，双休，偶尔值班",), ("五险一金", "餐补", "值班补贴", "带薪年假"),
        (1, 2),
    ),
    _Occupation(
        ("客服专员", "电话客服", "在线客服"), "呼叫中心服务员", "租赁和商务服务业", "信息咨询",
        (4000, 6000), 5, (_HIGH, _VOC, _ASSOC), (0, 0, 6),
        ("负责接听客户来电，解答业务咨询并登记工单。", "通过在线平台处理售后问题和客户回访。"),
        ("普通话标准，打字每分钟50字以上。", "有耐心，沟通表达能力强。"),
        ("早晚班轮换，月休6-8天", "9:00-18:00，做五休二"),
        ("五险一金", "绩效奖金", "餐补", "带薪年假", "岗前培训"),
        (5, 20), (_Rate("HOUR", 18, 22, 0.1),),
    ),
    _Occupation(
        ("电商运营", "电商运营专员", "直播运营"), "互联网营销师", "批发和零售业", "电子商务",
        (5000, 9000), 3, (_ASSOC, _ASSOC, _BACH), (6, 12, 24),
        ("负责店铺商品上架、活动策划和数据分析。", "负责直播间排期、选品和投放复盘。"),
        ("熟悉淘宝、抖音或拼多多后台操作。", "有本地特产或服装类目经验者优先。"),
        _OFFICE_HOURS, ("五险", "提成", "周末单休", "节日福利", "年终奖"),
        (1, 3),
    ),
    _Occupation(
        ("带货主播", "直播主播"), "互联网营销师", "文化、体育和娱乐业", "文化传媒",
        (5000, 12000), 2, (_HIGH, _ASSOC), (0, 6, 12),
        ("负责抖音直播间的商品讲解和带货。", "配合运营完成直播脚本和短视频拍摄。"),
        ("形象好，表达能力强，普通话标准。", "有直播经验者优先，新手可培训。"),
        ("每天直播6小时，月休4天",), ("底薪加提成", "五险", "带薪培训", "节日福利"),
        (1, 4), (_Rate("HOUR", 40, 80, 0.15),),
    ),
    _Occupation(
        ("销售代表", "销售顾问", "业务员"), "营销员", "批发和零售业", "商贸",
        (4000, 10000), 6, (_HIGH, _VOC, _ASSOC, _ASSOC), (0, 6, 12),
        ("负责区域客户开发和维护，完成销售任务。", "负责产品推广、报价和回款跟进。"),
        ("沟通能力强，能接受出差。", "有驾照、有快消或建材销售经验者优先。"),
        _OFFICE_HOURS, ("五险", "底薪加提成", "交通补贴", "话费补贴", "节日福利"),
        (2, 10),
    ),
    _Occupation(
        ("汽车销售顾问",), "营销员", "批发和零售业", "汽车销售服务",
        (5000, 12000), 2, (_HIGH, _ASSOC), (0, 12),
        ("负责展厅接待、车型讲解和试乘试驾。", "跟进意向客户，办理购车和上牌手续。"),
        ("有驾照，热爱汽车行业。", "有新能源汽车销售经验者优先。"),
        ("9:00-18:00，轮休",), ("五险", "底薪加提成", "餐补", "带薪年假"),
        (1, 4),
    ),
    _Occupation(
        ("房产经纪人", "置业顾问"), "房地产经纪人", "房地产业", "房地产经纪",
        (4000, 12000), 3, (_HIGH, _ASSOC), (0, 6),
        ("负责二手房和新房的带看、谈判和签约。", "维护房源信息，跟进客户需求。"),
        ("吃苦耐劳，沟通能力强。", "无经验可带教，持房地产经纪人协理证者优先。"),
        ("9:00-20:00，月休4天",), ("五险", "高提成", "带薪培训", "节日福利"),
        (2, 10),
    ),
    _Occupation(
        ("收银员", "超市收银员"), "收银员", "批发和零售业", "超市",
        (3000, 4000), 5, (_NONE, _MIDDLE, _HIGH), (0, 0, 6),
        ("负责超市收银、扫码和会员办理。", "负责收银台整理和交接班对账。"),
        ("做事细心，会使用收银系统者优先。", "能适应早晚班。"),
        _SHOP_HOURS, ("五险", "员工餐", "全勤奖", "节日福利", "员工折扣"),
        (2, 6), (_Rate("HOUR", 16, 20, 0.25),),
    ),
    _Occupation(
        ("理货员", "超市理货员"), "理货员", "批发和零售业", "超市",
        (3000, 4200), 4, (_NONE, _MIDDLE), (0,),
        ("负责商品上架、补货和陈列。", "检查商品保质期，协助盘点。"),
        ("身体健康，能搬运重物。",),
        _SHOP_HOURS, ("五险", "员工餐", "全勤奖", "节日福利"),
        (2, 8), (_Rate("HOUR", 16, 20, 0.2),),
    ),
    _Occupation(
        ("幼儿教师", "幼师"), "幼儿教育教师", "教育", "教育科技",
        (3500, 5500), 4, (_VOC, _ASSOC, _ASSOC, _BACH), (0, 12, 24),
        ("负责幼儿园班级的教学活动和一日生活组织。", "配合主班老师做好幼儿保育和家园沟通。"),
        ("学前教育相关专业，持有幼儿园教师资格证。", "有爱心，能弹琴唱歌者优先。"),
        ("7:30-17:30，周末双休，寒暑假带薪",), ("五险", "寒暑假", "餐补", "节日福利", "带薪培训"),
        (1, 4),
    ),
    _Occupation(
        ("课后托管老师", "作业辅导老师"), "其他教学人员", "教育", "教育咨询",
        (3500, 6000), 2, (_ASSOC, _BACH), (0, 6),
        ("负责小学生放学后的接送、作业辅导和晚餐照看。", "督促学生完成作业，与家长反馈学习情况。"),
        ("师范类专业优先，有耐心和责任心。", "有教师资格证者优先。"),
        ("12:00-20:00，周末双休",), ("五险", "餐补", "带薪寒暑假", "节日福利"),
        (1, 4), (_Rate("HOUR", 40, 60, 0.2),),
    ),
    _Occupation(
        ("钢筋工",), "钢筋工", "建筑业", "建筑劳务",
        (8000, 12000), 2, (_NONE,), (12, 24, 36),
        ("负责住宅项目钢筋的下料、绑扎和安装。", "按图纸和技术交底施工，配合质量验收。"),
        ("有钢筋工作业经验，能看懂施工图。",),
        _SITE_HOURS, ("包住", "工资月结", "劳保用品", "意外险"),
        (3, 15), (_Rate("DAY", 300, 380, 0.5),),
    ),
    _Occupation(
        ("建筑小工", "杂工"), "其他建筑施工人员", "建筑业", "建筑劳务",
        (4500, 6500), 3, (_NONE,), (0,),
        ("负责工地材料搬运、清理和配合大工施工。", "负责装修现场的垃圾清运和辅助工作。"),
        ("身体健康，能吃苦，年龄60周岁以下。",),
        _SITE_HOURS, ("日结", "包午餐", "意外险"),
        (3, 20), (_Rate("DAY", 150, 220, 0.7),),
    ),
    _Occupation(
        ("装修木工", "装饰装修工"), "装饰装修工", "建筑业", "装饰工程",
        (7000, 11000), 2, (_NONE, _MIDDLE), (12, 24, 36),
        ("负责吊顶、柜体和门窗套的制作安装。", "负责家装项目的木作施工和收口。"),
        ("有家装木工经验，会使用常用电动工具。",),
        _SITE_HOURS, ("工资按时结算", "意外险", "工程不断"),
        (1, 6), (_Rate("DAY", 280, 350, 0.5),),
    ),
    _Occupation(
        ("施工员", "土建施工员"), "土木建筑工程技术人员", "建筑业", "建筑工程",
        (5000, 8000), 2, (_VOC, _ASSOC, _BACH), (12, 24, 36),
        ("负责现场施工组织、进度和质量安全管理。", "编写施工日志，协调各班组作业。"),
        ("土木工程相关专业，持施工员证。", "能熟练使用CAD和广联达者优先。"),
        ("7:30-18:00，月休4天",), ("五险一金", "包吃住", "项目奖金", "带薪年假"),
        (1, 3), (_Rate("YEAR", 70000, 110000, 0.1),),
    ),
    _Occupation(
        ("会计", "出纳", "财务专员"), "会计专业人员", "租赁和商务服务业", "财务咨询",
        (4500, 7000), 3, (_ASSOC, _ASSOC, _BACH), (12, 24, 36),
        ("负责凭证录入、账务处理和纳税申报。", "负责日常报销审核和银行对账。"),
        ("会计相关专业，持初级会计职称。", "熟悉金蝶或用友财务软件。"),
        _OFFICE_HOURS, ("五险一金", "周末双休", "带薪年假", "节日福利"),
        (1, 2),
    ),
    _Occupation(
        ("行政文员", "前台文员"), "行政办事员", "租赁和商务服务业", "企业管理",
        (3500, 5000), 3, (_HIGH, _ASSOC, _ASSOC, _BACH), (0, 6, 12),
        ("负责前台接待、文件收发和会议室预订。", "负责办公用品采购和考勤统计。"),
        ("熟练使用Office办公软件。", "形象气质佳，做事细致。"),
        _OFFICE_HOURS, ("五险", "周末双休", "餐补", "节日福利", "带薪年假"),
        (1, 2),
    ),
    _Occupation(
        ("汽车维修工", "汽修师傅", "机修工"), "汽车维修工", "居民服务、修理和其他服务业",
        "汽车服务",
        (5500, 9000), 3, (_MIDDLE, _HIGH, _VOC), (12, 24, 36),
        ("负责车辆保养、故障诊断和维修。", "负责新能源汽车的检测和常规维修。"),
        ("持有汽车维修工职业技能等级证书者优先。", "有4S店工作经验者优先。"),
        ("8:30-18:00，月休4天",), ("五险", "包吃住", "提成", "带薪年假"),
        (1, 4),
    ),
    _Occupation(
        ("美发师", "发型师"), "美发师", "居民服务、修理和其他服务业", "美容美发",
        (4000, 8000), 2, (_NONE, _MIDDLE, _HIGH), (12, 24),
        ("负责顾客剪发、烫染和造型设计。", "维护老顾客，推广门店会员项目。"),
        ("有美发工作经验，手艺过硬。",),
        ("10:00-21:00，月休4天",), ("底薪加提成", "包住", "带薪培训", "节日福利"),
        (1, 3),
    ),
)  # fmt: skip

_PART_TIME_TYPES: tuple[str | list[str], ...] = (
    "PART_TIME",
    "PART_TIME",
    ["PART_TIME", "TEMPORARY"],
)
_DAY_LABOUR_TYPES: tuple[str | list[str], ...] = (
    "PER_DIEM",
    "TEMPORARY",
    ["TEMPORARY", "PER_DIEM"],
)
_PART_TIME_HOURS = (
    "每天4小时，时间可协商",
    "晚班17:00-21:00",
    "周末两天，每天8小时",
    "11:00-14:00午高峰",
)

_EDUCATION_TEXT = {
    _NONE: "不限",
    _MIDDLE: "初中及以上",
    _HIGH: "高中及以上",
    _VOC: "中专及以上",
    _ASSOC: "大专及以上",
    _BACH: "本科",
    _POST: "硕士及以上",
}

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁宋谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_CONTACT_TITLES = ("女士", "先生", "女士", "先生", "经理", "老师")
# Two invented characters make the employer's trade name: "郑州" + 恒瑞 + 餐饮管理 + 有限公司.
_NAME_FIRST = "恒瑞鑫华博宏源泰诚嘉永盛锦豫中天隆昌裕伟达信安新佳祥和润金"
_NAME_SECOND = "瑞达兴源通创科德泽丰宇辉联合晟航诺成阳森益邦拓岳远铭"

# Platforms that repost the same job: (source name, identifier prefix, link prefix).
_REPOSTERS = (
    ("河南省人力资源市场（示例）", "HN", "https://hrm.example.net/job/"),
    ("中国公共招聘网（示例）", "CJ", "https://job.example.com/detail/"),
    ("郑州人才网（示例）", "ZR", "https://www.example.net/zp/"),
)


class _Kind(Enum):
    ORIGINAL = "original"
    DUPLICATE = "duplicate"
    MALFORMED = "malformed"


_FLAWS = (
    "truncated",
    "no_title",
    "impossible_date",
    "negative_pay",
    "inverted_pay",
    "latitude",
    "swapped_coordinates",
    "no_identifier",
    "wrong_type",
)
_DUPLICATE_POOL = 2000  # reposts pick a job among the last originals


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    sums = []
    for weight in weights:
        total += weight
        sums.append(total)
    return sums


_DISTRICT_CUM = _cumulative([d.weight for d in _DISTRICTS])
_OCCUPATION_CUM = _cumulative([o.weight for o in _OCCUPATIONS])


_T = TypeVar("_T")


class _Dice(random.Random):
    """``random.Random`` with quicker draws for small ranges (all from ``random()``)."""

    def index(self, size: int) -> int:
        return int(self.random() * size)

    def pick(self, items: Sequence[_T]) -> _T:
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An integer in ``low..high``, both included."""
        return low + int(self.random() * (high - low + 1))

    def some(self, items: Sequence[_T], count: int) -> list[_T]:
        """``count`` distinct items in random order (a partial Fisher-Yates shuffle)."""
        pool = list(items)
        size = len(pool)
        for i in range(count):
            j = i + int(self.random() * (size - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:count]


class _FeedGenerator:
    """One pass over a synthetic feed; all randomness comes from one ``random.Random``."""

    def __init__(
        self,
        *,
        seed: int,
        today: date,
        duplicate_rate: float,
        malformed_rate: float,
        source_name: str,
        posted_within_days: int,
        validity_days: tuple[int, int],
        valid_until: date | None,
        expired_rate: float,
    ) -> None:
        for name, rate in (
            ("duplicate_rate", duplicate_rate),
            ("malformed_rate", malformed_rate),
            ("expired_rate", expired_rate),
        ):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} 应在 0 到 1 之间：{rate}")
        if duplicate_rate + malformed_rate > 1.0:
            raise ValueError("duplicate_rate 与 malformed_rate 之和不能超过 1")
        low, high = validity_days
        if not 1 <= low <= high:
            raise ValueError(
                f"validity_days 应为 (最短, 最长) 天数且 1 ≤ 最短 ≤ 最长：{validity_days}"
            )
        if posted_within_days < 0:
            raise ValueError(f"posted_within_days 不能为负：{posted_within_days}")
        if valid_until is not None and valid_until < today:
            raise ValueError(f"valid_until {valid_until} 早于 today {today}")
        if not source_name.strip():
            raise ValueError("source_name 不能为空")
        self.rng = _Dice(seed)
        self.today = today
        self.duplicate_rate = duplicate_rate
        self.malformed_rate = malformed_rate
        self.source_name = source_name
        self.window = posted_within_days
        self.validity = (low, high)
        self.valid_until = valid_until
        self.expired_rate = expired_rate
        self.reposters = [r for r in _REPOSTERS if r[0] != source_name]
        self.serial = 0
        self.repost_serial = self.rng.between(100_000, 899_999)
        self.employers: dict[str, list[_Employer]] = {}
        self.encode = json.JSONEncoder(ensure_ascii=False).encode

    def lines(self, count: int) -> Iterator[tuple[_Kind, str]]:
        if count < 0:
            raise ValueError(f"count 不能为负：{count}")
        rng = self.rng
        # Kept as text: thousands of live dicts would slow every garbage collection.
        recent: deque[tuple[str, float, float]] = deque(maxlen=_DUPLICATE_POOL)
        malformed = self.malformed_rate
        flawed_or_repost = malformed + self.duplicate_rate
        for _ in range(count):
            draw = rng.random()
            if draw < malformed:
                yield _Kind.MALFORMED, self._malformed(json.loads(self._posting()[0]))
            elif draw < flawed_or_repost and recent:
                original, lat, lon = recent[rng.index(len(recent))]
                yield _Kind.DUPLICATE, self._repost(json.loads(original), lat, lon)
            else:
                posting = self._posting()
                recent.append(posting)
                yield _Kind.ORIGINAL, posting[0]

    # -- one posting ------------------------------------------------------------------

    def _posting(self) -> tuple[str, float, float]:
        """A new posting as JSON text and its WGS-84 point (the text may carry GCJ-02)."""
        rng = self.rng
        job = _OCCUPATIONS[_pick(rng, _OCCUPATION_CUM)]
        employer = self._employer(job)
        self.serial += 1
        ident = f"ZZ-{self.today.year}-{self.serial:06d}"

        rate = next((r for r in job.rates if rng.random() < r.share), None)
        title = rng.pick(job.titles)
        if rate is None:
            unit, low, high = "MONTH", job.pay[0], job.pay[1]
            employment: str | list[str] = "FULL_TIME"
            if rng.random() < 0.04:
                employment = ["FULL_TIME", "CONTRACTOR"]
            elif job.education[-1] in (_ASSOC, _BACH, _POST) and rng.random() < 0.04:
                employment, title = "INTERN", f"{title}（实习生）"
                low, high = low // 2, low * 2 // 3
            hours = rng.pick(job.hours)
        else:
            unit, low, high = rate.unit, rate.low, rate.high
            if unit == "HOUR":
                employment = rng.pick(_PART_TIME_TYPES)
                title = rate.title or f"兼职{title}"
                hours = rng.pick(_PART_TIME_HOURS)
            elif unit == "DAY":
                employment = rng.pick(_DAY_LABOUR_TYPES)
                title = rate.title or f"{title}（日结）"
                hours = rng.pick(_SITE_HOURS)
            else:
                employment = "FULL_TIME"
                hours = rng.pick(job.hours)

        posted, through = self._dates()
        description = self._description(job, hours)
        head: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "identifier": {"@type": "PropertyValue", "name": self.source_name, "value": ident},
            "title": title,
            "description": description,
            "datePosted": posted,
            "validThrough": through,
            "employmentType": employment,
        }
        place = employer.place_json(gcj=rng.random() < 0.15)
        record: dict[str, Any] = {}  # the fields after the employer's
        salary = _salary(rng, unit, low, high)
        if salary is not None:
            record["baseSalary"] = salary
        education = rng.pick(job.education)
        shape = rng.random()
        if shape < 0.15:
            record["educationRequirements"] = _EDUCATION_TEXT[education]
        elif education != _NONE or shape < 0.5:
            record["educationRequirements"] = {
                "@type": "EducationalOccupationalCredential",
                "credentialCategory": education,
            }
        months = rng.pick(job.experience)
        shape = rng.random()
        if shape < 0.15:
            record["experienceRequirements"] = _experience_text(months)
        elif months and shape < 0.9:
            record["experienceRequirements"] = {
                "@type": "OccupationalExperienceRequirements",
                "monthsOfExperience": months,
            }
        record["occupationalCategory"] = job.category
        record["industry"] = job.industry
        record["jobBenefits"] = rng.some(job.benefits, rng.between(2, min(5, len(job.benefits))))
        record["totalJobOpenings"] = _openings(rng, job.openings)
        record["workHours"] = hours
        record["applicationContact"] = {
            "@type": "ContactPoint",
            "name": rng.pick(_SURNAMES) + rng.pick(_CONTACT_TITLES),
            "telephone": f"0371-6{rng.index(10_000_000):07d}",
            "contactType": "电话",
        }
        record["directApply"] = rng.random() < 0.8
        record["url"] = f"https://jobs.example.org/zz/{ident}"
        # The employer's part is encoded once per employer and spliced in; the text is the
        # same as encoding the whole record at once.
        line = f"{self.encode(head)[:-1]}, {place}, {self.encode(record)[1:]}"
        return line, employer.lat, employer.lon

    def _employer(self, job: _Occupation) -> _Employer:
        """An employer of the job's trade: often one seen before, with its address."""
        rng = self.rng
        known = self.employers.setdefault(job.trade, [])
        if known and rng.random() < 0.6:
            return known[rng.index(len(known))]
        district = _DISTRICTS[_pick(rng, _DISTRICT_CUM)]
        name = f"郑州{rng.pick(_NAME_FIRST)}{rng.pick(_NAME_SECOND)}{job.trade}有限公司"
        street = f"{district.name}{rng.pick(district.streets)}{rng.between(1, 299)}号"
        # Uniform over a disc: radius ~ sqrt(u); one degree of latitude is ~111.2 km.
        radius = _SCATTER_KM * math.sqrt(rng.random())
        angle = rng.random() * math.tau
        lat = district.lat + radius * math.cos(angle) / 111.2
        lon = district.lon + radius * math.sin(angle) / (
            111.2 * math.cos(math.radians(district.lat))
        )
        employer = _Employer(name, district, street, round(lat, 6), round(lon, 6))
        known.append(employer)
        return employer

    def _dates(self) -> tuple[str, str]:
        """datePosted, validThrough as a feed writes them (usually a datetime at 23:59:59)."""
        rng = self.rng
        low, high = self.validity
        if rng.random() < self.expired_rate:
            age = rng.between(low + 1, max(low + 1, self.window))
            posted = self.today - timedelta(days=age)
            through = posted + timedelta(days=rng.between(low, age - 1))
        else:
            age = rng.between(0, self.window)
            posted = self.today - timedelta(days=age)
            if self.valid_until is not None:
                through = self.valid_until
            else:
                through = posted + timedelta(days=rng.between(min(max(low, age), high), high))
                through = max(through, self.today)
        if rng.random() < 0.03:
            return posted.isoformat(), through.isoformat()
        return posted.isoformat(), f"{through.isoformat()}T23:59:59+08:00"

    def _description(self, job: _Occupation, hours: str) -> str:
        rng = self.rng
        duties = rng.some(job.duties, rng.between(1, min(2, len(job.duties))))
        needs = rng.some(job.requirements, rng.between(1, min(2, len(job.requirements))))
        parts = ["岗位职责：", *duties, "任职要求：", *needs]
        if rng.random() < 0.7:
            parts.append(f"工作时间：{hours}。")
        return "".join(parts)

    # -- reposts and flaws ------------------------------------------------------------

    def _repost(self, original: dict[str, Any], lat: float, lon: float) -> str:
        """The same job on another platform: its own identifier, link and date, maybe GCJ-02."""
        rng = self.rng
        source, prefix, link = rng.pick(self.reposters)
        self.repost_serial += rng.between(1, 40)
        ident = f"{prefix}{self.today.year % 100:02d}{self.repost_serial:07d}"
        record = dict(original)
        record["identifier"] = {"@type": "PropertyValue", "name": source, "value": ident}
        posted = date.fromisoformat(original["datePosted"])
        posted = min(self.today, posted + timedelta(days=rng.between(0, 3)))
        record["datePosted"] = posted.isoformat()
        place = original["jobLocation"]
        record["jobLocation"] = {**place, "geo": _geo(lat, lon, gcj=rng.random() < 0.5)}
        record["url"] = f"{link}{ident}"
        record["directApply"] = rng.random() < 0.5
        return self.encode(record)

    def _malformed(self, record: dict[str, Any]) -> str:
        rng = self.rng
        dumps = self.encode
        flaw = rng.pick(_FLAWS)
        if flaw == "truncated":
            text = dumps(record)
            return text[: rng.between(len(text) // 4, len(text) - 2)]
        if flaw == "no_title":
            del record["title"]
        elif flaw == "impossible_date":
            year = self.today.year
            field = rng.pick(("datePosted", "validThrough"))
            record[field] = rng.pick((f"{year}-13-45", f"{year}-02-30", f"{year}-11-31"))
        elif flaw in ("negative_pay", "inverted_pay"):
            value = (record.get("baseSalary") or {}).get("value") or {}
            low, high = value.get("minValue"), value.get("maxValue")
            if low is None or high is None:
                low = rng.between(30, 79) * 100
                high = low + rng.between(5, 39) * 100
            if flaw == "negative_pay":
                low = -low
            else:  # the two bounds typed into each other's field
                low, high = high, low
            salary = {
                "@type": "QuantitativeValue",
                "minValue": low,
                "maxValue": high,
                "unitText": value.get("unitText", "MONTH"),
            }
            pay = {"@type": "MonetaryAmount", "currency": "CNY", "value": salary}
            # In its usual place, right after jobLocation, like any other record.
            fields = [(k, v) for k, v in record.items() if k != "baseSalary"]
            at = 1 + next(i for i, (k, _) in enumerate(fields) if k == "jobLocation")
            record = dict([*fields[:at], ("baseSalary", pay), *fields[at:]])
        elif flaw == "latitude":
            record["jobLocation"]["geo"]["latitude"] = 234.5
        elif flaw == "swapped_coordinates":
            geo = record["jobLocation"]["geo"]
            geo["latitude"], geo["longitude"] = geo["longitude"], geo["latitude"]
        elif flaw == "no_identifier":
            del record["identifier"]
            del record["url"]  # a parser may take the url as the identifier
        else:
            record["@type"] = "Organization"
        return dumps(record)


class _Employer:
    """A fictional employer at a real street, with its JSON-LD encoded once per datum."""

    __slots__ = ("_json", "district", "lat", "lon", "name", "street")

    def __init__(self, name: str, district: _District, street: str, lat: float, lon: float):
        self.name = name
        self.district = district
        self.street = street
        self.lat = lat
        self.lon = lon
        self._json: list[str | None] = [None, None]

    def place_json(self, *, gcj: bool) -> str:
        """``"hiringOrganization": …, "jobLocation": …`` as JSON members."""
        text = self._json[gcj]
        if text is None:
            members = {
                "hiringOrganization": {"@type": "Organization", "name": self.name},
                "jobLocation": {
                    "@type": "Place",
                    "address": {
                        "@type": "PostalAddress",
                        "addressCountry": "CN",
                        "addressRegion": "河南省",
                        "addressLocality": "郑州市",
                        "addressDistrict": self.district.name,
                        "districtCode": self.district.code,
                        "streetAddress": self.street,
                    },
                    "geo": _geo(self.lat, self.lon, gcj=gcj),
                },
            }
            text = self._json[gcj] = json.dumps(members, ensure_ascii=False)[1:-1]
        return text


def _pick(rng: _Dice, cumulative: list[float]) -> int:
    """The index drawn with the weights behind ``cumulative`` (faster than ``choices``)."""
    index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
    return min(index, len(cumulative) - 1)


def _geo(lat: float, lon: float, *, gcj: bool) -> dict[str, Any]:
    """GeoCoordinates of a WGS-84 point, shifted to GCJ-02 and declared so when ``gcj``."""
    if not gcj:
        return {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
    shifted = prcoords.wgs_gcj(prcoords.Coords(lat, lon), True)
    return {
        "@type": "GeoCoordinates",
        "latitude": round(shifted.lat, 6),
        "longitude": round(shifted.lon, 6),
        "coordinateSystem": "GCJ02",
    }


def _salary(rng: _Dice, unit: str, low: int, high: int) -> dict[str, Any] | None:
    """baseSalary: a range (mostly), one figure, or nothing at all (面议)."""
    shape = rng.random()
    if shape < 0.04:
        return None
    step = {"HOUR": 1, "DAY": 10, "YEAR": 1000}.get(unit, 500 if low >= 4000 else 100)
    span = high - low
    minimum = _round_to(low + rng.random() * span * 0.4, step)
    maximum = max(minimum + step, _round_to(low + span * (0.6 + rng.random() * 0.4), step))
    value: dict[str, Any] = {"@type": "QuantitativeValue"}
    if shape < 0.09:
        value["value"] = _round_to((minimum + maximum) / 2, step)
    else:
        value["minValue"] = minimum
        value["maxValue"] = maximum
    value["unitText"] = unit
    return {"@type": "MonetaryAmount", "currency": "CNY", "value": value}


def _round_to(amount: float, step: int) -> int:
    return round(amount / step) * step


def _experience_text(months: int) -> str:
    if months == 0:
        return "经验不限"
    if months == 6:
        return "半年以上"
    if months < 12:
        return f"{months}个月以上"
    return f"{months // 12}年以上"


def _openings(rng: _Dice, bounds: tuple[int, int]) -> int:
    """Skewed toward the low end: most postings want one to a few people."""
    low, high = bounds
    return low + int((high - low) * rng.random() ** 2.5)
