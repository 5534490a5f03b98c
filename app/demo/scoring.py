"""Demo assessment data: a whole finalized year, and the current year's quarters so far.

`seed_demo_scores(today)` works on the demo year, the year before `today`'s, and on the current year:

* the rules of both years (`ensure_year_rules`: the annex-2 defaults, then a copy);
* about seventy tasks due in the demo year's quarters, each told through the task services on the days it
  happens (交办, 签收, 反馈, 催办, 延期, 申请办结, 审核, 撤销), so that the 千百十办 component of several units in
  every group mixes on-time, late and not-completed tasks, key and normal ones, and an approved extension that
  moves a task into the next quarter;
* every manual component of all 59 units for Q1–Q4 of the demo year, entered through `enter_scores` by a staff
  user of the right assessor unit, near but mostly below full marks with the assessor's reason; each quarter is
  then finalized by the office (审定) ten working days after it ends;
* engineered results: two units of 二类园区组 and two of 服务保障单位 with exactly the same quarterly scores (a tie
  that shares its rank), one unit whose tasks were mostly left undone (an annual score below 60, so 不合格), a
  recorded 不合格 decision of the leadership group with its reason, and the December policy fulfilment rates of
  the 13 counties and parks, two of them below 90% (a 3-point deduction) and one exactly on the line;
* in the current year, the quarters that have ended: all finalized but the latest, which stays open with a few
  entries missing (so the entry grid and the "incomplete" marks have something to show). Before the first
  quarter has ended, the current quarter is left open with the entries made so far.

Idempotent: nothing happens when the demo year already has entries. The app clock is frozen at each step's
moment, so entries, audit entries and finalization times all tell a consistent past. Nothing is committed.
Deterministic for a given `today` (and, for the engineered tie, for the tasks already in the database).
"""

import logging
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

import sqlalchemy as sa

from app.core.calendar import get_calendar
from app.core.clock import frozen_clock
from app.demo import criteria as criteria_demo
from app.demo.assessment import TIE_PAIRS, Actors, _score, demo_year
from app.extensions import db
from app.scoring import engine
from app.scoring.approvals import finalize_year, record_dispatch, set_opinion, sheet_units
from app.scoring.entries import EntryItem, enter_scores
from app.scoring.models import ScoreEntry
from app.scoring.reports import compute_quarter
from app.scoring.services import finalize_quarter
from app.scoring.year_inputs import record_fail_decision, set_policy_rate
from app.scoring.year_rules import ensure_year_rules, load_year_rules
from app.tasks import services as task_services
from app.tasks.models import Task, TaskPriority, TaskSource

log = logging.getLogger(__name__)

DEMO_TASK_REF = "考核演示"  # source_ref prefix; not "演示…", which app.demo.tasks uses to detect its own tasks
EVALUATION_WORKDAYS = 10  # a quarter is evaluated and finalized this many working days after it ends
ZERO = Decimal(0)
HALF = Decimal("0.5")

# --- the engineered cases ------------------------------------------------------------------------------------

LOW_UNIT = "市优化人居环境事务中心"  # tasks mostly not completed by the evaluation dates: annual score < 60
FAIL_UNIT = "市交通运输局"  # 不合格 by a recorded decision of the leadership group
FAIL_REASON = ("配套产业园区的重点道路项目建设严重滞后，影响重大产业项目落地，被省政府督查通报；"
               "经市产业强市“千百十”工程工作领导小组会议审定，年度考评等次定为“不合格”。")
# Two units of the same group given the same quarterly scores; other pairs of the group are tried when the
# office component (from tasks, e.g. the stress data) cannot be matched by their entries.

# December policy fulfilment (政策兑现): unit -> (due, paid) in 万元; rate = paid / due.
POLICY_FUNDS = {
    "湘潭县人民政府": (3260, 3156), "湘乡市人民政府": (2480, 2319), "韶山市人民政府": (960, 960),
    "雨湖区人民政府": (1850, 1688), "岳塘区人民政府": (2140, 1875), "湘潭高新区管委会": (4120, 4049),
    "湘潭经开区管委会": (3870, 3682), "湘潭综保区管委会": (1200, 1080), "岳塘经开区管委会": (1460, 1349),
    "湘潭天易经开区管委会": (1730, 1638), "湘乡经开区管委会": (1380, 1177), "韶山高新区管委会": (640, 621),
    "雨湖高新区管委会": (720, 698),
}
POLICY_SHORTFALL = {  # why the rate is below 90% (or on the line)
    "岳塘区人民政府": "部分技改奖补资金因区级财力调度未按期拨付",
    "湘乡经开区管委会": "标准厂房租金补贴和招商奖励资金兑现滞后",
    "湘潭综保区管委会": "跨境电商扶持资金部分企业材料不全，暂缓兑现",
}

# --- the demo year's tasks: (lead unit, title, key task?, outcome) per quarter --------------------------------
# outcome: on_time, late (completed after the due date, before the evaluation), undone (not completed by the
# evaluation date; completed long after it), extended (an approved extension into the next quarter, then on
# time), cancelled (does not count).

DEMO_TASKS = {
    1: [
        ("湘潭县人民政府", "推动一季度重大产业项目集中开工", True, "on_time"),
        ("湘潭县人民政府", "完成新增规模工业企业入库申报", False, "late"),
        ("湘乡市人民政府", "承接产业转移项目落地", False, "undone"),
        ("湘乡市人民政府", "盘活低效闲置工业用地", False, "on_time"),
        ("湘潭高新区管委会", "引进风电装备产业链关键配套企业", True, "on_time"),
        ("湘潭经开区管委会", "推动整车企业新车型投产并提升本地配套率", False, "late"),
        ("湘潭天易经开区管委会", "加快标准厂房建设和招商去化", True, "undone"),
        ("市工信局", "组织国家级专精特新“小巨人”企业申报", True, "on_time"),
        ("市工信局", "开展规模工业增加值月度运行分析", False, "late"),
        ("市发改委", "申报中央预算内投资项目", True, "extended"),
        ("市商务局", "举办粤港澳大湾区产业招商推介会", False, "undone"),
        ("市商务局", "引进“三类500强”企业投资项目", True, "on_time"),
        ("市商务局", "建立重点招商项目履约台账", False, "on_time"),
        ("市科技局", "组织高校科技成果转化对接会", False, "cancelled"),
        ("市公安局", "整治重点企业周边治安环境", False, "on_time"),
        (LOW_UNIT, "提质园区生活配套设施", True, "undone"),
        (LOW_UNIT, "推进园区周边人居环境整治", False, "on_time"),
        (LOW_UNIT, "完成产业园区公共服务设施补短板清单", False, "on_time"),
    ],
    2: [
        ("湘潭县人民政府", "推动签约亿元项目开工建设", False, "on_time"),
        ("岳塘区人民政府", "完成重大产业项目征地拆迁", True, "late"),
        ("湘潭高新区管委会", "制定亩均税收提升行动方案", False, "undone"),
        ("湘潭综保区管委会", "开展外贸企业招引专项行动", False, "on_time"),
        ("湘乡经开区管委会", "引进中小制造企业入驻标准厂房", False, "late"),
        ("湘潭经开区管委会", "开展园区企业亩均效益综合评价", False, "extended"),
        ("市工信局", "建立年度新增规模工业企业培育库", False, "on_time"),
        ("市科技局", "组织高新技术企业申报认定", True, "on_time"),
        ("市市场监管局", "开展“个转企”专项行动", False, "undone"),
        ("市市场监管局", "分解年度新增市场主体目标并按月调度", True, "on_time"),
        ("市人力资源社会保障局", "开展重点企业用工保障专项服务", False, "late"),
        ("市人力资源社会保障局", "发放稳岗返还和就业补贴", False, "on_time"),
        ("市教育局", "推动高校科技成果就地转化", False, "on_time"),
        (LOW_UNIT, "建设园区人才公寓配套设施", False, "late"),
        (LOW_UNIT, "完善产业工人生活服务设施", False, "on_time"),
        (LOW_UNIT, "推进重点园区周边环境综合整治", True, "undone"),
    ],
    3: [
        ("雨湖区人民政府", "推动招商项目按期入统", False, "on_time"),
        ("湘潭县人民政府", "推动食品及槟榔制品龙头企业技术改造", True, "undone"),
        ("湘潭县人民政府", "开通企业诉求“直通车”", False, "on_time"),
        ("韶山市人民政府", "开展文旅康养产业招商", False, "late"),
        ("湘潭经开区管委会", "新签约亿元以上招商项目", False, "on_time"),
        ("岳塘经开区管委会", "推动现代商贸物流产业链项目签约落地", True, "on_time"),
        ("湘潭天易经开区管委会", "新增规上工业企业申报入库", False, "on_time"),
        ("市工信局", "推荐省级专精特新中小企业", True, "late"),
        ("市工信局", "开展规上工业企业退库预警与帮扶", False, "on_time"),
        ("市发改委", "调度省市重点建设项目进度", False, "on_time"),
        ("市自然资源规划局", "加快重点项目用地报批", False, "undone"),
        ("市自然资源规划局", "推进园区工业用地“标准地”出让改革", False, "on_time"),
        ("市自然资源规划局", "解决拟上市企业历史遗留用地确权问题", False, "on_time"),
        ("市卫生健康委", "提供高层次人才医疗保障服务", False, "on_time"),
        ("市商务局", "督查招商项目合同履约率", False, "extended"),
        (LOW_UNIT, "完成园区周边道路绿化提质", False, "undone"),
        (LOW_UNIT, "推进园区污水管网配套建设", False, "on_time"),
    ],
    4: [
        ("湘潭县人民政府", "完成新增市场主体年度目标", False, "on_time"),
        ("湘乡市人民政府", "完成重点项目年度投资计划", True, "on_time"),
        ("岳塘区人民政府", "开展总部经济招商", False, "undone"),
        ("湘潭高新区管委会", "推动园区拟上市企业完成辅导备案", False, "late"),
        ("湘潭综保区管委会", "引进加工贸易项目", True, "undone"),
        ("湘潭综保区管委会", "提升综保区进出口额", False, "on_time"),
        ("湘乡经开区管委会", "专精特新企业培育入库", False, "on_time"),
        ("市工信局", "完成12条产业链年度链长述职材料汇总", False, "on_time"),
        ("市科技局", "开展科技型中小企业评价入库", False, "late"),
        ("市科技局", "实施科技成果转化“揭榜挂帅”项目", True, "on_time"),
        ("市财政局", "兑现年度惠企政策资金", True, "on_time"),
        (FAIL_UNIT, "争取园区道路项目省级补助资金", True, "undone"),
        (FAIL_UNIT, "完成园区连接线道路工程年度计划", False, "late"),
        ("市公安局", "开展涉企案件专项清理", False, "late"),
        ("市公安局", "推行涉企警务服务“一站办”", False, "on_time"),
        (LOW_UNIT, "完成年度人居环境整治考核迎检", True, "undone"),
        (LOW_UNIT, "提质园区公共服务中心", False, "late"),
        (LOW_UNIT, "完善园区生活配套设施长效管护机制", False, "on_time"),
    ],
}

PROGRESS = ["已制定工作方案，明确责任人和时间节点", "已召开专题调度会，正在按序时推进",
            "主体工作已完成六成，剩余事项正在加快推进"]
SUMMARIES = ["已按要求完成，相关佐证材料已报千百十办", "各项目标任务已完成，形成长效工作机制",
             "已完成既定目标，后续纳入常态化调度"]
EXTENSION_REASON = "涉及省级部门审批，需顺延至下季度完成"
URGES = {1: "已逾期，请加快推进，三日内报送进展", 2: "逾期未办结，请主要负责同志亲自调度"}

# --- the assessors' reasons for less than full marks, by component -------------------------------------------

NOTES = {
    "miit": ["规模工业增加值增速低于全市平均", "新增规模工业企业未完成季度目标", "“专精特新”中小企业培育进度滞后",
             "制造业增加值占GDP比重较上季度下降", "工业战略性新兴产业产值增速偏低", "“千百扶培”企业帮扶问题办结率偏低"],
    "miit_city": ["“千百扶培”走访企业问题办结率偏低", "“千名干部联千企”走访覆盖不足",
                  "企业诉求交办件未在时限内答复", "“千百扶培”工作台账更新不及时"],
    "ndrc": ["产业投资增速低于全市平均", "重点产业项目开工率未达序时进度", "园区亩均税收低于年度目标",
             "高技术产业投资占比偏低", "“五好”园区创建进度滞后"],
    "most": ["研发经费投入强度低于年度目标", "技术合同成交额未完成季度任务", "高新技术企业申报数量不足",
             "科技型中小企业评价入库进度滞后"],
    "commerce": ["引进亿元以上项目数量未达目标", "招引项目资金到位率偏低", "社会消费品零售总额增速低于全市平均",
                 "进出口额同比下降"],
    "samr": ["新增市场主体未完成季度目标", "“个转企”进度滞后", "企业数量增速低于全市平均"],
    "finance": ["上市后备企业辅导备案进度滞后", "企业股改工作推进较慢", "申报上市材料准备不充分"],
    "culture": ["文旅体产业项目投资进度滞后", "旅游总收入增速低于全市平均", "规模以上文化企业营业收入下降"],
}
DEFAULT_NOTES = ["该项指标未完成季度目标", "工作推进进度滞后于序时要求"]


# --- time ----------------------------------------------------------------------------------------------------

def evaluation_date(year, quarter, today=None):
    """The demo's evaluation (and finalization) date: ten working days after the quarter ends, never after
    `today`."""
    end = engine.quarter_dates(year, quarter)[1]
    day = get_calendar().add_workdays(end, EVALUATION_WORKDAYS)
    return min(day, today) if today is not None else day


# --- entries -------------------------------------------------------------------------------------------------

def _note(assessor, unit, rng):
    key = "miit_city" if assessor == "miit" and unit.group.value in ("promotion", "support") else assessor
    return rng.choice(NOTES.get(key, DEFAULT_NOTES))


def demo_entry_values(year_rules, units, year, quarter, scored=frozenset()):
    """{(unit id, assessor, sub_item): (value, note)} for every manual cell of the quarter: deterministic,
    near full marks with a reason where below. Each unit has a level for the year and varies by quarter.
    `scored`: (assessor, sub_item) cells of published 考评细则, confirmed on their grid instead (app.demo.criteria)."""
    levels = random.Random(f"levels-{year}")
    rng = random.Random(f"entries-{year}-{quarter}")
    values = {}
    for unit in units:
        level = Decimal(84 + levels.randrange(13)) / 100  # 0.84 .. 0.96
        if unit.name == LOW_UNIT:
            level = Decimal("0.80")
        for assessor, sub_item, maximum, computed in year_rules.entry_cells(unit.id):
            if computed or (assessor, sub_item) in scored:
                continue
            if rng.random() < 0.18:
                value = maximum
            else:
                value = _score(maximum, level + Decimal(rng.randrange(-5, 5)) / 100)
            values[(unit.id, assessor, sub_item)] = (value, None if value >= maximum else _note(assessor, unit, rng))
    return values


def _shift(cells, maxima, delta, unit, rng):
    """Cells (assessor, sub_item) -> (value, note) moved by `delta` points in total, within 0..max; None if
    they cannot absorb it."""
    cells = dict(cells)
    remaining = delta
    order = sorted(cells, key=lambda k: (maxima[k] - cells[k][0]) if delta > 0 else cells[k][0], reverse=True)
    for key in order:
        if not remaining:
            break
        value = cells[key][0]
        step = min(maxima[key] - value, remaining) if remaining > 0 else -min(value, -remaining)
        cells[key] = (value + step, cells[key][1])
        remaining -= step
    if remaining:
        return None
    for key, (value, note) in cells.items():
        if value >= maxima[key]:
            cells[key] = (value, None)
        elif not note:
            cells[key] = (value, _note(key[0], unit, rng))
    return cells


def engineer_ties(year_rules, units, values, office, year, scored=frozenset()):
    """Give a pair of units in each TIE_PAIRS group identical quarterly scores: the second unit's entries are
    the first's, shifted by the difference of their office components (zero when neither has tasks).
    `values`: {quarter: demo_entry_values}, changed in place; `office`: {quarter: {unit id: Decimal}}.
    Returns [(unit a, unit b)]."""
    rng = random.Random(f"ties-{year}")
    blended = {u for b in year_rules.rules.blends for u in (b.target, b.source)}
    by_name = {u.name: u for u in units}
    ties = []
    for group, preferred in TIE_PAIRS.items():
        members = [u for u in units if u.group.value == group and u.id not in blended
                   and u.name not in (LOW_UNIT, FAIL_UNIT)]

        def distance(pair):
            return sum(abs(office[q].get(pair[0].id, ZERO) - office[q].get(pair[1].id, ZERO)) for q in office)

        pairs = sorted((p for p in combinations(members, 2)
                        if year_rules.unit_profiles[p[0].id] == year_rules.unit_profiles[p[1].id]), key=distance)
        if all(name in by_name for name in preferred):
            pairs.insert(0, (by_name[preferred[0]], by_name[preferred[1]]))
        for a, b in pairs:
            maxima = {(assessor, sub): maximum for assessor, sub, maximum, computed in year_rules.entry_cells(a.id)
                      if not computed and (assessor, sub) not in scored}
            shifted = {}
            for q in values:
                cells = {(assessor, sub): values[q][(a.id, assessor, sub)] for assessor, sub in maxima}
                delta = office[q].get(a.id, ZERO) - office[q].get(b.id, ZERO)
                shifted[q] = _shift(cells, maxima, delta, b, rng)
                if shifted[q] is None:
                    break
            else:
                for q, cells in shifted.items():
                    for (assessor, sub), cell in cells.items():
                        values[q][(b.id, assessor, sub)] = cell
                ties.append((a, b))
                break
        else:
            if scored:  # every cell left to this demo is scored on the indicator grids: the criteria demo ties them
                log.info("group %s: no cell left to tie here; the criteria demo makes its tie", group)
            else:
                log.warning("no tie could be engineered in group %s", group)
    return ties


# --- the seeder ----------------------------------------------------------------------------------------------

@dataclass
class _Quarter:
    year: int
    quarter: int
    evaluated_on: date  # the office component's evaluation date (and finalization date when finalized)
    finalize: bool
    partial: bool = False  # a few cells left empty


class _Seeder(Actors):
    """The scoring demo's actors, with what they seed: tasks, entries, quarters, the year's facts."""

    def __init__(self, today, clock):
        super().__init__(today, clock)
        self.created.update({"tasks": 0, "entries": 0, "finalized": 0, "policy_rates": 0, "fail_decisions": 0})

    # tasks
    def seed_tasks(self, year):
        if db.session.scalar(sa.select(Task.id).where(Task.source_ref.like(f"{DEMO_TASK_REF}：{year}年%")).limit(1)):
            return
        for quarter, rows in DEMO_TASKS.items():
            start, end = engine.quarter_dates(year, quarter)
            evaluated_on = evaluation_date(year, quarter)
            for k, (lead_name, title, key, outcome) in enumerate(rows):
                lead = self.by_name.get(lead_name)
                if lead is None:
                    continue
                due = self.back(start + timedelta(days=16 + (k * 13) % 58))
                self.tell_task(year, quarter, k, lead, title, key, outcome, due, end, evaluated_on)

    def tell_task(self, year, quarter, k, lead, title, key, outcome, due, quarter_end, evaluated_on):
        admin, staff = self.admin, self.user_of(lead.id)
        assigned = self.back(due - timedelta(days=24 + 6 * (k % 4)))
        accepted = self.forward(assigned + timedelta(days=1))
        steps = [(assigned, "assign", {}), (accepted, "accept", {}),
                 (self.forward(accepted + (due - accepted) / 2), "follow_up", {"percent": 40 + 5 * (k % 5)})]
        if outcome == "on_time":
            done = max(accepted + timedelta(days=1), self.back(due - timedelta(days=k % 6)))
            steps.append((done, "complete", {"done": done}))
        elif outcome == "late":
            done = self.back(min(due + timedelta(days=5 + k % 9), evaluated_on - timedelta(days=2)))
            if done <= due:
                done = self.forward(due + timedelta(days=1))
            urged = self.forward(due + timedelta(days=1))
            steps += [(urged, "urge", {"level": 1})] if urged < done else []
            steps.append((done, "complete", {"done": done}))
        elif outcome == "undone":
            done = self.back(evaluated_on + timedelta(days=18 + k % 12))
            steps += [(self.forward(due + timedelta(days=2)), "urge", {"level": 1}),
                      (self.forward(due + timedelta(days=12)), "urge", {"level": 2}),
                      (self.forward(due + timedelta(days=20)), "follow_up", {"percent": 70})]
            if done < self.today:
                steps.append((done, "complete", {"done": done}))
        elif outcome == "extended":
            ask = max(accepted + timedelta(days=1), self.back(due - timedelta(days=6)))
            new_due = self.forward(quarter_end + timedelta(days=20 + 3 * (k % 5)))
            done = self.back(new_due - timedelta(days=4))
            steps += [(ask, "extend", {"new_due": new_due}), (self.forward(ask + timedelta(days=1)), "approve_ext", {}),
                      (done, "complete", {"done": done})]
        elif outcome == "cancelled":
            steps.append((max(accepted + timedelta(days=1), self.back(due - timedelta(days=8))), "cancel", {}))
        steps.sort(key=lambda s: s[0])  # stable: same-day steps keep their order
        task = None
        for index, (day, action, args) in enumerate(steps):
            if day > self.today:
                break
            day = self.at(day, 9 * 60 + 17 * index + 3 * k)
            if action == "assign":
                task = task_services.assign_task(
                    admin, title=title, lead_unit=lead, due_on=due, today=day, source=TaskSource.assessment,
                    source_ref=f"{DEMO_TASK_REF}：{year}年第{quarter}季度考评交办事项",
                    content=f"请{lead.short_name}于{due.isoformat()}前完成“{title}”，"
                            "完成情况纳入千百十办季度考评（交办事项落实情况）。",
                    priority=TaskPriority.key if key else TaskPriority.normal)
                self.created["tasks"] += 1
            elif action == "accept":
                task_services.accept_task(staff, task)
            elif action == "follow_up":
                task_services.record_follow_up(staff, task, PROGRESS[k % len(PROGRESS)], args["percent"], day)
            elif action == "urge":
                task_services.urge_task(admin, task, args["level"], URGES[args["level"]], day, confirmed=True)
            elif action == "extend":
                task_services.request_extension(staff, task, args["new_due"], EXTENSION_REASON, day)
            elif action == "approve_ext":
                task_services.decide_extension(admin, task, True, "同意延期，请按新时限完成")
            elif action == "cancel":
                task_services.cancel_task(admin, task, "已并入市级年度重点任务统一调度")
            elif action == "complete":
                task_services.request_completion(staff, task, args["done"], SUMMARIES[k % len(SUMMARIES)], day)
                approve = self.forward(day + timedelta(days=1 + k % 2))
                if approve <= self.today:
                    self.at(approve, 15 * 60 + 10 * k)
                    task_services.approve_completion(admin, task, "经核实，同意办结")

    # entries and quarters
    def office_components(self, year_rules, q: _Quarter):
        report = compute_quarter(q.year, q.quarter, q.evaluated_on, year_rules)
        return {row["unit_id"]: Decimal(row["components"].get("office") or 0) for row in report["units"]}

    def enter(self, year_rules, q: _Quarter, values):
        """Enter the quarter's values, one call per assessor unit, on the days after the quarter ends."""
        by_enterer = {}
        for (unit_id, assessor, sub_item), (value, note) in values.items():
            enterer = year_rules.enterer_of(assessor, sub_item)
            if enterer is not None:
                by_enterer.setdefault(enterer, []).append(
                    EntryItem(unit_id, assessor, sub_item, str(value), note))
        end = engine.quarter_dates(q.year, q.quarter)[1]
        for index, (enterer, items) in enumerate(sorted(by_enterer.items())):
            day = min(self.cal.add_workdays(end, 2 + index % 6), q.evaluated_on)
            self.at(day, 9 * 60 + 40 * index)
            self.created["entries"] += enter_scores(self.user_of(enterer), q.year, q.quarter, items)

    def finalize(self, q: _Quarter):
        self.at(q.evaluated_on, 16 * 60)
        # the office's 考评意见 goes to the leadership group with the results; the 审定 is recorded the same day
        set_opinion(self.admin, q.year, q.quarter, f"{q.year}年第{q.quarter}季度各考评单位得分已录入完整、经核对无误，"
                    "建议按此结果审定；各组末位单位在季度讲评会上作出说明。", q.evaluated_on)
        finalize_quarter(self.admin, q.year, q.quarter, q.evaluated_on, approved_on=q.evaluated_on,
                         doc_number=f"潭千百十〔{q.year}〕{q.quarter}号")
        self.created["finalized"] += 1

    def partial(self, year_rules, values):
        """Leave a few cells empty: every 文旅广体局 cell, and the 工信局 cell of a few 市直 units."""
        culture = year_rules.assessor_units.get("culture")
        city = [u.id for u in self.units if u.group.value in ("promotion", "support")]
        late_miit = {unit_id for i, unit_id in enumerate(city) if i % 8 == 3}
        return {(unit_id, assessor, sub_item): cell for (unit_id, assessor, sub_item), cell in values.items()
                if not (culture is not None and year_rules.enterer_of(assessor, sub_item) == culture)
                and not (assessor == "miit" and unit_id in late_miit)}

    def year_facts(self, year):
        self.at(date(year, 12, 26), 10 * 60)
        for name, (due, paid) in POLICY_FUNDS.items():
            unit = self.by_name.get(name)
            if unit is None:
                continue
            rate = (Decimal(paid) * 100 / Decimal(due)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            note = f"应兑现产业发展政策资金 {due} 万元，已兑现 {paid} 万元"
            if name in POLICY_SHORTFALL:
                note += f"；{POLICY_SHORTFALL[name]}"
            set_policy_rate(self.admin, year, unit, str(rate), note)
            self.created["policy_rates"] += 1
        unit = self.by_name.get(FAIL_UNIT)
        if unit is not None:
            decided = self.at(date(year + 1, 1, 20), 15 * 60)
            record_fail_decision(self.admin, year, unit, FAIL_REASON, decided)
            self.created["fail_decisions"] += 1

    def freeze_year(self, year):
        """附件2 四 “下一年度1月30日前…综合得到…年度得分” and 一 “提出考评意见,报…领导小组审定”: the office's
        考评意见 on the year, the leadership group's 审定 freezing the annual results, and the result sheets of the
        units reported upward (五(一)3) sent in February — all but the last, still to be sent."""
        opinion_on = self.cal.workdays_before(date(year + 1, 1, 30), 3)
        self.at(opinion_on, 10 * 60)
        set_opinion(self.admin, year, None, f"{year}年度四个季度考评结果均已审定，年度得分按附件2 四的季度权重综合；"
                    "建议按此结果确定各组名次、等次和真抓实干督查奖励对象。", opinion_on)
        approved_on = self.cal.workdays_before(date(year + 1, 1, 30), 1)
        self.at(approved_on, 16 * 60)
        finalize_year(self.admin, year, approved_on, approved_on, f"潭千百十〔{year + 1}〕6号")
        self.created["years_frozen"] = self.created.get("years_frozen", 0) + 1
        sheets = sheet_units(year)
        for index, sheet in enumerate(sheets[:-1]):
            sent_on = self.cal.add_workdays(date(year + 1, 2, 3), index % 3)
            self.at(sent_on, 9 * 60 + 30 * index)
            record_dispatch(self.admin, year, sheet.unit_id, sent_on, sheet.default_sent_to,
                            f"潭千百十函〔{year + 1}〕{index + 1}号")
            self.created["dispatches"] = self.created.get("dispatches", 0) + 1

    def seed_quarters(self, quarters):
        """Rules, office components, engineered ties, entries and finalization of the given quarters of one year."""
        year = quarters[0].year
        ensure_year_rules(self.admin, year)
        year_rules = load_year_rules(year)
        units = [u for u in self.units if u.id in year_rules.unit_profiles]
        scored = criteria_demo.scored_cells(year)  # indicators of published 考评细则: confirmed on their grid
        values = {q.quarter: demo_entry_values(year_rules, units, year, q.quarter, scored) for q in quarters}
        office = {q.quarter: self.office_components(year_rules, q) for q in quarters}
        ties = engineer_ties(year_rules, units, values, office, year, scored)
        for q in quarters:
            cells = self.partial(year_rules, values[q.quarter]) if q.partial else values[q.quarter]
            self.enter(year_rules, q, cells)
            self.created["entries"] += criteria_demo.confirm_quarter(self, q.year, q.quarter, q.evaluated_on,
                                                                     partial=q.partial)
            if q.finalize:
                self.finalize(q)
        return ties


def enter_demo_year(year, today, finalize=False):
    """Rules and every manual entry of the year's four quarters (finalized with `finalize`), on whatever tasks
    exist: for benchmarks, which want full entries on the stress data. Returns what was created."""
    with frozen_clock() as clock:
        seeder = _Seeder(today, clock)
        seeder.seed_quarters([_Quarter(year, q, evaluation_date(year, q, today), finalize=finalize)
                              for q in (1, 2, 3, 4)])
        db.session.flush()
    return seeder.created


def seed_demo_scores(today: date):
    """The demo year (the year before `today`'s) fully assessed and finalized, and the current year's quarters
    so far; idempotent (nothing when the demo year has entries). Returns what was created."""
    year = demo_year(today)
    if db.session.scalar(sa.select(ScoreEntry.id).where(ScoreEntry.year == year).limit(1)) is not None:
        return {"tasks": 0, "entries": 0, "finalized": 0, "policy_rates": 0, "fail_decisions": 0, "users": 0}
    with frozen_clock() as clock:
        seeder = _Seeder(today, clock)
        seeder.seed_tasks(year)
        seeder.seed_quarters([_Quarter(year, q, evaluation_date(year, q, today), finalize=True) for q in (1, 2, 3, 4)])
        seeder.year_facts(year)
        if today >= date(year + 1, 2, 10):  # approved by 30 January, sheets sent in the first days of February
            seeder.freeze_year(year)
        current = today.year
        ended = [q for q in (1, 2, 3, 4) if engine.quarter_dates(current, q)[1] < today]
        if ended:
            quarters = [_Quarter(current, q, evaluation_date(current, q, today), finalize=q != ended[-1],
                                 partial=q == ended[-1]) for q in ended]
        else:  # the first quarter is still running: what the assessors have entered so far
            quarters = [_Quarter(current, 1, today, finalize=False, partial=True)]
        seeder.seed_quarters(quarters)
        db.session.flush()
    log.info("demo scores created: %s", seeder.created)
    return seeder.created
