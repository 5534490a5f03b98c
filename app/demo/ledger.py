"""Demo data for the ledger (台账): a city's enterprises, projects, chains, indicators and monthly reports.

`seed_demo_ledger(today)` lays a plausible, deterministic (seeded random) ledger at the scale of a real city:
about 1,500 enterprises over the 5 counties and 8 parks (valid 统一社会信用代码), each in one or two of the 12
chains with a few 链主 per chain; about 30 at 10亿 or more of 营业收入 (a handful 100亿级) — some targets behind,
some on track; about 1,000 规上 with their 规上 since dates and some 退规; the registries (培育库, 退规风险库,
100亿级名录 with its 一企一策, 专精特新 at each level with years, 高企) and the listing pipeline (8 listed); a 联点
leader for most 规上 enterprises; about 600 projects (about 60 at 10亿 or more, two at 100亿) with planned and actual
milestones (late ones → red, due within 10 working days → yellow), year plans and cumulative monthly figures; the
chains' monthly scale reported by each chain's leading unit; the entered indicators monthly; the yearly targets
2022–2025 and the current year (city, and per county / park for the indicators that break down); the reporting
calendar and its submissions — mostly on time, some late, some missing.

Figures are cumulative in the calendar year (年初至本月累计), from 2022-01 to last month (the month before `today`).
A unit's figures for a month exist exactly when its submission for that month does: a missing submission is a gap
in the series of that unit's enterprises or projects (the next month's cumulative figure covers it). A few
enterprise figures are lower than the month before and carry their `correction_reason`, as the reporting rules
allow; every other series is non-decreasing within a year.

Rows are written in bulk (Core executemany on plain tables, values in the driver's own form, explicit ids), so
the whole ledger takes a few seconds. It is laid only into an empty ledger: when any enterprise, project, chain
figure or submission exists the function adds nothing (so a second `flask demo` adds nothing). Yearly targets and
reporting duties that exist already are kept as they are. It does not commit. benchmarks/stress_ledger.py uses
the same generator for the benchmarks' 20,000 enterprises and 5,000 projects.
"""

import math
import random
import time
from bisect import bisect_left
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from stdnum.cn.uscc import calc_check_digit

from app.auth.models import Role, User
from app.core.calendar import get_calendar
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    IndicatorTarget,
    IndicatorValue,
    ListingStage,
    ListingStep,
    Project,
    ProjectFigure,
    ProjectMilestone,
    ProjectSource,
    ProjectStage,
    ProjectYearPlan,
    Registry,
    RegistryMembership,
    ReportingDuty,
    ReportSubject,
    ReportSubmission,
    SpecializedLevel,
    enterprise_tier,
    project_tier,
)
from app.org.models import Chain, Person, PortfolioItem, Target, Unit

DEMO_NOTE = "演示数据"
FIRST_MONTH = date(2022, 1, 1)
ABOVE_SCALE_WAN = 2000  # 规上: 年主营业务收入 2000万元 及以上

# The counties and parks that keep enterprises and projects: short name -> (weight, 行政区划代码 of the place).
UNIT_PROFILE = {
    "湘潭县": (1.3, "430321"), "湘乡市": (1.1, "430381"), "韶山市": (0.45, "430382"), "雨湖区": (0.6, "430302"),
    "岳塘区": (0.6, "430304"), "湘潭高新区": (1.4, "430304"), "湘潭经开区": (1.5, "430302"),
    "湘潭综保区": (0.3, "430302"), "岳塘经开区": (0.8, "430304"), "天易经开区": (1.0, "430321"),
    "湘乡经开区": (0.8, "430381"), "韶山高新区": (0.4, "430382"), "雨湖高新区": (0.5, "430302"),
}
NATIONAL_PARKS = ("湘潭高新区", "湘潭经开区", "湘潭综保区")  # 国家级园区 (P2-1); the other parks are 省级 (P2-2)
COUNTIES = ("湘潭县", "湘乡市", "韶山市", "雨湖区", "岳塘区")
# What goes wrong in the reports of the last two months (every light and every late report appears).
MISSING_LAST_MONTH = {("韶山市", "enterprise_figures"), ("韶山市", "project_figures"),
                      ("雨湖高新区", "enterprise_figures")}
MISSING_MONTH_BEFORE = {("湘潭综保区", "project_figures"), ("韶山高新区", "enterprise_figures")}
LATE_MONTH_BEFORE = {("岳塘区", "enterprise_figures"), ("湘乡经开区", "project_figures"),
                     ("湘乡经开区", "enterprise_figures"), ("天易经开区", "project_figures")}
LATE_LAST_MONTH = {("湘潭县", "project_figures")}  # late only once last month's deadline has passed

# Chain -> (2025 full-year scale in 亿元, yearly growth): some reach their tier, some are behind.
CHAIN_SCALE_2025 = {
    "新能源和汽车制造": (1046, 1.12), "精品钢材及新材料": (1182, 1.05), "军工": (612, 1.09),
    "绿色建材装配式建筑和建工": (823, 1.04), "生态绿色食品及槟榔制品": (566, 1.07), "文体旅游休闲": (431, 1.10),
    "先进电传动和新型能源装备": (538, 1.13), "高端装备制造": (507, 1.08), "电子信息和新一代信息技术": (326, 1.15),
    "现代商贸及物流": (615, 1.06), "高端医疗器械及生物医药": (148, 1.11), "省级优势产业配套": (233, 1.05),
}
# Chain -> (industry words of its enterprises' names, product phrases of its projects).
CHAIN_WORDS = {
    "新能源和汽车制造": (["汽车", "新能源汽车", "汽车零部件", "电池", "电机电控"],
                  ["年产20万台新能源汽车电驱系统", "动力电池模组及PACK生产线", "汽车轻量化零部件生产基地",
                   "新能源汽车整车技改扩能", "锂电池正极材料"]),
    "精品钢材及新材料": (["钢铁", "新材料", "特钢", "金属材料", "碳材料"],
                  ["高端特种钢材深加工", "宽厚板产线升级改造", "电池级碳酸锂及新材料产业园", "石墨烯新材料",
                   "高性能焊材生产线"]),
    "军工": (["精密机械", "防务装备", "特种材料", "光电"], ["特种装备研发生产基地", "军民融合精密制造产业园",
                                                 "特种材料生产线扩能", "光电探测器件"]),
    "绿色建材装配式建筑和建工": (["建材", "建设", "装配式建筑", "新型墙材"],
                       ["装配式建筑PC构件生产基地", "绿色建材产业园", "新型干混砂浆生产线",
                        "钢结构装配式住宅部品"]),
    "生态绿色食品及槟榔制品": (["食品", "槟榔", "农产品", "粮油"], ["槟榔食品深加工", "湘莲精深加工产业园",
                                                      "冷链食品加工及配送中心", "预制菜生产基地"]),
    "文体旅游休闲": (["文化旅游", "体育", "文创"], ["红色文旅综合体", "全域旅游集散中心", "体育运动休闲小镇",
                                       "文创产业园"]),
    "先进电传动和新型能源装备": (["电机", "电气", "风电装备", "能源装备"],
                       ["大功率风电机组总装基地", "永磁同步电机生产线", "储能变流器及系统集成",
                        "轨道交通牵引电传动系统"]),
    "高端装备制造": (["重工", "智能装备", "机械", "机器人"], ["智能矿山装备产业园", "工业机器人整机及关键部件",
                                              "高端数控机床生产线", "盾构机关键部件再制造"]),
    "电子信息和新一代信息技术": (["电子", "信息技术", "软件", "半导体"],
                       ["新型显示模组生产线", "数据中心及算力平台", "功率半导体封装测试", "工业互联网平台"]),
    "现代商贸及物流": (["物流", "商贸", "供应链", "冷链"], ["公铁联运物流园", "城市商业综合体", "冷链物流仓储中心",
                                             "跨境电商产业园"]),
    "高端医疗器械及生物医药": (["医疗器械", "生物医药", "制药", "医用材料"],
                       ["高端医疗器械产业园", "生物医药创新中心", "原料药及制剂生产线", "医用防护材料生产线"]),
    "省级优势产业配套": (["配套", "精工", "化工", "包装"], ["精细化工配套项目", "产业配套标准厂房",
                                             "工业气体供应站", "绿色包装材料生产线"]),
}
BRANDS_1 = "华湘潭宏鑫兴盛恒泰瑞金德隆昌天力远达新丰永安荣嘉利通凯博信中正"
BRANDS_2 = "能源科泰成源汇晟锦润航宇辉联创盈邦翔锐拓峰翰骏晨昊顺诚铭"
ENTERPRISE_SUFFIXES = ("有限公司", "股份有限公司", "有限责任公司", "科技有限公司")
SEASON = (0.062, 0.066, 0.084, 0.081, 0.084, 0.088, 0.080, 0.083, 0.088, 0.086, 0.090, 0.108)
INVEST_SEASON = (0.045, 0.055, 0.085, 0.09, 0.09, 0.095, 0.09, 0.09, 0.09, 0.09, 0.09, 0.09)
MILESTONE_MONTHS = ((0, 0), (2, 6), (1, 2), (10, 30), (1, 3), (5, 12))  # gap before each stage, in months

# Entered indicators (measure NULL): 2022 .. 2026 values (the year's total of a flow), shape, source.
ENTERED = {
    "G12": ((36.8, 37.5, 38.3, 38.9, 39.2), "ratio", "市统计局季度统计数据"),
    "G14": ((8.9, 7.6, 8.2, 7.9, 8.4), "ratio", "市统计局规模工业月报"),
    "G16": ((2.45, 2.60, 2.72, 2.86, 2.93), "ratio", "市科技局、市统计局测算"),
    "G17": ((30.2, 31.8, 33.1, 34.4, 35.2), "ratio", "市统计局季度统计数据"),
    "G18": ((31.5, 32.9, 34.0, 35.1, 35.6), "ratio", "市科技局测算"),
    "P2-1": ((18.2, 20.1, 22.4, 24.1, 25.3), "ratio", "市税务局、市自然资源规划局数据"),
    "P2-2": ((9.6, 10.8, 12.1, 13.6, 14.8), "ratio", "市税务局、市自然资源规划局数据"),
    "P2-3": ((72.0, 74.5, 76.8, 78.2, 79.1), "ratio", "市统计局、市发改委测算"),
    "P3-1": ((2.62, 2.81, 3.08, 2.94, 2.73), "flow", "市市场监管局登记数据"),
    "P7-3": ((2.1, 4.8, 7.2, 9.1, 10.6), "ratio", "市经研金融办测算"),
}
ENTERED_LATE = {"G16"}  # last month entered late
ENTERED_MISSING = {"P7-3"}  # the last two months not entered
# Baselines (2021) of the 2025 targets, for the yearly path 2022-2025; default 70 % of the target.
BASELINES = {"G01": 1, "G02": 0, "G03": 2, "G04": 1, "G05": 3, "G06": 4, "G07": 6, "G08": 8, "G09": 0,
             "G10": 30, "G11": 380, "G12": 36, "G13": 1050, "G15": 520, "G16": 2.3, "G17": 29, "G18": 30,
             "P1-1": 12, "P1-2": 1, "P1-3": 0, "P1-4": 2, "P1-5": 1, "P2-1": 17, "P2-2": 9, "P2-3": 70,
             "P2-4": 1, "P5-4": 1, "P6-1": 3, "P6-2": 4, "P6-3": 6, "P6-4": 8, "P7-1": 5, "P7-2": 5, "P7-3": 0}
PLAN_DOCUMENT = (
    "{name}“一企一策”培育方案\n"
    "一、发展目标：到2025年营业收入突破{goal}亿元，进入全省同行业前列。\n"
    "二、支持措施：1. 市工信局牵头组建服务专班，{liaison}同志联点帮扶；2. 支持企业实施技术改造和扩能项目，"
    "优先保障用地、用能指标；3. 市经研金融办协调银行授信，支持企业债券融资；4. 支持企业兼并重组、延伸产业链。\n"
    "三、责任分工：{unit}负责日常服务和要素保障，市发改委负责重大项目争资争项，市商务局负责配套企业招引。\n"
    "四、调度机制：每季度召开一次专题调度会，问题清单化交办、销号管理。"
)
RISK_REASONS = ("订单下滑，营业收入连续三个月同比下降", "主要产品价格下跌，产值下降明显", "停产技改，产值大幅减少",
                "资金链紧张，生产不稳定")
CULTIVATION_REASONS = ("营业收入接近2000万元，具备升规潜力", "新投产项目达产后可升规", "订单增长较快，年内有望升规")
CORRECTION_REASON = "经市统计局核定更正，本月累计较上月下调"
LISTING_NOTES = {ListingStage.listed: "深交所创业板上市", ListingStage.applied: "已向北交所提交申报材料",
                 ListingStage.counselling: "湖南证监局辅导备案", ListingStage.quoted: "新三板挂牌",
                 ListingStage.shareholding: "完成股份制改造"}


LEVELS = list(SpecializedLevel)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def last_month(today: date) -> date:
    """The month before `today`'s: the last month whose figures are reported."""
    return month_of(month_index(today) - 1)


def month_end(index: int) -> date:
    return month_of(index + 1) - timedelta(days=1)


def demo_uscc(rng, division: str, taken: set) -> str:
    """A fresh, valid 统一社会信用代码: 9 (工商) 1 (企业), the place's division code, a 9-character organisation code
    (with its GB 11714 check character) and the check character of stdnum.cn.uscc."""
    letters = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        if rng.random() < 0.6:
            body = "MA4" + "".join(rng.choice(letters) for _ in range(5))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
        check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        organisation = body + ("X" if check == 10 else "0" if check == 11 else str(check))
        number = "91" + division + organisation
        number += calc_check_digit(number)
        if number not in taken:
            taken.add(number)
            return number


class LedgerGenerator:
    """Rows of a demo or stress ledger, as plain dicts in the driver's form (dates as ISO text and UTC datetimes as
    naive text on SQLite), with explicit ids; one random stream, so the rows depend only on the arguments.

    `enterprises` and `projects` set the size; the tiers, registries and pipeline scale with them (the demo's
    1,500 / 600 give about 30 enterprises and 60 projects at 10亿 or more). Figures run from `first_month` to the
    month before `today`."""

    def __init__(self, today, *, enterprises=1500, projects=600, first_month=FIRST_MONTH, seed=20261206):
        self.today = today
        self.rng = random.Random(seed)
        self.n_enterprises, self.n_projects = enterprises, projects
        self.e_scale, self.p_scale = enterprises / 1500, projects / 600
        self.first = month_index(first_month)
        self.last = month_index(last_month(today))
        self.sqlite = db.session.get_bind().dialect.name == "sqlite"
        self.tz = ZoneInfo(current_app.config["TIMEZONE"])
        self.now = current_app.extensions["clock"].now()
        self.calendar = get_calendar()
        self._load_organisation()

    # --- values in the driver's form

    def day(self, value):
        return value.isoformat() if self.sqlite and value is not None else value

    def stamp(self, day, minutes=600):
        """Local `day` at `minutes` after midnight as a UTC moment, never later than now, in the driver's form."""
        moment = datetime.combine(day, clock_time(0, 0), tzinfo=self.tz) + timedelta(minutes=minutes)
        moment = min(moment.astimezone(UTC), self.now - timedelta(minutes=5))
        return moment.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else moment

    # --- the organisation the ledger hangs on

    def _load_organisation(self):
        units = db.session.scalars(sa.select(Unit).where(Unit.short_name.in_(list(UNIT_PROFILE)))).all()
        self.units = {u.short_name: u.id for u in units if u.group is not None}
        self.unit_names = {v: k for k, v in self.units.items()}
        self.unit_list = [name for name in UNIT_PROFILE if name in self.units]
        self.unit_cum = list(accumulate(UNIT_PROFILE[name][0] for name in self.unit_list))
        by_name = dict(db.session.execute(sa.select(Unit.name, Unit.id)).all())
        by_short = dict(db.session.execute(sa.select(Unit.short_name, Unit.id)).all())
        self.gxj = by_name.get("市工信局")
        self.fgw = by_name.get("市发改委")
        self.commerce = by_name.get("市商务局")
        self.finance = by_short.get("市经研金融办")
        self.chains = db.session.execute(sa.select(Chain.id, Chain.name, Chain.tier, Chain.leader_unit_id)
                                         .order_by(Chain.sort_order, Chain.id)).all()
        self.chain_cum = list(accumulate(math.sqrt(c.tier) for c in self.chains))
        self.staff = {}
        for user_id, unit_id in db.session.execute(sa.select(User.id, User.unit_id).where(
                User.role == Role.staff, User.unit_id.is_not(None), User.is_active_account).order_by(User.id)):
            self.staff.setdefault(unit_id, user_id)
        self.admin = db.session.scalar(sa.select(User.id).where(User.role == Role.admin).order_by(User.id).limit(1))
        self.people = db.session.scalars(sa.select(Person.id).where(Person.is_active).order_by(Person.id)).all()
        on = self.today
        self.portfolio = dict(db.session.execute(sa.select(PortfolioItem.unit_id, PortfolioItem.person_id)
                                                 .where(PortfolioItem.current_on(on))).all())
        self.targets = db.session.execute(sa.select(Target.id, Target.code, Target.value, Target.period,
                                                    Target.measure, Target.breaks_down, Target.responsible_unit_id,
                                                    Target.unit_label)
                                          .where(Target.code.is_not(None)).order_by(Target.id)).all()

    def pick_unit(self):
        x = self.rng.random() * self.unit_cum[-1]
        return self.unit_list[bisect_left(self.unit_cum, x)]

    def pick_chain(self):
        x = self.rng.random() * self.chain_cum[-1]
        return self.chains[bisect_left(self.chain_cum, x)]

    def scaled(self, n, scale=None):
        return max(1, round(n * (self.e_scale if scale is None else scale)))

    # --- the reporting plan: when each unit reported each month (None: not reported)

    def due_on(self, index, workday=5):
        return self.calendar.add_workdays(month_end(index), workday)

    def submission_day(self, index, workday, kind, last_possible):
        """The day a submission of month `index` was made: on time, late (kind "late") or None (not reported or
        not yet reported by `last_possible`)."""
        cal, rng = self.calendar, self.rng
        due = self.due_on(index, workday)
        if kind == "missing":
            return None
        if kind == "late":
            day = cal.add_workdays(due, rng.randint(1, 6))
        else:
            day = cal.add_workdays(due, -rng.choice((0, 0, 1, 1, 2, 3)))
        if day > last_possible:
            if kind == "late":
                return None
            first_workday = cal.add_workdays(month_end(index), 1)
            if first_workday > last_possible:
                return None
            day = first_workday + timedelta(days=rng.randint(0, (last_possible - first_workday).days))
            day = day if cal.is_workday(day) else first_workday
        return day

    def plan_reports(self, duties):
        """{(duty key, month index): (submitted day, is late, due)} for the figures duties (key (unit short name,
        subject)); absent: not reported."""
        rng, last = self.rng, self.last
        yesterday = self.today - timedelta(days=1)
        plan = {}
        for key in duties:
            for index in range(self.first, last + 1):
                if index == last:
                    kind = ("missing" if key in MISSING_LAST_MONTH else "late" if key in LATE_LAST_MONTH
                            else "on_time")
                elif index == last - 1:
                    kind = ("missing" if key in MISSING_MONTH_BEFORE else "late" if key in LATE_MONTH_BEFORE
                            else "on_time")
                else:
                    r = rng.random()
                    kind = "missing" if r < 0.006 and index % 12 != 11 else "late" if r < 0.08 else "on_time"
                due = self.due_on(index)
                day = self.submission_day(index, 5, kind, yesterday)
                if day is not None:
                    plan[key, index] = (day, day > due, due)
        return plan

    # --- enterprises

    def enterprise_rows(self, first_id, taken_uscc, plan):
        """All enterprise rows: {model: [rows]} for Enterprise, EnterpriseChain, RegistryMembership, ListingStep,
        and EnterpriseFigure (the last in chunks through `figure_sink`)."""
        rng = self.rng
        n = self.n_enterprises
        tiers = [(100, self.scaled(5)), (50, self.scaled(6)), (20, self.scaled(8)), (10, self.scaled(13))]
        big = sum(c for _, c in tiers)
        above_now = max(0, round(1000 * self.e_scale) - big)
        exited = self.scaled(60)
        small = max(0, n - big - above_now - exited)
        bounds = {100: (1_000_000, 3_200_000), 50: (500_000, 990_000), 20: (200_000, 495_000),
                  10: (100_000, 198_000)}
        specs = []
        for tier, count in tiers:
            low, high = bounds[tier]
            specs += [("big", low + (high - low) * rng.random() ** 1.5) for _ in range(count)]
        specs += [("above", ABOVE_SCALE_WAN * 1.1 * (42 ** (rng.random() ** 1.7))) for _ in range(above_now)]
        specs += [("exited", 0.0) for _ in range(exited)]
        specs += [("small", 300 + 1650 * rng.random()) for _ in range(small)]
        # 规上 entries per year since 2022 (净增 = entries - exits, P4-1), the rest 规上 since earlier years.
        entries = {2022: 140, 2023: 150, 2024: 145, 2025: 135, 2026: 120}
        exits = {2022: 18, 2023: 20, 2024: 15, 2025: 22, 2026: 12}
        last_day = month_of(self.last)
        entry_years = [y for y, c in entries.items() for _ in range(self.scaled(c)) if y <= last_day.year]
        exit_years = [y for y, c in exits.items() for _ in range(self.scaled(c)) if y <= last_day.year]
        rng.shuffle(entry_years)
        rng.shuffle(exit_years)
        enterprises = []
        names = set()
        for i, (kind, revenue) in enumerate(specs):
            unit = self.pick_unit()
            chain = self.pick_chain()
            chains = [chain.id]
            if rng.random() < 0.25:
                other = self.pick_chain()
                if other.id != chain.id:
                    chains.append(other.id)
            e = {"id": first_id + i, "kind": kind, "unit": unit, "chains": chains, "chain_name": chain.name}
            if kind == "exited":
                year = exit_years.pop() if exit_years else 2024
                e["left_on"] = date(year, 1 + rng.randrange(min(12, last_day.month if year == last_day.year
                                                                else 12)), 1)
                e["growth"] = rng.uniform(0.82, 0.92)
                # below 2000万 from the year before it left
                revenue = ABOVE_SCALE_WAN * rng.uniform(0.8, 0.97) * e["growth"] ** (2025 - (year - 1))
                e["above_since"] = date(rng.randint(2008, min(year - 1, 2021)), rng.randint(1, 12), 1)
            elif kind in ("big", "above"):
                e["growth"] = rng.uniform(0.97, 1.16)
                if kind == "above" and entry_years:
                    year = entry_years.pop()
                    month = rng.randint(1, last_day.month if year == last_day.year else 12)
                    e["above_since"] = date(year, month, 1)
                else:
                    e["above_since"] = date(rng.randint(2003, 2021), rng.randint(1, 12), 1)
                if kind == "above" and e["above_since"].year >= 2022:
                    revenue = max(revenue, ABOVE_SCALE_WAN * rng.uniform(1.05, 1.6))
            else:
                e["growth"] = rng.uniform(0.95, 1.25)
            e["revenue2025"] = revenue
            words = CHAIN_WORDS.get(chain.name, (["实业"], []))[0]
            while True:
                name = (rng.choice(("湘潭", "湖南", unit[:2], "湘潭"))
                        + rng.choice(BRANDS_1) + rng.choice(BRANDS_2) + rng.choice(words)
                        + rng.choice(ENTERPRISE_SUFFIXES))
                if name not in names or len(names) > 20_000:
                    names.add(name)
                    break
            e["name"] = name
            e["uscc"] = demo_uscc(rng, UNIT_PROFILE[unit][1], taken_uscc)
            starts = self.first if kind == "big" or rng.random() < 0.92 else rng.randint(self.first, self.last)
            if e.get("above_since") and month_index(e["above_since"]) < starts:
                starts = max(self.first, min(starts, month_index(e["above_since"])))
            e["starts"] = starts
            enterprises.append(e)
        return enterprises

    def annual_revenue(self, e, year):
        rng_year = random.Random(e["id"] * 7919 + year)
        return e["revenue2025"] * e["growth"] ** (year - 2025) * rng_year.uniform(0.95, 1.05)

    def enterprise_table_rows(self, enterprises):
        rng = self.rng
        rows = {Enterprise: [], EnterpriseChain: []}
        # 链主: the two to four largest members of each chain
        by_chain = {}
        for e in enterprises:
            for chain_id in e["chains"]:
                by_chain.setdefault(chain_id, []).append(e)
        masters = set()
        for chain_id, members in by_chain.items():
            members.sort(key=lambda e: -e["revenue2025"])
            masters.update((chain_id, e["id"]) for e in members[:rng.randint(2, 4)])
        # 联点 leaders for most 规上 enterprises; the city leaders take the largest
        above = [e for e in enterprises if e.get("above_since") and not e.get("left_on")]
        above.sort(key=lambda e: -e["revenue2025"])
        for rank, e in enumerate(above):
            if rng.random() < 0.93 and self.people:
                e["liaison"] = self.people[rank % 10] if rank < 40 else rng.choice(self.people)
        created = self.stamp(date(2022, 3, 20), 540)
        latest = month_of(self.last)
        full = latest.year if latest.month == 12 else latest.year - 1  # the latest full year reported
        for e in enterprises:
            tier = enterprise_tier(Decimal(str(round(self.annual_revenue(e, full), 2))))
            rows[Enterprise].append({
                "id": e["id"], "name": e["name"], "uscc": e["uscc"], "unit_id": self.units[e["unit"]],
                "is_above_scale": bool(e.get("above_since")) and not e.get("left_on"),
                "above_scale_since": self.day(e.get("above_since")), "left_scale_on": self.day(e.get("left_on")),
                "liaison_id": e.get("liaison"), "revenue_tier": tier, "tier_year": full if tier else None,
                "listing_stage": None, "note": DEMO_NOTE, "is_active": True, "created_at": created,
                "updated_at": created})
            e["row"] = rows[Enterprise][-1]
            for chain_id in e["chains"]:
                rows[EnterpriseChain].append({"enterprise_id": e["id"], "chain_id": chain_id,
                                              "is_master": (chain_id, e["id"]) in masters})
        return rows

    def enterprise_figures(self, e, plan, corrections):
        """The monthly cumulative figures of one enterprise (rows where its unit reported)."""
        rows = []
        reporter = self.staff.get(self.units[e["unit"]])
        for year in range(month_of(max(e["starts"], self.first)).year, month_of(self.last).year + 1):
            annual = self.annual_revenue(e, year)
            r = random.Random(e["id"] * 104729 + year)
            weights = [w * r.uniform(0.85, 1.15) for w in SEASON]
            total = sum(weights)
            output_ratio, tax_rate = r.uniform(0.92, 1.08), r.uniform(0.015, 0.06)
            cumulative, previous = 0.0, None
            for month in range(12):
                cumulative += weights[month]
                index = year * 12 + month
                if index < e["starts"] or index > self.last:
                    continue
                submitted = plan.get(((e["unit"], "enterprise_figures"), index))
                if submitted is None:
                    continue
                revenue = round(annual * cumulative / total, 2)
                reason = None
                if previous is not None and (e["id"], index) in corrections:
                    revenue, reason = round(previous * 0.985, 2), CORRECTION_REASON
                rows.append({"enterprise_id": e["id"], "month": self.day(month_of(index)), "revenue": revenue,
                             "output": round(revenue * output_ratio, 2), "tax": round(revenue * tax_rate, 2),
                             "reported_by_id": reporter,
                             "reported_at": self.stamp(submitted[0], 540 + (e["id"] * 37) % 480),
                             "correction_reason": reason})
                previous = revenue
        return rows

    def registry_rows(self, enterprises):
        """Memberships of the registries and the listing pipeline's steps; sets each enterprise's listing stage."""
        rng = self.rng
        last_day = month_of(self.last)
        rows = {RegistryMembership: [], ListingStep: []}
        gxj_user = self.staff.get(self.gxj)
        kjj_user = self.staff.get(db.session.scalar(sa.select(Unit.id).where(Unit.name == "市科技局")))

        def add(e, kind, starts_on, reason, level=None, year=None, ends_on=None, end_reason=None, plan="",
                by=gxj_user):
            starts_on = min(starts_on, self.today - timedelta(days=1))
            rows[RegistryMembership].append({
                "enterprise_id": e["id"], "kind": kind.value, "level": level.value if level else None, "year": year,
                "starts_on": self.day(starts_on), "ends_on": self.day(ends_on), "reason": reason,
                "plan_document": plan, "added_by_id": by, "ended_by_id": by if ends_on else None,
                "end_reason": end_reason, "created_at": self.stamp(starts_on, 600),
                "updated_at": self.stamp(ends_on or starts_on, 600)})

        small = [e for e in enterprises if e["kind"] == "small"]
        rng.shuffle(small)
        for e in small[:self.scaled(150)]:
            add(e, Registry.cultivation, date(rng.choice((2025, 2026)), rng.randint(1, 6), rng.randint(1, 28)),
                rng.choice(CULTIVATION_REASONS))
        recent = [e for e in enterprises if e["kind"] == "above" and e["above_since"].year >= last_day.year - 1]
        for e in recent[:self.scaled(60)]:
            start = e["above_since"] - timedelta(days=rng.randint(120, 400))
            add(e, Registry.cultivation, start, rng.choice(CULTIVATION_REASONS), ends_on=e["above_since"],
                end_reason="已升规入库")
        above = [e for e in enterprises if e["kind"] == "above"]
        weakest = sorted(above, key=lambda e: e["revenue2025"] * e["growth"])[:self.scaled(45)]
        for e in weakest:
            add(e, Registry.exit_risk, date(rng.choice((2025, 2026)), rng.randint(1, 9), rng.randint(1, 28)),
                rng.choice(RISK_REASONS))
        for e in enterprises:
            if e["kind"] == "exited" and e["left_on"].year >= 2023:
                add(e, Registry.exit_risk, e["left_on"] - timedelta(days=rng.randint(150, 300)),
                    rng.choice(RISK_REASONS), ends_on=e["left_on"], end_reason="已退规")
        big = sorted((e for e in enterprises if e["kind"] == "big"), key=lambda e: -e["revenue2025"])
        for e in big[:self.scaled(11)]:
            goal = 100 if e["revenue2025"] < 1_000_000 else 200 if e["revenue2025"] < 2_000_000 else 300
            liaison = db.session.get(Person, e["liaison"]).name if e.get("liaison") else "市领导"
            add(e, Registry.hundred_billion, date(2022, 6, 15), "营业收入50亿元以上，纳入100亿级企业重点培育名录",
                plan=PLAN_DOCUMENT.format(name=e["name"], goal=goal, liaison=liaison, unit=e["unit"]))
        # 专精特新 at each level, with their years; 高企
        candidates = [e for e in enterprises if e["kind"] in ("above", "big")]
        rng.shuffle(candidates)
        years = [y for y in range(2021, last_day.year + 1)]
        city = {y: self.scaled(64 if y < 2026 else 66) for y in years}
        province = {y: self.scaled(27 if y < 2026 else 24) for y in years}
        national = {y: self.scaled(9 if y < 2026 else 11) for y in years}
        pool = iter(candidates)
        for year in years:
            for _ in range(city[year]):
                e = next(pool, None)
                if e is None:
                    break
                add(e, Registry.specialized, date(year, 9, rng.randint(1, 28)), "市工信局认定",
                    level=SpecializedLevel.city, year=year)
                e.setdefault("specialized", []).append((SpecializedLevel.city, year))
        for level, counts, reason, month in ((SpecializedLevel.province, province, "省工信厅认定", 7),
                                             (SpecializedLevel.national, national, "工业和信息化部公告", 8)):
            for year in years:
                # promoted from the level below, recognised in an earlier year
                eligible = [e for e in candidates if e.get("specialized") and e["specialized"][-1][1] < year
                            and LEVELS.index(e["specialized"][-1][0]) == LEVELS.index(level) - 1]
                for e in rng.sample(eligible, min(len(eligible), counts[year])):
                    add(e, Registry.specialized, date(year, month, rng.randint(1, 28)), reason, level=level,
                        year=year)
                    e["specialized"].append((level, year))
        for e in big[-self.scaled(4):]:
            year = rng.choice(years[1:])
            add(e, Registry.specialized, date(year, 12, rng.randint(1, 20)), "工业和信息化部、中国工业经济联合会公布",
                level=SpecializedLevel.champion, year=year)
        tech = [e for e in enterprises if e["kind"] in ("above", "big") or rng.random() < 0.1]
        rng.shuffle(tech)
        for e in tech[:self.scaled(560)]:
            year = rng.randint(2019, last_day.year)
            expired = year <= 2022 and rng.random() < 0.25
            starts = date(year, 12, rng.randint(1, 20))
            add(e, Registry.high_tech, starts, "高新技术企业认定", year=year, by=kjj_user,
                ends_on=date(year + 3, 12, 31) if expired else None,
                end_reason="证书到期未重新认定" if expired else None)
            if not expired:
                e["high_tech"] = starts
        # the listing pipeline
        stages = list(ListingStage)
        reaching = ([ListingStage.listed] * self.scaled(8) + [ListingStage.applied] * self.scaled(3)
                    + [ListingStage.counselling] * self.scaled(5) + [ListingStage.quoted] * self.scaled(10)
                    + [ListingStage.shareholding] * self.scaled(14))
        pipeline = [e for e in candidates if e.get("high_tech") and e["high_tech"].year <= 2021]
        pipeline.sort(key=lambda e: -e["revenue2025"])
        finance_user = self.staff.get(self.finance)
        for e, furthest in zip(pipeline, reaching, strict=False):
            day = e["high_tech"]
            for stage in stages[:furthest.order + 1]:
                if stage == ListingStage.little_giant:
                    levels = [lv for lv, _ in e.get("specialized", ())]
                    if SpecializedLevel.province not in levels and SpecializedLevel.national not in levels:
                        continue
                if stage != ListingStage.high_tech:
                    day = day + timedelta(days=rng.randint(90, 330))
                day = min(day, self.today - timedelta(days=2))
                rows[ListingStep].append({"enterprise_id": e["id"], "stage": stage.value, "reached_on": self.day(day),
                                          "note": LISTING_NOTES.get(stage, ""), "recorded_by_id": finance_user,
                                          "recorded_at": self.stamp(day, 900)})
            e["row"]["listing_stage"] = furthest.value
        return rows

    # --- projects

    def project_rows(self, first_id, enterprises, plan):
        rng, cal, today = self.rng, self.calendar, self.today
        rows = {Project: [], ProjectMilestone: [], ProjectYearPlan: [], ProjectFigure: []}
        n = self.n_projects
        huge, large = self.scaled(2, self.p_scale) if n >= 100 else 1, self.scaled(60, self.p_scale)
        below = self.scaled(18, self.p_scale)
        totals = ([rng.uniform(1_020_000, 1_600_000) for _ in range(huge)]
                  + [100_000 * (8 ** rng.random() ** 1.6) for _ in range(large)]
                  + [rng.uniform(5_000, 9_900) for _ in range(below)])
        totals += [10_000 * (9.8 ** rng.random() ** 1.8) for _ in range(max(0, n - len(totals)))]
        by_unit_chain = {}
        for e in enterprises:
            by_unit_chain.setdefault((e["unit"], e["chains"][0]), []).append(e["id"])
        stages = list(ProjectStage)
        first_day = month_of(self.first)
        for i, total in enumerate(totals[:n]):
            pid = first_id + i
            unit = self.pick_unit()
            chain = self.pick_chain() if rng.random() < 0.92 else None
            source = rng.choices((ProjectSource.attracted, ProjectSource.local, ProjectSource.government),
                                 (55, 35, 10))[0]
            lead = {ProjectSource.attracted: self.commerce, ProjectSource.government: self.fgw}.get(source)
            if lead is None:
                lead = (chain.leader_unit_id if chain is not None and chain.leader_unit_id else self.gxj)
            signed = first_day - timedelta(days=400) + timedelta(days=int(rng.random() ** 0.8 * (
                (today - first_day).days + 330)))
            signed = min(signed, today - timedelta(days=20))
            scale_months = 1 + int(math.log10(max(total, 10_000) / 10_000) * 10)
            planned, day = [], signed
            for index, (low, high) in enumerate(MILESTONE_MONTHS):
                if index == 3:
                    high = high + scale_months
                day = day + timedelta(days=int(30.4 * rng.uniform(low, high))) if index else day
                planned.append(day)
            pace = rng.random()
            delay = 0 if pace < 0.55 else rng.randint(10, 60) if pace < 0.85 else rng.randint(90, 300)
            actual, reached = [], -1
            shift = 0
            for index, day in enumerate(planned):
                shift += 0 if index == 0 else int(delay * rng.uniform(0.2, 1.0))
                if index and rng.random() < 0.2:
                    shift -= rng.randint(5, 20)
                moment = day + timedelta(days=max(shift, -20))
                if actual and actual[-1] is not None:
                    moment = max(moment, actual[-1] + timedelta(days=1))
                if moment < today and (not actual or actual[-1] is not None):
                    actual.append(moment)
                    reached = index
                else:
                    actual.append(None)
            nxt = reached + 1
            roll = rng.random()
            if nxt < len(stages) and roll < 0.12:
                # due within 10 working days (yellow); later stages move with it
                soon = cal.add_workdays(today, rng.randint(1, 9))
                gap = soon - planned[nxt]
                planned = planned[:nxt] + [d + gap for d in planned[nxt:]]
            elif nxt < len(stages) and planned[nxt] >= today and roll < 0.26 and nxt > 0:
                # behind its plan (red)
                gap = planned[nxt] - (today - timedelta(days=rng.randint(15, 120)))
                planned = planned[:nxt] + [d - gap for d in planned[nxt:]]
                planned[nxt] = max(planned[nxt], actual[nxt - 1] + timedelta(days=1))
            stage = stages[max(reached, 0)]
            enterprise = rng.choice(by_unit_chain.get((unit, chain.id if chain else None), [None]))
            code = f"XT{signed.year}{self.unit_list.index(unit) + 1:02d}{pid:05d}"
            words = CHAIN_WORDS.get(chain.name if chain else "", (["实业"], ["产业升级"]))[1]
            company = rng.choice(BRANDS_1) + rng.choice(BRANDS_2) + rng.choice(("集团", "科技", "实业", "控股"))
            name = f"{company}{rng.choice(words) if words else '产业升级'}项目"
            created = self.stamp(max(signed, date(2022, 3, 20)), 600)
            rows[Project].append({
                "id": pid, "code": code, "name": name, "unit_id": self.units[unit],
                "chain_id": chain.id if chain else None, "lead_unit_id": lead,
                "leader_id": self.portfolio.get(self.units[unit]), "enterprise_id": enterprise,
                "total_investment": round(total, 2), "tier": project_tier(total), "source": source.value,
                "signed_on": self.day(signed) if source == ProjectSource.attracted else None,
                "is_top500": source == ProjectSource.attracted and rng.random() < 0.1, "stage": stage.value,
                "note": DEMO_NOTE, "is_active": True, "created_at": created, "updated_at": created})
            if reached < 0:
                rows[Project][-1]["stage"] = ProjectStage.signed.value
            for index, st in enumerate(stages):
                rows[ProjectMilestone].append({"project_id": pid, "stage": st.value,
                                               "planned_on": self.day(planned[index]),
                                               "actual_on": self.day(actual[index])})
            started = actual[1] if reached >= 1 else None
            finished = actual[3] if reached >= 3 else None
            build_from = month_index(started or planned[1])
            # building until it is finished; a late one goes on past its planned completion
            build_to = month_index(finished) if finished else max(month_index(planned[3]), self.last)
            build_to = max(build_to, build_from)
            self._project_money(rows, pid, unit, total, build_from, build_to, started, finished, plan)
        return rows

    def _project_money(self, rows, pid, unit, total, build_from, build_to, started, finished, plan):
        """Year plans over the construction years, and the cumulative monthly 完成投资 / 到位资金 while building."""
        rng = self.rng
        months = build_to - build_from + 1
        per_month = total * rng.uniform(0.85, 0.98) / months
        performance = rng.choice((0.35, 0.55, 0.8, 0.9, 0.95, 1.0, 1.0, 1.05, 1.1))
        funds_ratio = rng.uniform(0.75, 1.05)
        reporter = self.staff.get(self.units[unit])
        spent_before = 0.0
        last_year = month_of(self.last).year
        for year in range(month_of(build_from).year, month_of(build_to).year + 1):
            in_year = [i for i in range(max(build_from, year * 12), min(build_to, year * 12 + 11) + 1)]
            planned_year = per_month * len(in_year)
            if year >= 2022 and year <= last_year + 1:
                rows[ProjectYearPlan].append({"project_id": pid, "year": year,
                                              "planned_investment": round(planned_year, 2)})
            if started is None or year < 2022 or year > last_year:
                continue
            cumulative = 0.0
            for index in in_year:
                if index < month_index(started) or index > self.last or index < self.first:
                    continue  # nothing invested before the start; nothing reported for coming months
                weight = INVEST_SEASON[index % 12] * 12
                cumulative += per_month * performance * weight * rng.uniform(0.8, 1.2)
                room = total - spent_before
                cumulative = min(cumulative, room)
                submitted = plan.get(((unit, "project_figures"), index))
                if submitted is None:
                    continue
                rows[ProjectFigure].append({"project_id": pid, "month": self.day(month_of(index)),
                                            "invested": round(cumulative, 2),
                                            "funds": round(cumulative * funds_ratio, 2),
                                            "reported_by_id": reporter,
                                            "reported_at": self.stamp(submitted[0], 600 + pid % 420),
                                            "correction_reason": None})
            spent_before += cumulative

    # --- chains

    def chain_rows(self, plan):
        rows = []
        for chain in self.chains:
            scale2025, growth = CHAIN_SCALE_2025.get(chain.name, (chain.tier * 0.7, 1.08))
            reporter_unit = chain.leader_unit_id or self.gxj
            key = (self.chain_key(reporter_unit), "chain_scale")
            for year in range(month_of(self.first).year, month_of(self.last).year + 1):
                r = random.Random(chain.id * 31 + year)
                annual = scale2025 * growth ** (year - 2025) * r.uniform(0.97, 1.03)
                weights = [w * r.uniform(0.9, 1.1) for w in SEASON]
                total = sum(weights)
                cumulative = 0.0
                for month in range(12):
                    cumulative += weights[month]
                    index = year * 12 + month
                    if index < self.first or index > self.last:
                        continue
                    submitted = plan.get((key, index))
                    if submitted is None:
                        continue
                    rows.append({"chain_id": chain.id, "month": self.day(month_of(index)),
                                 "scale": round(annual * cumulative / total, 2),
                                 "reported_by_id": self.staff.get(reporter_unit),
                                 "reported_at": self.stamp(submitted[0], 660), "correction_reason": None})
        return rows

    def chain_key(self, unit_id):
        return f"unit:{unit_id}"


def _tables():
    models = (Enterprise, EnterpriseChain, RegistryMembership, ListingStep, EnterpriseFigure, Project,
              ProjectMilestone, ProjectYearPlan, ProjectFigure, ChainFigure, IndicatorTarget, IndicatorValue,
              ReportingDuty, ReportSubmission)
    return {m: sa.table(m.__tablename__, *(sa.column(c.name) for c in m.__table__.columns)) for m in models}


def _next_id(model):
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _write(table, rows, batch=5000):
    for start in range(0, len(rows), batch):
        db.session.execute(sa.insert(table), rows[start:start + batch])


def ledger_is_empty():
    return all(db.session.scalar(sa.select(model.id).limit(1)) is None
               for model in (Enterprise, Project, ChainFigure, ReportSubmission))


ORDER = (Enterprise, EnterpriseChain, RegistryMembership, ListingStep, EnterpriseFigure, Project, ProjectMilestone,
         ProjectYearPlan, ProjectFigure, ChainFigure, IndicatorTarget, IndicatorValue, ReportSubmission)


def seed_demo_ledger(today, *, enterprises=1500, projects=600, seed=20261206):
    """Lay the demo ledger into an empty ledger (see the module docstring); returns counts of what was added."""
    if not ledger_is_empty():
        return {"enterprises": 0, "projects": 0, "figures": 0, "submissions": 0}
    return seed_ledger(today, enterprises=enterprises, projects=projects, seed=seed)


def seed_ledger(today, *, enterprises, projects, first_month=FIRST_MONTH, seed=20261206, write=None, chunk=2000,
                say=None):
    """The ledger's rows, written with `write(table, rows)` (Core executemany by default) in insert order, the
    enterprises' figures in chunks of `chunk` enterprises. Adds to what is there: chain figures, indicator values
    and submissions only where none exist yet (the stress set on top of the demo). Returns the counts."""
    started = time.perf_counter()
    write = write or _write
    say = say or (lambda *_: None)
    counts = Counter()
    _leading_units()
    gen = LedgerGenerator(today, enterprises=enterprises, projects=projects, first_month=first_month, seed=seed)
    tables = _tables()
    duties, duty_keys = _duties(gen, tables, counts)
    plan = gen.plan_reports([k for k in duty_keys if k[1] in ("enterprise_figures", "project_figures")]
                            + [(gen.chain_key(u), "chain_scale") for u in _chain_reporters(gen)])
    taken = set(db.session.scalars(sa.select(Enterprise.uscc)))
    ents = gen.enterprise_rows(_next_id(Enterprise), taken, plan)
    rows = gen.enterprise_table_rows(ents)
    rows.update(gen.registry_rows(ents))
    for model in (Enterprise, EnterpriseChain, RegistryMembership, ListingStep):
        batch = rows.pop(model)
        write(tables[model], batch)
        counts[model.__tablename__] += len(batch)
    unit_of_enterprise = {e["id"]: gen.units[e["unit"]] for e in ents}
    corrections = set()
    pool = [e for e in ents if e["kind"] == "above"]
    for e in gen.rng.sample(pool, min(len(pool), gen.scaled(6))):
        corrections.add((e["id"], gen.rng.randint(max(gen.first, 2024 * 12 + 1), min(gen.last, 2025 * 12 + 10))))
    reported = Counter()  # (subject, unit id, month) -> rows, for the submissions
    for first in range(0, len(ents), chunk):
        figures = []
        for e in ents[first:first + chunk]:
            figures += gen.enterprise_figures(e, plan, corrections)
        for r in figures:
            reported["enterprise_figures", unit_of_enterprise[r["enterprise_id"]], r["month"]] += 1
        write(tables[EnterpriseFigure], figures)
        counts["enterprise_figures"] += len(figures)
        say(f"  台账：{min(first + chunk, len(ents))}/{len(ents)} 家企业，{counts['enterprise_figures']} 条月度数据，"
            f"{time.perf_counter() - started:.1f} 秒")
    rows.update(gen.project_rows(_next_id(Project), ents, plan))
    unit_of_project = {r["id"]: r["unit_id"] for r in rows[Project]}
    for r in rows[ProjectFigure]:
        reported["project_figures", unit_of_project[r["project_id"]], r["month"]] += 1
    if db.session.scalar(sa.select(ChainFigure.id).limit(1)) is None:
        rows[ChainFigure] = gen.chain_rows(plan)
    chain_unit = {c.id: c.leader_unit_id or gen.gxj for c in gen.chains}
    for r in rows.get(ChainFigure, ()):
        reported["chain_scale", chain_unit[r["chain_id"]], r["month"]] += 1
    rows[IndicatorTarget] = _indicator_targets(gen)
    rows[IndicatorValue], indicator_submissions = _indicator_values(gen, duties)
    if db.session.scalar(sa.select(ReportSubmission.id).limit(1)) is None:
        rows[ReportSubmission] = _submissions(gen, duties, plan, reported) + indicator_submissions
    for model in ORDER:
        if model in rows:
            write(tables[model], rows[model])
            counts[model.__tablename__] += len(rows[model])
    _move_sequences()
    db.session.flush()
    say(f"  台账完成：{len(ents)} 家企业，{len(rows[Project])} 个项目，用时 {time.perf_counter() - started:.1f} 秒")
    return {"enterprises": counts["enterprises"], "projects": counts["projects"],
            "figures": counts["enterprise_figures"] + counts["project_figures"] + counts["chain_figures"],
            "submissions": counts["report_submissions"], **{k: v for k, v in counts.items()
                                                            if k not in ("enterprises", "projects")},
            "seconds": round(time.perf_counter() - started, 1)}


def _move_sequences():
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("enterprises", "projects"):
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"))


def _leading_units():
    """A chain without a leading unit (and not edited by an administrator) is run by the 市工信局."""
    edited = set(db.session.scalars(sa.select(AuditEntry.object_id).where(AuditEntry.action == "chain.update")))
    gxj = db.session.scalar(sa.select(Unit.id).where(Unit.name == "市工信局"))
    for chain in db.session.scalars(sa.select(Chain).where(Chain.leader_unit_id.is_(None))):
        if str(chain.id) not in edited and gxj is not None:
            chain.leader_unit_id = gxj
    db.session.flush()


def _chain_reporters(gen):
    return sorted({c.leader_unit_id or gen.gxj for c in gen.chains})


def _entered_targets(gen):
    return [t for t in gen.targets if t.measure is None and t.code in ENTERED]


def _duties(gen, tables, counts):
    """The reporting calendar: each county and park reports its enterprises' and projects' figures, each chain's
    leading unit its chains' scale, each responsible unit its entered indicators (statistics by the 10th working
    day, the rest by the 5th). Existing duties are kept. Returns ({key: (duty id, due workday)}, keys)."""
    existing = {(row.unit_id, row.subject, row.target_id): (row.id, row.due_workday)
                for row in db.session.execute(sa.select(ReportingDuty.id, ReportingDuty.unit_id,
                                                        ReportingDuty.subject, ReportingDuty.target_id,
                                                        ReportingDuty.due_workday))}
    wanted = []
    for name in gen.unit_list:
        for subject in ("enterprise_figures", "project_figures"):
            wanted.append(((name, subject), gen.units[name], ReportSubject(subject), None, 5))
    for unit_id in _chain_reporters(gen):
        wanted.append(((gen.chain_key(unit_id), "chain_scale"), unit_id, ReportSubject.chain_scale, None, 5))
    statistics = db.session.scalar(sa.select(Unit.id).where(Unit.name == "市统计局"))
    for t in _entered_targets(gen):
        if t.responsible_unit_id is None:
            continue
        wanted.append(((f"target:{t.id}", "indicator"), t.responsible_unit_id, ReportSubject.indicator, t.id,
                       10 if t.responsible_unit_id == statistics else 5))
    duties, new = {}, []
    next_id = _next_id(ReportingDuty)
    created = gen.stamp(date(2022, 1, 10), 600)
    for key, unit_id, subject, target_id, workday in wanted:
        found = existing.get((unit_id, subject, target_id))
        if found is not None:
            duties[key] = found
            continue
        duties[key] = (next_id, workday)
        new.append({"id": next_id, "unit_id": unit_id, "subject": subject.value, "target_id": target_id,
                    "due_workday": workday, "is_active": True, "created_at": created, "updated_at": created})
        next_id += 1
    _write(tables[ReportingDuty], new)
    counts["reporting_duties"] += len(new)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('reporting_duties', 'id'), "
                                   "COALESCE((SELECT max(id) FROM reporting_duties), 1))"))
    return duties, [k for k, *_ in wanted]


def _submissions(gen, duties, plan, reported):
    """A submission row for every (duty, month) of the plan, with its row count."""
    out = []
    for (key, index), (day, late, due) in sorted(plan.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        duty_id, workday = duties[key]
        name, subject = key
        unit_id = gen.units[name] if subject != "chain_scale" else int(name.split(":")[1])
        if workday != 5:
            due = gen.due_on(index, workday)
            late = day > due
        month = gen.day(month_of(index))
        out.append({"duty_id": duty_id, "month": month, "submitted_at": gen.stamp(day, 540 + duty_id * 13 % 480),
                    "submitted_by_id": gen.staff.get(unit_id), "due_on": gen.day(due), "is_late": late,
                    "rows": reported[subject, unit_id, month]})
    return out


def _indicator_values(gen, duties):
    """The entered indicators, monthly as the reporting calendar asks (flows such as 新增市场主体 cumulative in the
    year, rates as of the month), city-wide and per county or park where they break down; one submission a month
    by the responsible unit. Its last two months missing for ENTERED_MISSING, last month late for ENTERED_LATE."""
    rng = gen.rng
    values, submissions = [], []
    yesterday = gen.today - timedelta(days=1)
    shares = list(accumulate(SEASON))
    for t in _entered_targets(gen):
        key = (f"target:{t.id}", "indicator")
        if key not in duties or db.session.scalar(sa.select(IndicatorValue.id).where(
                IndicatorValue.target_id == t.id).limit(1)) is not None:
            continue
        duty_id, workday = duties[key]
        yearly, shape, source = ENTERED[t.code]
        units = _breakdown_units(gen, t) if t.breaks_down else []
        weights = [UNIT_PROFILE[gen.unit_names[u]][0] for u in units]
        for index in range(gen.first, gen.last + 1):
            kind = "late" if rng.random() < 0.05 else "on_time"
            if index >= gen.last - 1 and t.code in ENTERED_MISSING:
                kind = "missing"
            elif index == gen.last and t.code in ENTERED_LATE:
                kind = "late"
            due = gen.due_on(index, workday)
            day = gen.submission_day(index, workday, kind, yesterday)
            if day is None:
                continue
            year = index // 12
            base = yearly[min(max(year, 2022), 2026) - 2022]
            value = base * shares[index % 12] if shape == "flow" else base * rng.uniform(0.985, 1.01)
            stamp = gen.stamp(day, 600)
            reporter = gen.staff.get(t.responsible_unit_id)
            rows = [(None, value)]
            for u, w in zip(units, weights, strict=True):
                rows.append((u, value * w / sum(weights) if shape == "flow"
                             else value * (0.8 + 0.4 * ((u * 7919) % 97) / 97)))
            month = gen.day(month_of(index))
            for unit_id, v in rows:
                values.append({"target_id": t.id, "unit_id": unit_id, "month": month, "value": round(v, 2),
                               "source_note": source, "reported_by_id": reporter, "reported_at": stamp,
                               "correction_reason": None})
            submissions.append({"duty_id": duty_id, "month": month, "submitted_at": stamp,
                                "submitted_by_id": reporter, "due_on": gen.day(due), "is_late": day > due,
                                "rows": len(rows)})
    return values, submissions


def _breakdown_units(gen, t):
    if t.code == "P2-1":
        names = NATIONAL_PARKS
    elif t.code == "P2-2":
        names = [n for n in gen.unit_list if n not in COUNTIES and n not in NATIONAL_PARKS]
    elif t.code == "P3-1":
        names = COUNTIES
    else:
        names = gen.unit_list
    return [gen.units[n] for n in names if n in gen.units]


def _indicator_targets(gen):
    """Yearly targets 2022-2025 (and the current year's, the 2025 value held) of every numeric indicator: the 每年
    ones the same each year, the 2025 ones on a straight path from the 2021 baseline; per county or park where the
    indicator breaks down (counts shared by weight, rates the same for each)."""
    existing = set(db.session.execute(sa.select(IndicatorTarget.target_id, IndicatorTarget.year,
                                                IndicatorTarget.unit_id)).all())
    rows = []
    for t in gen.targets:
        if t.value is None:
            continue
        goal = float(t.value)
        whole = t.unit_label in ("个", "家", "条")
        base = BASELINES.get(t.code, goal * 0.7)
        units = _breakdown_units(gen, t) if t.breaks_down else []
        weights = [UNIT_PROFILE[gen.unit_names[u]][0] for u in units]
        shared = t.code not in ("P2-1", "P2-2")
        for year in range(2022, max(2025, month_of(gen.last).year) + 1):
            # after 2025 the 2025 targets are held (the cockpit reads the current year's targets)
            value = goal if t.period == "每年" else base + (goal - base) * min(year - 2021, 4) / 4
            value = round(value) if whole else round(value, 2)
            targets = [(None, value)]
            if units:
                parts = [value * w / sum(weights) if shared else value for w in weights]
                parts = [round(p) if whole else round(p, 2) for p in parts]
                if whole and shared and parts:
                    parts[0] += value - sum(parts)
                targets += list(zip(units, parts, strict=True))
            for unit_id, v in targets:
                if (t.id, year, unit_id) not in existing:
                    rows.append({"target_id": t.id, "year": year, "unit_id": unit_id, "value": v})
    return rows
