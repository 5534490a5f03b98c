"""考评细则 approval chain (附件2 六(一)): the assessor submits its book to the office, which returns it with comments
or accepts it; the leadership group's 审定 (date and 文号) is recorded; the office publishes it — the book's
indicators become the component's sub-items in the year's rules — and every assessed unit is told. A change after
publication is a new version (revise) that goes through the same chain; the published one stays in force until
the new one is published and supersedes it.

Every service checks who acts and from which status, refuses in Chinese with nothing written, flushes and audits
(record_change with before and after); the request commits. Also here: the book page's panel of the chain
(`workflow_panel`), a unit's published targets (`unit_targets`), and who may read them.
"""

import logging
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.core import text
from app.core.audit import record_change, snapshot
from app.core.clock import get_clock, utcnow
from app.core.clock import today as local_today
from app.core.errors import PermissionDenied, ServiceError
from app.extensions import db
from app.org.models import Unit
from app.reminders import jobs
from app.scoring import engine
from app.scoring.criteria_queries import (
    ASSESSOR_ORDER,
    EDITABLE,
    books_of_year,
    component_maxima,
    current_book,
    engine_indicator,
    published_books,
    targets_of,
)
from app.scoring.models import CriteriaBook, CriteriaIndicator, CriteriaStatus, CriteriaTarget
from app.scoring.year_inputs import require_year_open
from app.scoring.year_rules import load_year_rules, save_rules

log = logging.getLogger(__name__)

RULE = "assessment_rules"  # the reminders' rule of the 细则: due by March, awaiting review, published
DOC_NUMBER_MAX = 100
AUDITED = ("status", "version", "submitted_at", "submitted_by_id", "reviewed_at", "reviewed_by_id", "review_comment",
           "approved_on", "doc_number", "approved_by_id", "published_at", "published_by_id", "rule_set_id", "note",
           "based_on_id")
NOT_SUBMITTED = (None, CriteriaStatus.draft, CriteriaStatus.returned)


def book_label(book):
    return f"{book.year}年{engine.assessor_label(book.assessor)}考评细则（第{book.version}版）"


def book_path(year, assessor):
    """The book page (the criteria part's), as a path for reminders and redirects."""
    return f"/scoring/{year}/criteria/{assessor}"


def targets_path(year):
    return f"/scoring/{year}/my-targets"


# --- who may do what ------------------------------------------------------------------------------------------

def is_assessor_staff(user, year_rules, assessor):
    """Staff of the unit that assesses the component (the office: its administrators)."""
    unit_id = year_rules.assessor_units.get(assessor)
    return bool(user.works_in_unit and unit_id is not None and user.unit_id == unit_id)


def may_draft(user, year_rules, assessor):
    """Submit and revise: the assessor's own staff, or the office."""
    return user.is_admin or is_assessor_staff(user, year_rules, assessor)


def reads_every_unit(user, year_rules):
    """The office, leaders, observers and every assessor's staff read all units' targets."""
    if user.reads_all:
        return True
    assessors = set(year_rules.assessor_units.values()) | set(year_rules.sub_item_assessors.values())
    return bool(user.unit_id and user.unit_id in assessors)


def may_read_targets(user, year_rules, unit):
    return unit.id == user.unit_id or reads_every_unit(user, year_rules)


def _office_only(actor, what):
    if not actor.is_admin:
        raise PermissionDenied(f"只有千百十办可以{what}。")


def _status_refusal(book, allowed, what):
    if book.status not in allowed:
        raise ServiceError(f"{book_label(book)}当前为“{book.status.label}”，不能{what}。", code="state", status=409)


# --- the checks before submitting -----------------------------------------------------------------------------

def _engine_problems(book, year_rules):
    """The engine's checks of a book: indicators and points against the component maxima, parameters, quarter
    shares, a target for every assessed unit that needs one."""
    maxima = component_maxima(year_rules, book.assessor)
    indicators = [engine_indicator(row) for row in book.indicators]
    labels = {code: p.label for code, p in year_rules.rules.profiles.items()}
    problems = list(engine.check_indicators(indicators, maxima, labels))
    problems += engine.check_quarter_shares(book.quarter_shares or [])
    units = {u: p for u, p in year_rules.unit_profiles.items() if p in maxima}
    missing = engine.missing_targets(indicators, units, targets_of(book))
    if missing:
        problems.append(f"尚有 {len(missing)} 个单位指标的年度目标未填写（如“{missing[0][0].name}”）。")
    return problems


def book_problems(book, year_rules=None):
    """Why a book cannot be submitted ([] when it can): the drafting part's checks (app.scoring.criteria), or
    the engine's while that part is not there."""
    try:
        from app.scoring.criteria import book_problems as drafting_problems  # the drafting part's, when present
    except ImportError:
        return _engine_problems(book, year_rules or load_year_rules(book.year))
    return drafting_problems(book, year_rules)


# --- the chain ------------------------------------------------------------------------------------------------

def _audit(actor, action, book, before, reason=None):
    record_change(actor, action, book, before, snapshot(book, AUDITED), reason=reason)


def submit_book(actor, book):
    """The assessor (or the office) submits a draft or a returned book to the office for review."""
    year_rules = load_year_rules(book.year)
    if not may_draft(actor, year_rules, book.assessor):
        raise PermissionDenied(f"只有{engine.assessor_label(book.assessor)}的工作人员或千百十办可以报送本细则。")
    _status_refusal(book, EDITABLE, "报送（只有起草中或已退回修改的细则可以报送）")
    problems = book_problems(book, year_rules)
    if problems:
        raise ServiceError("细则尚不完整，不能报送：" + "；".join(problems[:8])
                           + (f"；等 {len(problems)} 处问题。" if len(problems) > 8 else ""))
    before = snapshot(book, AUDITED)
    book.status = CriteriaStatus.submitted
    book.submitted_at, book.submitted_by_id = utcnow(), actor.id
    db.session.flush()
    _audit(actor, "criteria.submit", book, before)
    return book


def return_book(actor, book, comment):
    """The office returns a submitted book with its comments (required)."""
    _office_only(actor, "退回考评细则")
    _status_refusal(book, (CriteriaStatus.submitted,), "退回（只能退回已报送待审核的细则）")
    comment = text.multi_line(comment, "退回意见", text.REASON_MAX, required=True, field="comment")
    before = snapshot(book, AUDITED)
    book.status = CriteriaStatus.returned
    book.reviewed_at, book.reviewed_by_id, book.review_comment = utcnow(), actor.id, comment
    db.session.flush()
    _audit(actor, "criteria.return", book, before, reason=comment)
    return book


def accept_book(actor, book, comment=None):
    """The office accepts a submitted book (审核通过), to be put to the leadership group."""
    _office_only(actor, "审核考评细则")
    _status_refusal(book, (CriteriaStatus.submitted,), "审核通过（只能审核已报送的细则）")
    comment = text.multi_line(comment, "审核意见", text.REASON_MAX, field="comment") or None
    before = snapshot(book, AUDITED)
    book.status = CriteriaStatus.accepted
    book.reviewed_at, book.reviewed_by_id, book.review_comment = utcnow(), actor.id, comment
    db.session.flush()
    _audit(actor, "criteria.accept", book, before)
    return book


def approve_book(actor, book, approved_on, doc_number, today=None):
    """Record the leadership group's 审定 of an accepted book: its date (not in the future, not before the book
    was submitted) and the 文号 of the document issuing it."""
    _office_only(actor, "记录领导小组审定")
    if book.status in NOT_SUBMITTED:
        raise ServiceError(f"{book_label(book)}尚未报送千百十办审核（当前“{book.status.label}”），"
                           "不能记录领导小组审定。请先由考评单位报送、千百十办审核通过。", code="state", status=409)
    _status_refusal(book, (CriteriaStatus.accepted,), "记录审定（须千百十办审核通过后才能报领导小组审定）")
    if not isinstance(approved_on, date):
        raise ServiceError("请填写审定日期。", field="approved_on")
    today = today or local_today()
    if approved_on > today:
        raise ServiceError(f"审定日期不能晚于今天（{today.isoformat()}）。", field="approved_on")
    submitted_on = book.submitted_at.astimezone(get_clock().tz).date() if book.submitted_at else None
    if submitted_on and approved_on < submitted_on:
        raise ServiceError(f"审定日期不能早于细则报送的日期（{submitted_on.isoformat()}）。", field="approved_on")
    doc_number = text.one_line(doc_number, "审定文号", DOC_NUMBER_MAX, required=True, field="doc_number")
    before = snapshot(book, AUDITED)
    book.status = CriteriaStatus.approved
    book.approved_on, book.doc_number, book.approved_by_id = approved_on, doc_number, actor.id
    db.session.flush()
    _audit(actor, "criteria.approve", book, before)
    return book


def _points(value):
    return engine.decimal_text(Decimal(str(value)))


def rules_with_book(year_rules, book):
    """The year's rules data with the book's indicators as the assessor's sub-items in every profile that has
    its component (code, name, maximum = the indicator's points for the profile), and the co-assessed indicators
    as sub-item assessors (replacing the assessor's earlier ones)."""
    data = year_rules.to_data()
    for profile in data["rules"]["profiles"]:
        for comp in profile["components"]:
            if comp["assessor"] == book.assessor:
                code = profile["code"]
                comp["sub_items"] = [{"code": ind.code, "name": ind.name, "maximum": _points(ind.points[code])}
                                     for ind in book.indicators if code in (ind.points or {})]
    prefix = f"{book.assessor}."
    assessors = {k: v for k, v in data["sub_item_assessors"].items() if not k.startswith(prefix)}
    for ind in book.indicators:
        if ind.co_assessor_unit_id:
            assessors[prefix + ind.code] = ind.co_assessor_unit_id
    data["sub_item_assessors"] = assessors
    return data


def publish_book(actor, book):
    """Publish an approved book: a new version of the year's rules with its indicators as sub-items; the version in
    force until now is superseded; the assessed units and the assessor are told. A revision published after a
    quarter's 审定 applies from the next quarter on: a finalized quarter keeps the rules of its frozen snapshot
    (reopening it, a recorded act, would score it under the revision). Refused once the year's results are
    frozen."""
    _office_only(actor, "发布考评细则")
    _status_refusal(book, (CriteriaStatus.approved,), "发布（须领导小组审定后才能发布）")
    require_year_open(book.year, "考评细则")
    year_rules = load_year_rules(book.year)
    label = f"{book.year}年{engine.assessor_label(book.assessor)}"
    version = save_rules(actor, book.year, rules_with_book(year_rules, book),
                         note=f"发布{label}考评细则（{book.doc_number}）", finalized_keep_their_rules=True)
    previous = db.session.scalars(sa.select(CriteriaBook).where(
        CriteriaBook.year == book.year, CriteriaBook.assessor == book.assessor,
        CriteriaBook.status == CriteriaStatus.published, CriteriaBook.id != book.id)).all()
    for old in previous:
        old_before = snapshot(old, AUDITED)
        old.status = CriteriaStatus.superseded
        db.session.flush()
        _audit(actor, "criteria.supersede", old, old_before, reason=f"被第{book.version}版替代")
    before = snapshot(book, AUDITED)
    book.status = CriteriaStatus.published
    book.published_at, book.published_by_id, book.rule_set_id = utcnow(), actor.id, version.id
    db.session.flush()
    _audit(actor, "criteria.publish", book, before)
    _notify_published(book, year_rules)
    return book


def _notify_published(book, year_rules):
    """One reminder (through the outbox) to the staff of every unit the book scores, linking to its targets, and
    to the assessor's staff, linking to the book."""
    profiles = {p for ind in book.indicators for p in (ind.points or {})}
    units = [u for u, p in year_rules.unit_profiles.items() if p in profiles]
    assessor_unit = year_rules.assessor_units.get(book.assessor)
    recipients = jobs.Recipients(local_today())
    label = book_label(book)
    issued = f"（{book.doc_number}，{book.approved_on.isoformat()}审定）"
    reminders, seen = [], set()

    def add(user_id, link, body, unit_id):
        if user_id not in seen:
            seen.add(user_id)
            reminders.append(jobs.Reminder(RULE, "criteria_book", str(book.id), "published", user_id,
                                           f"{label}已发布", body, link, unit_id))

    for user_id in (recipients.staff(assessor_unit) if assessor_unit else []):
        add(user_id, book_path(book.year, book.assessor),
            f"{label}经领导小组审定{issued}，已发布并纳入{book.year}年度考评规则。", assessor_unit)
    for unit_id in units:
        for user_id in recipients.staff(unit_id):
            add(user_id, targets_path(book.year),
                f"{label}经领导小组审定{issued}，已发布。请查看本单位的考评指标、分值和年度目标。", unit_id)
    jobs.enqueue(reminders, utcnow())


def revise_book(actor, book, reason):
    """Start a new version of a published book (a change after publication needs a new 审定): a draft copying
    its indicators and targets; the published version stays in force until the new one is published."""
    year_rules = load_year_rules(book.year)
    if not may_draft(actor, year_rules, book.assessor):
        raise PermissionDenied(f"只有{engine.assessor_label(book.assessor)}的工作人员或千百十办可以修订本细则。")
    _status_refusal(book, (CriteriaStatus.published,), "修订（只能修订已发布的细则）")
    newest = current_book(book.year, book.assessor)
    if newest is not None and newest.id != book.id:
        raise ServiceError(f"已有第{newest.version}版修订稿（{newest.status.label}），请在修订稿上继续修改。",
                           code="state", status=409)
    reason = text.multi_line(reason, "修订理由", text.REASON_MAX, required=True, field="reason")
    draft = CriteriaBook(year=book.year, assessor=book.assessor, version=book.version + 1,
                         status=CriteriaStatus.draft, quarter_shares=list(book.quarter_shares or []),
                         note=reason, based_on_id=book.id)
    for ind in book.indicators:
        draft.indicators.append(CriteriaIndicator(
            code=ind.code, name=ind.name, sort_order=ind.sort_order, method=ind.method, params=dict(ind.params or {}),
            source=ind.source, ledger_key=ind.ledger_key, measure_unit=ind.measure_unit,
            points=dict(ind.points or {}), co_assessor_unit_id=ind.co_assessor_unit_id, description=ind.description,
            targets=[CriteriaTarget(unit_id=t.unit_id, value=t.value) for t in ind.targets]))
    db.session.add(draft)
    db.session.flush()
    record_change(actor, "criteria.revise", draft, None, snapshot(draft, AUDITED), reason=reason)
    return draft


# --- the book page's panel -------------------------------------------------------------------------------------

def _who(user):
    return user.display_name if user is not None else ""


def _steps(book):
    s = CriteriaStatus
    order = [s.draft, s.submitted, s.accepted, s.approved, s.published]
    position = {s.draft: 0, s.returned: 0, s.submitted: 1, s.accepted: 2, s.approved: 3, s.published: 4,
                s.superseded: 4}[book.status]
    review = ""
    if book.status is s.returned:
        review = f"已退回修改：{book.review_comment or ''}"
    elif book.reviewed_at and position >= 2:
        review = "审核通过" + (f"：{book.review_comment}" if book.review_comment else "")
    steps = [
        {"label": "考评单位起草", "who": "", "when": None, "detail": "修订理由：" + book.note if book.based_on_id
         and book.note else ""},
        {"label": "报千百十办审核", "who": _who(book.submitted_by), "when": book.submitted_at, "detail": ""},
        {"label": "千百十办审核", "who": _who(book.reviewed_by), "when": book.reviewed_at, "detail": review},
        {"label": "领导小组审定", "who": _who(book.approved_by), "when": None,
         "date": book.approved_on, "detail": f"文号：{book.doc_number}" if book.doc_number else ""},
        {"label": "发布", "who": _who(book.published_by), "when": book.published_at,
         "detail": "已被新版本替代" if book.status is s.superseded else ""},
    ]
    for i, step in enumerate(steps):
        step["state"] = "done" if i < position or (i == position == 4) else ("current" if i == position else "todo")
        step["status"] = order[i].label
    if book.status is s.returned:
        steps[0]["state"], steps[2]["state"] = "current", "returned"
    return steps


def workflow_panel(user, book, year_rules=None):
    """What the book page shows of the approval chain for this user: {"status", "version", "steps": [{label,
    state (done/current/todo/returned), who, when (UTC datetime), date, detail}], "actions": [{name, label,
    endpoint, form, hint}]} — the view renders each action's form posting to its endpoint."""
    from app.scoring.forms.criteria_approval import ACTION_FORMS  # forms need a request; the services do not

    if book is None:
        return {"status": None, "version": None, "steps": [], "actions": []}
    year_rules = year_rules or load_year_rules(book.year)
    names = []
    newest = current_book(book.year, book.assessor)
    is_newest = newest is None or newest.id == book.id
    if is_newest and user.is_authenticated:
        if book.status in EDITABLE and may_draft(user, year_rules, book.assessor):
            names.append("submit")
        if user.is_admin and book.status is CriteriaStatus.submitted:
            names += ["accept", "return"]
        if user.is_admin and book.status is CriteriaStatus.accepted:
            names.append("approve")
        if user.is_admin and book.status is CriteriaStatus.approved:
            names.append("publish")
        if book.status is CriteriaStatus.published and may_draft(user, year_rules, book.assessor):
            names.append("revise")
    actions = []
    for name in names:
        form_class, label, hint = ACTION_FORMS[name]
        data = {"version": book.version, **({"approved_on": local_today()} if name == "approve" else {})}
        form = form_class(prefix=name, formdata=None, data=data)
        actions.append({"name": name, "label": label, "hint": hint, "endpoint": f"scoring.criteria_{name}",
                        "form": form, "year": book.year, "assessor": book.assessor})
    return {"status": book.status.label, "status_code": book.status.value, "version": book.version,
            "label": book_label(book), "steps": _steps(book), "actions": actions,
            "in_force": book.status is CriteriaStatus.published}


# --- a unit's targets -----------------------------------------------------------------------------------------

def unit_targets(year, unit, year_rules=None):
    """A unit's page of the published 细则: per assessor (annex 2 order), the book in force (its 审定 date and
    文号), whether a revision is under way, and the indicators that score the unit with their points, method,
    yearly target and the cumulative quarterly targets. A constant number of statements."""
    year_rules = year_rules or load_year_rules(year)
    profile = year_rules.unit_profiles.get(unit.id)
    books = published_books(year)
    versions = books_of_year(year)
    co_ids = {ind.co_assessor_unit_id for b in books.values() for ind in b.indicators if ind.co_assessor_unit_id}
    # one statement even when no indicator is co-assessed: the page's count does not depend on its rows
    co_names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(sorted(co_ids)))).all())
    sections = []
    for assessor in ASSESSOR_ORDER:
        comp = year_rules.rules.profiles[profile].component(assessor) if profile else None
        if comp is None:
            continue
        book = books.get(assessor)
        newest = (versions.get(assessor) or [None])[0]
        section = {"assessor": assessor, "label": engine.assessor_label(assessor),
                   "maximum": engine.decimal_text(comp.maximum),
                   "book": book, "rows": [],
                   "revising": newest if book is not None and newest is not None and newest.id != book.id else None}
        if book is not None:
            shares = [str(s) for s in (book.quarter_shares or engine.DEFAULT_QUARTER_SHARES)]
            for ind in book.indicators:
                if profile not in (ind.points or {}):
                    continue
                target = next((t.value for t in ind.targets if t.unit_id == unit.id), None)
                method = engine.Method(ind.method.value)
                fmt = engine.decimal_text
                section["rows"].append({
                    "code": ind.code, "name": ind.name, "points": Decimal(str(ind.points[profile])),
                    "points_text": fmt(ind.points[profile]),
                    "method": ind.method.label, "method_text": engine.params_text(method, ind.params),
                    "source": ind.source.label, "measure_unit": ind.measure_unit or "", "target": target,
                    "target_text": fmt(target),
                    "quarters": [(q, fmt(engine.effective_share(ind.params, share)),
                                  fmt(engine.quarter_target(target, engine.effective_share(ind.params, share)))
                                  if target is not None else None)
                                 for q, share in enumerate(shares, start=1)] if method.needs_target else [],
                    "co_assessor": co_names.get(ind.co_assessor_unit_id), "description": ind.description or "",
                })
        sections.append(section)
    return {"year": year, "unit": unit, "profile": year_rules.rules.profiles[profile].label if profile else None,
            "sections": sections}


def units_to_read(year_rules):
    """The assessed units of the year's rules, in the organisation's order (for the readers' list)."""
    ids = list(year_rules.unit_profiles)
    if not ids:
        return []
    return db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.sort_order)).all()
