"""Demo 考评细则 (issue #15): the demo year's and the current year's criteria of all seven assessors and the office,
published, with a yearly target per assessed unit, the figures the assessors enter, the counties' and parks'
ratings of the 市直 units, and the quarterly indicator grids confirmed.

`seed_demo_criteria(today)` runs after the ledger's demo and BEFORE the scoring demo (app/cli.py): a published
细则 becomes its component's sub-items in the year's rules (a new rules version), which cannot be saved once a
quarter of the year is finalized — and the scoring demo finalizes quarters. For each of the two years:

* each assessor's book from `criteria_defaults.DEFAULT_INDICATORS` (points for the profiles the component has),
  drafted in February, submitted in March, accepted by the office, approved by the leadership group (审定) at the
  end of March with one 文号 for all (潭千百十〔2025〕2号 ...), and published: the year's rules get the indicators
  as sub-items, 产业项目审批服务 co-assessed by 市行政审批局;
* a yearly target for every unit and indicator that needs one: from the ledger's actual at the year's end (or
  the latest month) × a factor between 0.85 and 1.25 that varies by unit and indicator, or, for the figures
  the assessors enter, a plausible size for the unit's profile;
* the entered actuals (CriteriaActual) of every started quarter, cumulative in the year, each unit running ahead
  of or behind its target by its own pace — so some units fall short in every quarter;
* service ratings (ServiceRating) of 市直 units by the counties and parks, on their own behalf and for an
  enterprise, in every ended quarter;
* in the current year, a revision of one assessor's book still in the office's review and another returned
  with comments (the approval pages then show something to do).

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

from app.core.audit import record_change
from app.core.clock import frozen_clock, utcnow
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.criteria_queries import (
    ASSESSOR_ORDER,
    component_maxima,
    engine_indicator,
    published_books,
    quarter_share,
    targets_of,
)
from app.scoring.models import (
    CriteriaActual,
    CriteriaBook,
    CriteriaIndicator,
    CriteriaMethod,
    CriteriaScore,
    CriteriaSource,
    CriteriaStatus,
    CriteriaTarget,
    QuarterStatus,
    ScoreEntry,
    ScoringQuarter,
    ServiceRating,
)
from app.scoring.year_rules import assessed_units, ensure_year_rules, load_year_rules, save_rules

log = logging.getLogger(__name__)

ZERO = Decimal(0)
CENT = Decimal("0.01")
CITY_GROUPS = ("promotion", "support")
LOCAL_GROUPS = ("county", "park1", "park2")
IN_REVIEW = "culture"  # the current year's revision waiting for the office
RETURNED = "most"  # the current year's revision returned with comments
LOW_RATED = "市优化人居环境事务中心"  # the scoring demo's LOW_UNIT: poorly rated and scored, so its year fails

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
RETURN_COMMENT = "研发经费投入目标未分解到各园区，技术合同成交额缺少统计口径说明，请补充后重新报送"
RATING_COMMENTS = ["服务主动，响应及时", "审批协调效率有待提高", "政策解读到位，企业反映较好",
                   "对接企业诉求不够及时", ""]
RATING_ENTERPRISES = ["湘潭电机股份有限公司", "湘潭钢铁集团有限公司", "湖南吉利汽车部件有限公司",
                      "湘潭电化科技股份有限公司", "湖南华菱线缆股份有限公司", "湘潭永达机械制造股份有限公司"]


def doc_number(year):
    """The 文号 of the document issuing the year's 细则 (one for all assessors, 六(一) 统一行文下发)."""
    return f"潭千百十〔{year}〕{2 + year % 2}号"


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
    """Seeds one year's books, targets, entered actuals and ratings; `actors` is the scoring demo's seeder
    (its clock, admin and unit users)."""

    def __init__(self, actors, year, today):
        self.actors, self.year, self.today = actors, year, today
        self.admin = actors.admin
        self.units = assessed_units()
        self.by_name = {u.name: u for u in db.session.scalars(sa.select(Unit))}
        self.created = {"books": 0, "targets": 0, "actuals": 0, "ratings": 0}

    def at(self, day, minutes=9 * 60):
        return self.actors.at(self.actors.forward(day), minutes)

    def seed(self):
        ensure_year_rules(self.admin, self.year)
        year_rules = load_year_rules(self.year)
        self.unit_profiles = year_rules.unit_profiles
        units = [u for u in self.units if u.id in self.unit_profiles]
        books = {}
        for index, assessor in enumerate(ASSESSOR_ORDER):
            book = self.draft(year_rules, assessor, index)
            if book is not None:
                books[assessor] = book
        self.approve_and_publish(year_rules, books)
        ledger_keys = {ind.ledger_key for b in books.values() for ind in b.indicators
                       if ind.source is CriteriaSource.ledger and ind.ledger_key}
        year_end = ledger_actuals(self.year, 4, ledger_keys, self.today)
        for book in books.values():
            self.targets(book, units, year_end)
        db.session.flush()
        for book in books.values():
            self.entered_actuals(book, units)
        self.ratings(units)
        if self.year == self.today.year:
            self.revisions(books)
        db.session.flush()
        return self.created

    def draft(self, year_rules, assessor, index):
        maxima = component_maxima(year_rules, assessor)
        defaults = DEFAULT_INDICATORS.get(assessor, ())
        rows = []
        for order, d in enumerate(defaults, start=1):
            points = {p: v for p, v in d.points.items() if p in maxima}
            if not points:
                continue
            co_unit = self.by_name.get(d.co_assessor) if d.co_assessor else None
            rows.append(CriteriaIndicator(
                code=d.code, name=d.name, sort_order=order, method=CriteriaMethod(d.method),
                params=engine.normalize_params(d.method, d.params), source=CriteriaSource(d.source),
                ledger_key=d.ledger_key, measure_unit=d.measure_unit, points=points,
                co_assessor_unit_id=co_unit.id if co_unit else None, description=d.description or None))
        errors = engine.check_indicators([engine_indicator(r) for r in rows], maxima)
        if errors or not rows:
            log.warning("demo criteria of %s %s not seeded: %s", self.year, assessor, errors)
            return None
        staff = self.actors.user_of(year_rules.assessor_units[assessor])
        self.at(date(self.year, 2, 16 + index), 10 * 60)
        book = CriteriaBook(year=self.year, assessor=assessor, version=1, status=CriteriaStatus.draft,
                            quarter_shares=["25", "50", "75", "100"], indicators=rows,
                            note=f"按考核评价办法（附件2）三明确的考评内容，结合{self.year}年度发展目标制定")
        db.session.add(book)
        db.session.flush()
        record_change(staff, "criteria.draft", book, None, {"year": self.year, "assessor": assessor, "version": 1})
        self.at(date(self.year, 3, 6 + index), 15 * 60)
        book.status, book.submitted_at, book.submitted_by_id = CriteriaStatus.submitted, utcnow(), staff.id
        record_change(staff, "criteria.submit", book, {"status": "draft"}, {"status": "submitted"})
        self.created["books"] += 1
        return book

    def approve_and_publish(self, year_rules, books):
        admin = self.admin
        for index, book in enumerate(books.values()):
            self.at(date(self.year, 3, 17), 9 * 60 + 20 * index)
            book.status, book.reviewed_at, book.reviewed_by_id = CriteriaStatus.accepted, utcnow(), admin.id
            record_change(admin, "criteria.accept", book, {"status": "submitted"}, {"status": "accepted"})
        approved_on = self.actors.back(date(self.year, 3, 27))
        self.at(approved_on, 16 * 60)
        for book in books.values():
            book.status, book.approved_on, book.doc_number = CriteriaStatus.approved, approved_on, \
                doc_number(self.year)
            book.approved_by_id = admin.id
            record_change(admin, "criteria.approve", book, {"status": "accepted"},
                          {"status": "approved", "approved_on": approved_on.isoformat(),
                           "doc_number": doc_number(self.year)})
        self.at(approved_on + timedelta(days=1), 10 * 60)
        data = year_rules.to_data()
        for profile in data["rules"]["profiles"]:
            for comp in profile["components"]:
                book = books.get(comp["assessor"])
                if book is None:
                    continue
                comp["sub_items"] = [{"code": ind.code, "name": ind.name, "maximum": str(ind.points[profile["code"]])}
                                     for ind in book.indicators if profile["code"] in ind.points]
        for book in books.values():
            for ind in book.indicators:
                if ind.co_assessor_unit_id:
                    data["sub_item_assessors"][f"{book.assessor}.{ind.code}"] = ind.co_assessor_unit_id
        version = save_rules(admin, self.year, data,
                             note=f"发布{self.year}年度考评细则（{doc_number(self.year)}），各项考评得分按细则指标计分")
        for book in books.values():
            book.status, book.published_at, book.published_by_id = CriteriaStatus.published, utcnow(), admin.id
            book.rule_set_id = version.id
            record_change(admin, "criteria.publish", book, {"status": "approved"},
                          {"status": "published", "rule_set_id": version.id})

    def _rng(self, *parts):
        return random.Random("-".join(str(p) for p in ("criteria", self.year, *parts)))

    def _size(self, ind, profile, rng):
        base = BASE_SIZE.get(ind.measure_unit or "", Decimal(50))
        scale = Decimal(1) if (ind.measure_unit or "") in NOT_SCALED else PROFILE_SCALE.get(profile, Decimal(1))
        return base * scale * Decimal(80 + rng.randrange(46)) / 100

    def targets(self, book, units, year_end):
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
                value = max(_q2(value), CENT)
                ind.targets.append(CriteriaTarget(unit_id=unit.id, value=value))
                self.created["targets"] += 1

    def entered_actuals(self, book, units):
        started = _started_quarters(self.year, self.today)
        staff = self.actors.user_of(load_assessor_unit(self.year, book.assessor))
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
                    else:
                        share = Decimal(str(book.quarter_shares[q - 1]))
                        value = targets[(ind.code, unit.id)] * share / 100 * pace * \
                            Decimal(96 + rng.randrange(9)) / 100
                    value = max(previous, _q2(value))
                    previous = value
                    rows.append(CriteriaActual(
                        year=self.year, quarter=q, assessor=book.assessor, code=ind.code, unit_id=unit.id,
                        value=value, entered_by_id=staff.id,
                        source_note=f"{engine.assessor_label(book.assessor)}统计数据（{self.year}年1—{3 * q}月累计）"))
        if rows:
            day = min(engine.quarter_dates(self.year, started[-1])[1] + timedelta(days=8), self.today)
            self.at(day, 11 * 60)
            db.session.add_all(rows)
            self.created["actuals"] += len(rows)

    def ratings(self, units):
        raters = [u for u in units if u.group.value in LOCAL_GROUPS]
        rated = [u for u in units if u.group.value in CITY_GROUPS]
        if not raters or not rated:
            return
        rows = []
        for q in _ended_quarters(self.year, self.today):
            end = engine.quarter_dates(self.year, q)[1]
            self.at(min(end + timedelta(days=5), self.today), 14 * 60)
            for i, rater in enumerate(raters):
                rng = self._rng("rating", q, rater.id)
                user = self.actors.user_of(rater.id)
                chosen = rng.sample(rated, min(len(rated), 14))
                if self.by_name.get(LOW_RATED) in rated and self.by_name[LOW_RATED] not in chosen:
                    chosen.append(self.by_name[LOW_RATED])
                for k, unit in enumerate(chosen):
                    for enterprise in ("", RATING_ENTERPRISES[(i + k) % len(RATING_ENTERPRISES)]) if k < 2 else ("",):
                        base = 52 if unit.name == LOW_RATED else 80 + self._rng("level", unit.id).randrange(16)
                        marks = [max(0, min(100, base + rng.randrange(-8, 9))) for _ in range(3)]
                        rows.append(ServiceRating(
                            year=self.year, quarter=q, rater_unit_id=rater.id, rated_unit_id=unit.id,
                            enterprise_name=enterprise, attitude=marks[0], efficiency=marks[1], effect=marks[2],
                            comment=rng.choice(RATING_COMMENTS) or None, entered_by_id=user.id))
        db.session.add_all(rows)
        self.created["ratings"] += len(rows)

    def revisions(self, books):
        """The current year's second versions: one in the office's review, one returned with comments."""
        for assessor, status in ((IN_REVIEW, CriteriaStatus.submitted), (RETURNED, CriteriaStatus.returned)):
            published = books.get(assessor)
            if published is None:
                continue
            staff = self.actors.user_of(load_assessor_unit(self.year, assessor))
            day = min(self.actors.back(date(self.year, 7, 8 if assessor == IN_REVIEW else 6)), self.today)
            self.at(day, 10 * 60)
            revision = CriteriaBook(
                year=self.year, assessor=assessor, version=2, status=CriteriaStatus.draft,
                quarter_shares=list(published.quarter_shares), based_on_id=published.id,
                note=REVIEW_NOTE if assessor == IN_REVIEW else "补充研发经费投入和技术合同成交额的统计口径",
                indicators=[CriteriaIndicator(
                    code=i.code, name=i.name, sort_order=i.sort_order, method=i.method, params=dict(i.params or {}),
                    source=i.source, ledger_key=i.ledger_key, measure_unit=i.measure_unit, points=dict(i.points),
                    co_assessor_unit_id=i.co_assessor_unit_id,
                    description=(i.description or i.name) + ("（按修订后的统计口径）" if k == 0 else ""),
                    targets=[CriteriaTarget(unit_id=t.unit_id, value=t.value) for t in i.targets])
                    for k, i in enumerate(published.indicators)])
            db.session.add(revision)
            db.session.flush()
            record_change(staff, "criteria.draft", revision, None,
                          {"year": self.year, "assessor": assessor, "version": 2, "based_on": published.id})
            self.at(day + timedelta(days=2), 15 * 60)
            revision.status, revision.submitted_at, revision.submitted_by_id = \
                CriteriaStatus.submitted, utcnow(), staff.id
            record_change(staff, "criteria.submit", revision, {"status": "draft"}, {"status": "submitted"})
            if status is CriteriaStatus.returned:
                self.at(day + timedelta(days=6), 10 * 60)
                revision.status, revision.reviewed_at, revision.reviewed_by_id = status, utcnow(), self.admin.id
                revision.review_comment = RETURN_COMMENT
                record_change(self.admin, "criteria.return", revision, {"status": "submitted"},
                              {"status": "returned", "comment": RETURN_COMMENT})
            self.created["books"] += 1


def load_assessor_unit(year, assessor):
    return load_year_rules(year).assessor_units[assessor]


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
    from app.demo.scoring import _Seeder

    if db.session.scalar(sa.select(CriteriaBook.id).where(CriteriaBook.year == year).limit(1)) or _frozen(year):
        return {"books": 0, "targets": 0, "actuals": 0, "ratings": 0}
    if actors is not None:
        return _Year(actors, year, today).seed()
    with frozen_clock() as clock:
        return _Year(_Seeder(today, clock), year, today).seed()


def seed_demo_criteria(today: date):
    """The demo year's and the current year's criteria (see the module's docstring). Returns what was created."""
    from app.demo.scoring import _Seeder, demo_year

    created = {"books": 0, "targets": 0, "actuals": 0, "ratings": 0}
    with frozen_clock() as clock:
        actors = _Seeder(today, clock)
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


def _rating_averages(year, quarter):
    """{rated unit id: average 0–100}: the ratings service's, or the plain mean of the three marks of each rating
    while that service is not there."""
    from app.scoring.ratings import rating_averages

    averages = rating_averages(year, quarter)
    if averages:
        return averages
    rows = db.session.execute(
        sa.select(ServiceRating.rated_unit_id,
                  sa.func.avg((ServiceRating.attitude + ServiceRating.efficiency + ServiceRating.effect) / 3.0))
        .where(ServiceRating.year == year, ServiceRating.quarter == quarter)
        .group_by(ServiceRating.rated_unit_id))
    return {uid: _q2(Decimal(str(avg))) for uid, avg in rows if avg is not None}


def _explain(ind, computed):
    mu = ind.measure_unit or ""
    if ind.method is CriteriaMethod.count:
        per_event = (ind.params or {}).get("per_event")
        return f"本年累计{engine.decimal_text(computed.actual or ZERO)}{mu}，每项{per_event}分"
    if ind.method is CriteriaMethod.rating:
        return f"服务质量评价平均{computed.actual}分" if computed.actual is not None else "本季度无评价"
    if computed.completion is None:
        return "无实际值，不得分"
    text = (f"完成率{_q2(computed.completion)}%（实际{engine.decimal_text(_q2(computed.actual))}{mu}，"
            f"季度目标{engine.decimal_text(_q2(computed.target))}{mu}）")
    return text + (f"，组内第{computed.rank}名" if computed.rank else "")


def _manual_points(maximum, level, rng, low):
    """A manual indicator's points near the unit's level (full marks now and then), with a reason when below."""
    from app.demo.scoring import _score

    if not low and rng.random() < 0.2:
        return maximum
    return _score(maximum, level + Decimal(rng.randrange(-5, 5)) / 100)


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
    if not hasattr(criteria_scoring, "confirm_scores"):  # the grid's service not there: write the cells directly
        return _confirm_directly(seeder, year, quarter, evaluated_on, books, partial)
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
    for index, assessor in enumerate(ASSESSOR_ORDER):
        if assessor not in books or (partial and assessor == IN_REVIEW):
            continue
        by_enterer = {}
        for (cell_assessor, code, unit_id), cell in every.items():
            unit = cell.unit
            if cell_assessor != assessor or (assessor == "miit" and unit_id in late_miit):
                continue
            if cell.is_system or cell.confirmed:
                continue
            reason = None
            if cell.method is CriteriaMethod.manual:
                value = _manual_points(_q2(cell.maximum), level[unit.id], rng, unit.id in low)
                if value < cell.maximum:
                    reason = rng.choice(MANUAL_NOTES.get(code) or ["该项工作推进进度滞后于序时要求"])
            elif cell.computed is None:
                continue
            else:
                value = cell.computed
                if not overridden and cell.method is CriteriaMethod.linear and value > ZERO and \
                        cell.maximum - value >= Decimal("0.5"):
                    value, reason, overridden = value + Decimal("0.5"), OVERRIDE_REASON, True
            enterer = year_rules.enterer_of(assessor, code)
            by_enterer.setdefault(enterer, []).append(
                criteria_scoring.ScoreItem(unit.id, code, str(value), reason))
        for k, (enterer, items) in enumerate(sorted(by_enterer.items(), key=lambda kv: kv[0] or 0)):
            day = min(seeder.cal.add_workdays(end, 3 + index % 5), evaluated_on)
            seeder.at(day, 14 * 60 + 15 * index + 5 * k)
            criteria_scoring.confirm_scores(seeder.user_of(enterer), year, quarter, assessor, items, on=day)
            confirmed += len(items)
    db.session.flush()
    return confirmed


def _confirm_directly(seeder, year, quarter, evaluated_on, books, partial=False):
    """confirm_quarter without the grid's service: the points computed here (`engine.compute_group`), each as a
    ScoreEntry through `enter_scores` beside its CriteriaScore."""
    from app.scoring.entries import EntryItem, enter_scores

    year_rules = load_year_rules(year)
    units = [u for u in assessed_units() if u.id in year_rules.unit_profiles]
    city = [u.id for u in units if u.group.value in CITY_GROUPS]
    late_miit = {unit_id for i, unit_id in enumerate(city) if i % 8 == 3} if partial else set()
    low = {u.id for u in units if u.name == LOW_RATED}
    keys = {ind.ledger_key for b in books.values() for ind in b.indicators
            if ind.source is CriteriaSource.ledger and ind.ledger_key}
    from_ledger = ledger_actuals(year, quarter, keys, seeder.today)
    entered = {(a, c, u): v for a, c, u, v in db.session.execute(
        sa.select(CriteriaActual.assessor, CriteriaActual.code, CriteriaActual.unit_id, CriteriaActual.value)
        .where(CriteriaActual.year == year, CriteriaActual.quarter == quarter))}
    averages = _rating_averages(year, quarter)
    levels = random.Random(f"criteria-levels-{year}")
    level = {u.id: Decimal("0.55") if u.id in low else Decimal(84 + levels.randrange(13)) / 100 for u in units}
    rng = random.Random(f"criteria-grid-{year}-{quarter}")
    by_enterer, scores = {}, []
    for assessor in ASSESSOR_ORDER:
        book = books.get(assessor)
        if book is None or (partial and assessor == IN_REVIEW):
            continue
        share, targets = quarter_share(book, quarter), targets_of(book)
        for ind in book.indicators:
            if ind.method is CriteriaMethod.tasks:
                continue
            groups = {}
            for u in units:
                if year_rules.unit_profiles[u.id] in ind.points and not (assessor == "miit" and u.id in late_miit):
                    groups.setdefault(u.group.value, {})[u.id] = year_rules.unit_profiles[u.id]
            for profiles in groups.values():
                actuals = from_ledger.get(ind.ledger_key, {}) if ind.source is CriteriaSource.ledger else \
                    {uid: entered.get((assessor, ind.code, uid)) for uid in profiles}
                results = engine.compute_group(engine_indicator(ind), profiles, actuals,
                                               {uid: targets.get((ind.code, uid)) for uid in profiles},
                                               quarter_share=share, averages=averages)
                for uid, computed in results.items():
                    maximum = _q2(computed.maximum)
                    if ind.method is CriteriaMethod.manual:
                        points, calculated = _manual_points(maximum, level[uid], rng, uid in low), None
                        note = None if points >= maximum else \
                            rng.choice(MANUAL_NOTES.get(ind.code) or ["该项工作推进进度滞后于序时要求"])
                        reason = note
                    else:
                        points = calculated = min(_q2(computed.points), maximum)
                        note, reason = (None if points >= maximum else _explain(ind, computed)), None
                    enterer = year_rules.enterer_of(assessor, ind.code)
                    by_enterer.setdefault(enterer, []).append(EntryItem(uid, assessor, ind.code, str(points), note))
                    scores.append((enterer, dict(
                        year=year, quarter=quarter, unit_id=uid, assessor=assessor, code=ind.code, book_id=book.id,
                        actual=None if computed.actual is None else _q4(computed.actual),
                        target=None if computed.target is None else _q4(computed.target),
                        completion=None if computed.completion is None else _q2(computed.completion),
                        rank=computed.rank, computed=calculated, maximum=maximum, value=points, overridden=False,
                        reason=reason)))
    end = engine.quarter_dates(year, quarter)[1]
    confirmed = 0
    for index, (enterer, items) in enumerate(sorted(by_enterer.items(), key=lambda kv: kv[0] or 0)):
        seeder.at(min(seeder.cal.add_workdays(end, 3 + index % 5), evaluated_on), 14 * 60 + 15 * index)
        user = seeder.user_of(enterer)
        enter_scores(user, year, quarter, items)
        db.session.add_all([CriteriaScore(**score, confirmed_by_id=user.id) for e, score in scores if e == enterer])
        confirmed += len(items)
    db.session.flush()
    return confirmed


def _q4(value):
    return Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _unit(units, unit_id):
    return next(u for u in units if u.id == unit_id)

