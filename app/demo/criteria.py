"""Demo 考评细则 (issue #15): the demo year's and the current year's criteria of all seven assessors and the office,
published, with a yearly target per assessed unit, the figures the assessors enter, the counties' and parks'
ratings of the 市直 units, and the quarterly indicator grids confirmed.

`seed_demo_criteria(today)` runs after the ledger's demo and BEFORE the scoring demo (app/cli.py): a published
细则 becomes its component's sub-items in the year's rules (a new rules version), which cannot be saved once a
quarter of the year is finalized — and the scoring demo finalizes quarters. For each of the two years:

* each assessor's book started from `criteria_defaults.DEFAULT_INDICATORS` in February by its staff
  (`criteria.start_from_defaults`), its targets typed in (`criteria.set_targets`), submitted in March, accepted by
  the office, approved by the leadership group (审定) at the end of March with one 文号 for all (潭千百十发〔2025〕2号
  ...), and published (`criteria_approval`): the year's rules get the indicators as sub-items, 产业项目审批服务
  co-assessed by 市行政审批局;
* a yearly target for every unit and indicator that needs one: from the ledger's actual at the year's end (or
  the latest month) × a factor between 0.85 and 1.25 that varies by unit and indicator, or, for the figures
  the assessors enter, a plausible size for the unit's profile;
* the entered actuals (CriteriaActual) of every started quarter, cumulative in the year, each unit running ahead
  of or behind its target by its own pace — so some units fall short in every quarter;
* service ratings of 市直 units by the counties and parks, on their own behalf and for one of their ledger's
  enterprises, in every ended quarter (`ratings.save_rating`);
* in the current year, a revision of one assessor's book still in the office's review and another returned
  with comments (`criteria_approval.revise_book`, `submit_book`, `return_book`): the approval pages then show
  something to do.

The quarterly grids are confirmed by `confirm_quarter`, which the scoring demo calls for each quarter it fills,
after its own entries and before it finalizes: every indicator's points as its method computes them from the
actual and the target (ScoreEntry with sub_item = the code, beside a CriteriaScore saying why), the manual
indicators with the assessor's reason, and one computed score raised by an assessor with a reason.

Idempotent (a year with books is left alone; a year whose rules are frozen by finalized quarters or already has
entries is skipped), deterministic (seeded by year, unit and indicator), never commits.
"""

import logging
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.core.clock import frozen_clock
from app.demo.assessment import TIE_PAIRS, Actors, _score, demo_year
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.criteria_queries import (
    ASSESSOR_ORDER,
    component_maxima,
    published_books,
    targets_of,
)
from app.scoring.models import (
    CriteriaActual,
    CriteriaBook,
    CriteriaMethod,
    CriteriaSource,
    QuarterStatus,
    ScoreEntry,
    ScoringQuarter,
)
from app.scoring.year_rules import assessed_units, ensure_year_rules, load_year_rules

log = logging.getLogger(__name__)

ZERO = Decimal(0)
CENT = Decimal("0.01")
CITY_GROUPS = ("promotion", "support")
LOCAL_GROUPS = ("county", "park1", "park2")
IN_REVIEW = "culture"  # the current year's revision waiting for the office
RETURNED = "most"  # the current year's revision returned with comments
LOW_RATED = "市优化人居环境事务中心"  # the scoring demo's LOW_UNIT: poorly rated and scored, so its year fails
RATED_PER_RATER = 7  # 市直 units each county or park rates in a quarter

# A plausible yearly size of an entered figure for a county of the first profile, by its measure unit; other
# profiles are scaled by PROFILE_SCALE.
BASE_SIZE = {"亿元": Decimal(60), "%": Decimal(25), "家": Decimal(40), "个": Decimal(12), "户": Decimal(3000),
             "万户": Decimal("0.6"), "万元/亩": Decimal(35), "分": Decimal(85), "平方米": Decimal("1.6"),
             "次": Decimal("2.5")}
PROFILE_SCALE = {"county_a": Decimal(1), "shaoshan": Decimal("0.35"), "yuetang": Decimal("0.8"),
                 "park_a": Decimal("0.9"), "park_b": Decimal("0.5"), "city": Decimal("0.3")}
NOT_SCALED = {"%", "分", "平方米", "次", "万元/亩"}  # ratios and indices: the same order of size everywhere

MANUAL_NOTES = {
    "chain": ["链主企业培育进度滞后，产业链招商签约项目偏少", "链长制季度调度会议未按期召开"],
    "qbfp": ["“千百扶培”走访企业问题办结率偏低", "企业诉求交办件未在时限内答复", "“千百扶培”工作台账更新不及时"],
    "five_good": ["“五好”园区创建进度滞后于序时", "园区配套设施建设未达创建标准"],
    "approval_service": ["部分产业项目审批超出承诺时限", "审批事项“一件事一次办”推进较慢"],
    "daily_work": ["工作信息报送不及时", "参加千百十办调度会议缺席一次"],
    "annual_goals": ["年度目标序时进度滞后", "部分年度重点工作未达预期"],
}
OVERRIDE_REASON = "实际值未含季末集中入统的两个项目，经核实按补充数据计分"
REVIEW_NOTE = "根据一季度运行情况，调整旅游总收入和文旅体产业项目的考评要点"
RETURN_NOTE = "补充研发经费投入和技术合同成交额的统计口径"
RETURN_COMMENT = "研发经费投入目标未分解到各园区，技术合同成交额缺少统计口径说明，请补充后重新报送"
RATING_COMMENTS = ["服务主动，响应及时", "审批协调效率有待提高", "政策解读到位，企业反映较好",
                   "对接企业诉求不够及时", ""]


def doc_number(year):
    """The 文号 of the document issuing the year's 细则 (one for all assessors, 六(一) 统一行文下发); a series of
    its own (发), apart from the 审定 of the quarters' results (潭千百十〔year〕<quarter>号)."""
    return f"潭千百十发〔{year}〕2号"


WHOLE_UNITS = ("家", "个", "户")  # targets counted in whole enterprises, projects or market entities


def _q2(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _started_quarters(year, today):
    return [q for q in (1, 2, 3, 4) if engine.quarter_dates(year, q)[0] <= today]


def _ended_quarters(year, today):
    return [q for q in (1, 2, 3, 4) if engine.quarter_dates(year, q)[1] < today]


# --- the ledger's actuals ------------------------------------------------------------------------------------

def _snapshot_month(year, quarter, today):
    """The month whose ledger figures stand for the quarter: its last month, or the last month before today."""
    month = 3 * quarter
    if date(year, month, 1) >= date(today.year, today.month, 1):
        last = date(today.year, today.month, 1) - timedelta(days=1)
        return (last.year, last.month) if last.year == year else None
    return year, month


def ledger_actuals(year, quarter, keys, today):
    """{ledger key: {unit id: Decimal}} for the quarter, read from the ledger's snapshot of its last month (a
    programme indicator's code: its measure or its entered values; rate:start|invest|funds: the project rates)."""
    from app.ledger.measures import Snapshot
    from app.org.models import Target

    period = _snapshot_month(year, quarter, today)
    if period is None or not keys:
        return {}
    snap = Snapshot.load(*period)
    targets = {t.code: t for t in db.session.scalars(sa.select(Target).where(Target.code.in_(
        [k for k in keys if not k.startswith("rate:")])))}
    result = {}
    for key in keys:
        if key.startswith("rate:"):
            attribute = {"rate:start": "start_rate", "rate:invest": "invest_rate", "rate:funds": "funds_rate"}.get(key)
            if attribute:
                result[key] = {uid: getattr(r, attribute) for uid, r in snap.rates.items()
                               if getattr(r, attribute) is not None}
            continue
        target = targets.get(key)
        if target is None:
            continue
        actual = snap.actual(target.measure) if target.measure else snap.entered_actual(target.id)
        result[key] = {uid: Decimal(v) for uid, v in (actual.by_unit or {}).items() if v is not None}
    return result


# --- publishing a year's books ---------------------------------------------------------------------------------

class _Year:
    """Seeds one year's books, targets, entered actuals and ratings through the criteria's services; `actors` is
    the scoring demo's seeder (its clock, admin and unit users)."""

    def __init__(self, actors, year, today):
        self.actors, self.year, self.today = actors, year, today
        self.admin = actors.admin
        self.units = assessed_units()
        self.by_name = {u.name: u for u in db.session.scalars(sa.select(Unit))}
        self.created = {"books": 0, "targets": 0, "actuals": 0, "ratings": 0}

    def at(self, day, minutes=9 * 60):
        return self.actors.at(self.actors.forward(day), minutes)

    def staff_of(self, assessor):
        return self.actors.user_of(self.year_rules.assessor_units[assessor])

    def seed(self):
        from app.scoring.criteria import start_from_defaults

        ensure_year_rules(self.admin, self.year)
        self.year_rules = year_rules = load_year_rules(self.year)
        self.unit_profiles = year_rules.unit_profiles
        units = [u for u in self.units if u.id in self.unit_profiles]
        ledger_keys = {d.ledger_key for ds in DEFAULT_INDICATORS.values() for d in ds
                       if d.source == "ledger" and d.ledger_key}
        year_end = ledger_actuals(self.year, 4, ledger_keys, self.today)
        books = {}
        for index, assessor in enumerate(ASSESSOR_ORDER):
            if not component_maxima(year_rules, assessor):
                continue
            self.at(date(self.year, 2, 16 + index), 10 * 60)
            book = start_from_defaults(self.staff_of(assessor), self.year, assessor)
            self.targets(book, units, year_end)
            books[assessor] = book
            self.created["books"] += 1
        if not self.approve_and_publish(books):
            return self.created  # the current year before its 审定: the books wait in the chain
        for book in books.values():
            self.entered_actuals(book, units)
        self.ratings(units)
        if self.year == self.today.year:
            self.revisions(books)
        db.session.flush()
        return self.created

    def approve_and_publish(self, books):
        """Submitted in March, accepted, approved at the end of March with one 文号, published the next day;
        False (and only the submissions so far) when today is not past the 审定."""
        from app.scoring.criteria_approval import accept_book, approve_book, publish_book, submit_book

        approved_on = self.actors.back(date(self.year, 3, 27))
        if self.today <= approved_on:  # not yet: submitted (and accepted) as far as the calendar has gone
            for index, (assessor, book) in enumerate(books.items()):
                if date(self.year, 3, 6 + index) < self.today:
                    self.at(date(self.year, 3, 6 + index), 15 * 60)
                    submit_book(self.staff_of(assessor), book)
            return False
        for index, (assessor, book) in enumerate(books.items()):
            self.at(date(self.year, 3, 6 + index), 15 * 60)
            submit_book(self.staff_of(assessor), book)
        for index, book in enumerate(books.values()):
            self.at(date(self.year, 3, 17), 9 * 60 + 20 * index)
            accept_book(self.admin, book, "指标设置符合考核评价办法，目标已分解到各考评对象，同意报领导小组审定")
        self.at(approved_on, 16 * 60)
        for book in books.values():
            approve_book(self.admin, book, approved_on, doc_number(self.year), today=approved_on)
        self.at(approved_on + timedelta(days=1), 10 * 60)
        for book in books.values():
            publish_book(self.admin, book)
        return True

    def _rng(self, *parts):
        return random.Random("-".join(str(p) for p in ("criteria", self.year, *parts)))

    def _size(self, ind, profile, rng):
        base = BASE_SIZE.get(ind.measure_unit or "", Decimal(50))
        scale = Decimal(1) if (ind.measure_unit or "") in NOT_SCALED else PROFILE_SCALE.get(profile, Decimal(1))
        return base * scale * Decimal(80 + rng.randrange(46)) / 100

    def targets(self, book, units, year_end):
        """Every unit's yearly target of the indicators that need one, typed in by the assessor (set_targets)."""
        from app.scoring.criteria import set_targets

        values = {}
        for ind in book.indicators:
            if not engine.Method(ind.method.value).needs_target:
                continue
            for unit in units:
                profile = self.unit_profiles[unit.id]
                if profile not in ind.points:
                    continue
                rng = self._rng("target", ind.code, unit.id)
                factor = Decimal(85 + rng.randrange(41)) / 100  # 0.85 .. 1.25
                actual = (year_end.get(ind.ledger_key) or {}).get(unit.id) if ind.source is CriteriaSource.ledger \
                    else None
                value = actual * factor if actual else self._size(ind, profile, rng)
                if ind.measure_unit == "%":
                    value = min(value, Decimal(100))
                if ind.measure_unit in WHOLE_UNITS:  # enterprises, projects, entities are counted whole
                    value = max(value.quantize(Decimal(1), rounding=ROUND_HALF_UP), Decimal(1))
                values[(ind.code, unit.id)] = str(max(_q2(value), CENT))
        if values:
            self.created["targets"] += set_targets(self.staff_of(book.assessor), book, values, self.year_rules, units)

    def entered_actuals(self, book, units):
        """The figures the assessor enters, cumulative, for every started quarter. Written as rows (the grid's
        `save_actuals` evaluates the assessor's whole grid on each call: about 200 calls a year)."""
        started = _started_quarters(self.year, self.today)
        staff = self.staff_of(book.assessor)
        targets = targets_of(book)
        rows = []
        for ind in book.indicators:
            if ind.source is not CriteriaSource.entered:
                continue
            per_event = Decimal(str((ind.params or {}).get("per_event", 1)))
            for unit in units:
                profile = self.unit_profiles[unit.id]
                if profile not in ind.points:
                    continue
                rng = self._rng("actual", ind.code, unit.id)
                pace = Decimal(78 + rng.randrange(40)) / 100  # 0.78 .. 1.17 of the expected progress
                events = rng.randrange(int(Decimal(ind.points[profile]) / per_event) + 3)
                previous = ZERO
                for q in started:
                    if ind.method is CriteriaMethod.count:
                        value = Decimal(min(events, (events * q + rng.randrange(3)) // 4))
                    else:  # a flow grows with the quarter's share of its target; a level stays near the target
                        share = Decimal(str(engine.effective_share(ind.params, book.quarter_shares[q - 1])))
                        value = targets[(ind.code, unit.id)] * share / 100 * pace * \
                            Decimal(96 + rng.randrange(9)) / 100
                    value = max(previous, _q2(value))
                    previous = value
                    period = f"{3 * q}月末" if engine.progress_of(ind.params) == engine.PROGRESS_LEVEL \
                        else f"1—{3 * q}月累计"
                    rows.append(CriteriaActual(
                        year=self.year, quarter=q, assessor=book.assessor, code=ind.code, unit_id=unit.id,
                        value=value, entered_by_id=staff.id,
                        source_note=f"{engine.assessor_label(book.assessor)}统计数据（{self.year}年{period}）"))
        if rows:
            day = min(engine.quarter_dates(self.year, started[-1])[1] + timedelta(days=8), self.today)
            self.at(day, 11 * 60)
            db.session.add_all(rows)
            self.created["actuals"] += len(rows)

    def ratings(self, units):
        """Each ended quarter, every county and park rates a few 市直 units (and one on an enterprise's behalf)
        through the ratings service."""
        from app.scoring.ratings import ledger_enterprise_names, save_rating

        raters = [u for u in units if u.group.value in LOCAL_GROUPS]
        rated = [u for u in units if u.group.value in CITY_GROUPS]
        low = self.by_name.get(LOW_RATED)
        if not raters or not rated:
            return
        enterprises = {r.id: ledger_enterprise_names(r.id) for r in raters}
        for q in _ended_quarters(self.year, self.today):
            day = self.actors.forward(engine.quarter_dates(self.year, q)[1] + timedelta(days=5))
            for i, rater in enumerate(raters):
                self.at(min(day, self.today), 14 * 60 + 7 * i)
                rng = self._rng("rating", q, rater.id)
                user = self.actors.user_of(rater.id)
                chosen = rng.sample(rated, min(len(rated), RATED_PER_RATER))
                if low in rated and low not in chosen and i % 2 == 0:
                    chosen.append(low)
                for k, unit in enumerate(chosen):
                    names = [""] + ([rng.choice(enterprises[rater.id])] if k == 0 and enterprises[rater.id] else [])
                    for enterprise in names:
                        base = 52 if unit is low else 80 + self._rng("level", unit.id).randrange(16)
                        marks = [max(0, min(100, base + rng.randrange(-8, 9))) for _ in range(3)]
                        save_rating(user, self.year, q, rater, unit, attitude=marks[0], efficiency=marks[1],
                                    effect=marks[2], comment=rng.choice(RATING_COMMENTS) or None,
                                    enterprise_name=enterprise, on=min(day, self.today))
                        self.created["ratings"] += 1

    def revisions(self, books):
        """The current year's second versions (revise_book): one submitted and in the office's review, one
        returned with comments."""
        from app.scoring.criteria_approval import return_book, revise_book, submit_book

        for assessor, note in ((IN_REVIEW, REVIEW_NOTE), (RETURNED, RETURN_NOTE)):
            published = books.get(assessor)
            if published is None:
                continue
            staff = self.staff_of(assessor)
            day = min(self.actors.back(date(self.year, 7, 8 if assessor == IN_REVIEW else 6)), self.today)
            self.at(day, 10 * 60)
            revision = revise_book(staff, published, note)
            self.at(day + timedelta(days=2), 15 * 60)
            submit_book(staff, revision)
            if assessor == RETURNED:
                self.at(day + timedelta(days=6), 10 * 60)
                return_book(self.admin, revision, RETURN_COMMENT)
            self.created["books"] += 1


def _frozen(year):
    """Why a year's criteria cannot be published by the demo (its rules are in use), or None."""
    if db.session.scalar(sa.select(ScoringQuarter.id).where(
            ScoringQuarter.year == year, ScoringQuarter.status == QuarterStatus.finalized).limit(1)):
        return "finalized"
    if db.session.scalar(sa.select(ScoreEntry.id).where(ScoreEntry.year == year).limit(1)):
        return "entries"
    return None


def seed_criteria_year(year, today, actors=None):
    """One year's published criteria, targets, entered actuals and ratings (the benchmarks use it for a year of
    their own). Nothing when the year has books or its rules are in use. Returns what was created."""
    if db.session.scalar(sa.select(CriteriaBook.id).where(CriteriaBook.year == year).limit(1)) or _frozen(year):
        return {"books": 0, "targets": 0, "actuals": 0, "ratings": 0}
    if actors is not None:
        return _Year(actors, year, today).seed()
    with frozen_clock() as clock:
        return _Year(Actors(today, clock), year, today).seed()


def seed_demo_criteria(today: date):
    """The demo year's and the current year's criteria (see the module's docstring). Returns what was created."""
    created = {"books": 0, "targets": 0, "actuals": 0, "ratings": 0}
    with frozen_clock() as clock:
        actors = Actors(today, clock)
        for year in (demo_year(today), today.year):
            for key, n in seed_criteria_year(year, today, actors).items():
                created[key] += n
        db.session.flush()
    log.info("demo criteria created: %s", created)
    return created


# --- the quarterly grids ---------------------------------------------------------------------------------------

def scored_cells(year):
    """{(assessor, indicator code)} the published criteria of the year score on their grid (not the office's
    task indicator, which the reports compute): the scoring demo leaves these cells to `confirm_quarter`."""
    return {(b.assessor, ind.code) for b in published_books(year).values() for ind in b.indicators
            if ind.method is not CriteriaMethod.tasks}


def _manual_points(maximum, level, rng, low):
    """A manual indicator's points near the unit's level (full marks now and then), with a reason when below."""
    if not low and rng.random() < 0.2:
        return maximum
    return _score(maximum, level + Decimal(rng.randrange(-5, 5)) / 100)


def _engineer_ties(year_rules, units, cells, chosen, rng):
    """The scoring demo's tie (TIE_PAIRS: two units of a group with the same quarterly score, sharing a rank),
    kept under the criteria: the second unit's manual indicators absorb the difference between the two units'
    totals (computed points, the office's task points, the first unit's manual points). Pairs in a blend, of
    different profiles or whose manual indicators cannot absorb the difference are left alone."""
    by_name = {u.name: u for u in units}
    blended = {u for b in year_rules.rules.blends for u in (b.target, b.source)}
    for first, second in TIE_PAIRS.values():
        a, b = by_name.get(first), by_name.get(second)
        if a is None or b is None or {a.id, b.id} & blended or \
                year_rules.unit_profiles[a.id] != year_rules.unit_profiles[b.id]:
            continue

        def total(unit_id):
            return sum((chosen[k][0] if k in chosen else (c.computed or ZERO)
                        for k, c in cells.items() if k[2] == unit_id), ZERO)

        delta = total(a.id) - total(b.id)
        manual = sorted((k for k, c in cells.items() if k[2] == b.id and k in chosen
                         and c.method is CriteriaMethod.manual), key=lambda k: k[1])
        room = sum((_q2(cells[k].maximum) - chosen[k][0] if delta > 0 else chosen[k][0] for k in manual), ZERO)
        if abs(delta) > room or any(k[2] in (a.id, b.id) and k not in chosen and not c.is_system
                                    for k, c in cells.items()):
            continue
        for key in manual:
            if not delta:
                break
            value = chosen[key][0]
            step = min(_q2(cells[key].maximum) - value, delta) if delta > 0 else -min(value, -delta)
            value += step
            delta -= step
            reason = None if value >= cells[key].maximum else \
                (chosen[key][1] or rng.choice(MANUAL_NOTES.get(key[1]) or ["该项工作推进进度滞后于序时要求"]))
            chosen[key] = (value, reason)


def confirm_quarter(seeder, year, quarter, evaluated_on, partial=False):
    """Confirm the quarter's indicator grids of the year's published criteria through the grid's own service
    (`criteria_scoring.confirm_scores`, by a user of the unit that enters each indicator, on a day after the
    quarter): computed points as computed, one raised with a reason, the manual indicators' points near the unit's
    level with the assessor's reason. `seeder` is the scoring demo's (clock, users). `partial`: leave 文旅广体局's
    grid and 工信局's cells of a few 市直 units unconfirmed. Returns the number of cells confirmed (0 without
    criteria)."""
    from app.scoring import criteria_scoring

    books = published_books(year)
    if not books:
        return 0
    year_rules = load_year_rules(year)
    units = [u for u in assessed_units() if u.id in year_rules.unit_profiles]
    city = [u.id for u in units if u.group.value in CITY_GROUPS]
    late_miit = {unit_id for i, unit_id in enumerate(city) if i % 8 == 3} if partial else set()
    low = {u.id for u in units if u.name == LOW_RATED}
    levels = random.Random(f"criteria-levels-{year}")
    level = {u.id: Decimal("0.55") if u.id in low else Decimal(84 + levels.randrange(13)) / 100 for u in units}
    rng = random.Random(f"criteria-grid-{year}-{quarter}")
    end = engine.quarter_dates(year, quarter)[1]
    overridden, confirmed = False, 0
    every = criteria_scoring.evaluate(year, quarter, books, year_rules, units, evaluated_on)  # all grids at once
    chosen = {}  # (assessor, code, unit id) -> (points, reason)
    for key, cell in every.items():
        assessor, code, unit_id = key
        if cell.is_system or cell.confirmed or (partial and assessor == IN_REVIEW) or \
                (assessor == "miit" and unit_id in late_miit):
            continue
        reason = None
        if cell.method is CriteriaMethod.manual:
            value = _manual_points(_q2(cell.maximum), level[unit_id], rng, unit_id in low)
            if value < cell.maximum:
                reason = rng.choice(MANUAL_NOTES.get(code) or ["该项工作推进进度滞后于序时要求"])
        elif cell.computed is None:
            continue
        else:
            value = cell.computed
            if not overridden and cell.method is CriteriaMethod.linear and value > ZERO and \
                    cell.maximum - value >= Decimal("0.5"):
                value, reason, overridden = value + Decimal("0.5"), OVERRIDE_REASON, True
        chosen[key] = (value, reason)
    if not partial:
        _engineer_ties(year_rules, units, every, chosen, rng)
    for index, assessor in enumerate(ASSESSOR_ORDER):
        by_enterer = {}
        for (cell_assessor, code, unit_id), (value, reason) in chosen.items():
            if cell_assessor == assessor:
                by_enterer.setdefault(year_rules.enterer_of(assessor, code), []).append(
                    criteria_scoring.ScoreItem(unit_id, code, str(value), reason))
        for k, (enterer, items) in enumerate(sorted(by_enterer.items(), key=lambda kv: kv[0] or 0)):
            day = min(seeder.cal.add_workdays(end, 3 + index % 5), evaluated_on)
            seeder.at(day, 14 * 60 + 15 * index + 5 * k)
            criteria_scoring.confirm_scores(seeder.user_of(enterer), year, quarter, assessor, items, on=day)
            confirmed += len(items)
    db.session.flush()
    return confirmed
