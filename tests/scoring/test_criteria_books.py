"""考评细则 drafting through HTTP on the real database: starting a book (annex-2 defaults, the previous year's
published book), indicators with their methods, sources and points, yearly targets, the problems that block
submission (`book_problems`), who reads and who edits, the audit, and every bad input of issue #15 refused in
Chinese with nothing written."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.org.models import Unit
from app.scoring import criteria, criteria_queries
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.models import CriteriaBook, CriteriaIndicator, CriteriaStatus, CriteriaTarget
from app.scoring.year_rules import load_year_rules
from tests.factories import account, unit

YEAR = 2026
BOOK = f"/scoring/{YEAR}/criteria/miit"


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def start(assessor="miit", year=YEAR, by="admin"):
    book = criteria.start_from_defaults(account(by), year, assessor)
    db.session.commit()
    return book


def indicator(code, assessor="miit", year=YEAR):
    return db.session.scalar(sa.select(CriteriaIndicator).join(CriteriaBook).where(
        CriteriaBook.year == year, CriteriaBook.assessor == assessor, CriteriaIndicator.code == code))


def audit_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def target_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaTarget))


def form_of(row, **changes):
    """The edit form's fields as the page would post them for `row`, with `changes`."""
    params = row.params or {}
    data = {"code": row.code, "name": row.name, "description": row.description or "", "method": row.method.value,
            "cap": params.get("cap", ""), "floor": params.get("floor", ""),
            "steps": "\n".join(f"{t},{s}" for t, s in params.get("steps", [])),
            "shares": ",".join(params.get("shares", [])), "per_event": params.get("per_event", ""),
            "source": row.source.value, "ledger_key": row.ledger_key or "", "measure_unit": row.measure_unit or "",
            "co_assessor_unit_id": str(row.co_assessor_unit_id or ""), "sort_order": str(row.sort_order)}
    data.update({f"points_{p}": v for p, v in (row.points or {}).items()})
    data.update(changes)
    return data


def edit_url(row, assessor="miit"):
    return f"/scoring/{YEAR}/criteria/{assessor}/indicators/{row.id}"


def text_of(response):
    return response.get_data(as_text=True)


def county_ids(row):
    year_rules = load_year_rules(YEAR)
    return [u for u, p in year_rules.unit_profiles.items() if p in row.points]


# --- starting a draft -------------------------------------------------------------------------------------------

def test_the_assessor_starts_its_draft_from_the_annex_2_defaults_and_only_targets_are_missing(client, login_as):
    login_as("gxj")

    response = client.post(f"{BOOK}/start", data={"source": "defaults"})

    assert response.status_code == 302
    book = criteria_queries.current_book(YEAR, "miit")
    assert (book.version, book.status) == (1, CriteriaStatus.draft)
    assert [i.code for i in book.indicators] == [d.code for d in DEFAULT_INDICATORS["miit"]]
    problems = criteria.book_problems(book)
    assert problems and all("缺少以下单位的年度目标" in p for p in problems)  # the points add up
    assert any("规模工业企业培育" in p and "湘潭县" in p for p in problems)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "criteria.book.start"))
    assert entry.actor_id == account("gxj").id and entry.after["from"] == "defaults"
    page = text_of(client.get(BOOK))
    assert "规模工业企业培育" in page and "以下问题解决前不能报送" in page


def test_the_office_defaults_resolve_the_co_assessing_unit(client, login_as):
    book = start("office")

    approval = next(i for i in book.indicators if i.code == "approval_service")
    assert approval.co_assessor_unit_id == unit("市行政审批局").id
    assert criteria.book_problems(book) == [p for p in criteria.book_problems(book) if "年度目标" in p]


def test_a_book_is_started_once(client, login_as):
    start()
    login_as("gxj")

    client.post(f"{BOOK}/start", data={"source": "defaults"})

    assert db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaBook)) == 1
    with client.session_transaction() as session:
        assert "已经建立" in str(session.get("_flashes"))


def test_copying_the_previous_years_published_book_brings_its_targets(client, login_as):
    previous = start(year=YEAR - 1)
    row = next(i for i in previous.indicators if i.code == "above_scale")
    first = county_ids(row)[0]
    row.targets.append(CriteriaTarget(unit_id=first, value=Decimal("120")))
    previous.status = CriteriaStatus.published
    db.session.commit()
    login_as("gxj")

    client.post(f"{BOOK}/start", data={"source": "previous"})

    copied = indicator("above_scale")
    assert copied is not None and copied.book.note.startswith(f"沿用 {YEAR - 1} 年度")
    assert [(t.unit_id, t.value) for t in copied.targets] == [(first, Decimal("120"))]


def test_copying_without_a_published_previous_book_is_refused(client, login_as):
    login_as("gxj")

    client.post(f"{BOOK}/start", data={"source": "previous"})

    assert criteria_queries.current_book(YEAR, "miit") is None
    with client.session_transaction() as session:
        assert "没有已发布的考评细则" in str(session.get("_flashes"))


# --- indicators ---------------------------------------------------------------------------------------------

def test_an_indicator_is_added_and_changed_with_its_audit(client, login_as):
    start()
    login_as("gxj")
    data = {"code": "digital", "name": "数字化转型", "method": "steps", "steps": "50,50\n100，100",
            "source": "entered", "measure_unit": "家", "points_county_a": "1.5", "co_assessor_unit_id": ""}

    response = client.post(f"{BOOK}/indicators/new", data=data)

    assert response.status_code == 302
    row = indicator("digital")
    assert row.params == {"steps": [["50", "50"], ["100", "100"]]} and row.points == {"county_a": "1.5"}
    added = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "criteria.indicator.add"))
    assert added.after["code"] == "digital" and added.before is None

    response = client.post(edit_url(row), data=form_of(row, name="数字化转型升级", method="linear", cap="90"))

    assert response.status_code == 302
    db.session.refresh(row)
    assert row.name == "数字化转型升级" and row.params == {"cap": "90", "floor": "0"}
    changed = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "criteria.indicator.update"))
    assert changed.before["name"] == "数字化转型" and changed.after["name"] == "数字化转型升级"
    assert changed.before["method"] == "steps" and changed.after["params"] == {"cap": "90", "floor": "0"}


def test_points_not_adding_up_to_the_component_maximum_are_a_problem_that_blocks_submission(client, login_as):
    start()
    login_as("gxj")
    row = indicator("chain")

    response = client.post(edit_url(row), data=form_of(row, points_county_a="3"))

    assert response.status_code == 302  # a draft may be saved unbalanced ...
    book = criteria_queries.current_book(YEAR, "miit")
    problems = criteria.book_problems(book)
    assert "“湘潭县、湘乡市、雨湖区”各指标分值合计24分，应等于本项满分25分。" in problems  # ... but not submitted
    assert "各指标分值合计24分" in text_of(client.get(BOOK))


def test_parameters_out_of_range_are_refused_and_nothing_is_written(client, login_as):
    start()
    login_as("gxj")
    row = indicator("emerging")
    before, audits = dict(row.params), audit_count()

    not_increasing = client.post(edit_url(row), data=form_of(row, steps="80,80\n60,90"))
    cap_too_high = client.post(edit_url(row), data=form_of(row, method="linear", cap="120"))
    floor_above_cap = client.post(edit_url(row), data=form_of(row, method="linear", cap="80", floor="90"))
    exponent = client.post(edit_url(row), data=form_of(row, method="count", per_event="1e999999"))

    assert not_increasing.status_code == 400 and "各档完成率门槛应逐档递增" in text_of(not_increasing)
    assert cap_too_high.status_code == 400 and "满分完成率应大于0%且不超过100%，填写的是120%" in text_of(cap_too_high)
    assert floor_above_cap.status_code == 400 and "起评完成率（90%）应低于满分完成率（80%）" in text_of(floor_above_cap)
    assert exponent.status_code == 400 and "不是有效的数值" in text_of(exponent)
    db.session.expire_all()
    assert indicator("emerging").params == before and indicator("emerging").method.value == "steps"
    assert audit_count() == audits


@pytest.mark.parametrize(("points", "message"), [
    ("abc", "“湘潭县、湘乡市、雨湖区”的分值：“abc”不是有效的数值。"),
    ("-1", "应大于 0"),
    ("1.234", "最多保留 2 位小数"),
    ("26", "不能超过本项满分 25 分"),
])
def test_bad_points_are_refused_in_chinese(client, login_as, points, message):
    start()
    login_as("gxj")
    row = indicator("chain")

    response = client.post(edit_url(row), data=form_of(row, points_county_a=points))

    assert response.status_code == 400 and message in text_of(response)
    db.session.expire_all()
    assert indicator("chain").points["county_a"] == "4"


def test_points_for_no_profile_are_refused(client, login_as):
    start()
    login_as("gxj")
    row = indicator("chain")
    data = form_of(row, **{f"points_{p}": "" for p in row.points})

    response = client.post(edit_url(row), data=data)

    assert response.status_code == 400 and "请至少为一类单位填写分值" in text_of(response)


def test_an_unknown_ledger_key_is_refused(client, login_as):
    start()
    login_as("gxj")
    row = indicator("mfg_share")

    unknown = client.post(edit_url(row), data=form_of(row, source="ledger", ledger_key="X99"))
    none_chosen = client.post(edit_url(row), data=form_of(row, source="ledger", ledger_key=""))
    known = client.post(edit_url(row), data=form_of(row, source="ledger", ledger_key="G12"))

    assert unknown.status_code == 400 and "台账中没有指标“X99”" in text_of(unknown)
    assert none_chosen.status_code == 400 and "请选择台账指标" in text_of(none_chosen)
    assert known.status_code == 302
    db.session.expire_all()
    assert indicator("mfg_share").ledger_key == "G12"


def test_a_method_needing_an_actual_needs_a_source_and_manual_has_none(client, login_as):
    start()
    login_as("gxj")
    row = indicator("mfg_share")

    refused = client.post(edit_url(row), data=form_of(row, source="none"))
    manual = client.post(edit_url(row), data=form_of(row, method="manual", source="entered"))

    assert refused.status_code == 400 and "要有实际值" in text_of(refused)
    assert manual.status_code == 302
    db.session.expire_all()
    assert indicator("mfg_share").source.value == "none" and indicator("mfg_share").params == {}


def test_a_duplicate_code_is_refused(client, login_as):
    start()
    login_as("gxj")
    count = len(criteria_queries.current_book(YEAR, "miit").indicators)

    response = client.post(f"{BOOK}/indicators/new", data={
        "code": "chain", "name": "重复", "method": "manual", "source": "none", "points_county_a": "1"})
    bad_code = client.post(f"{BOOK}/indicators/new", data={
        "code": "产业 链", "name": "中文代码", "method": "manual", "source": "none", "points_county_a": "1"})

    assert response.status_code == 400 and "本细则已有代码为“chain”的指标" in text_of(response)
    assert bad_code.status_code == 400 and "只能由英文字母、数字和下划线组成" in text_of(bad_code)
    db.session.expire_all()
    assert len(criteria_queries.current_book(YEAR, "miit").indicators) == count


def test_the_task_indicator_belongs_to_the_office_only(client, login_as):
    start()
    office = start("office")
    login_as("admin")

    in_miit = client.post(f"{BOOK}/indicators/new", data={
        "code": "tasks", "name": "交办事项", "method": "tasks", "source": "none", "points_county_a": "1"})
    renamed = client.post(edit_url(indicator("tasks", "office"), "office"),
                          data=form_of(indicator("tasks", "office"), code="task_items"))

    assert in_miit.status_code == 400 and "只能设在千百十办的考评细则中" in text_of(in_miit)
    assert renamed.status_code == 400 and "交办事项指标代码应为“tasks”" in text_of(renamed)
    assert indicator("tasks") is None and indicator("tasks", "office") is not None
    assert office.id


def test_deleting_an_indicator_takes_its_targets_and_is_audited(client, login_as):
    start()
    row = indicator("above_scale")
    row.targets.append(CriteriaTarget(unit_id=county_ids(row)[0], value=Decimal(10)))
    db.session.commit()
    login_as("gxj")

    response = client.post(f"{edit_url(row)}/delete")

    assert response.status_code == 302 and indicator("above_scale") is None and target_count() == 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "criteria.indicator.delete"))
    assert entry.before["code"] == "above_scale" and list(entry.before["targets"].values()) == ["10"]


# --- the book's settings ------------------------------------------------------------------------------------

def test_quarter_shares_are_checked(client, login_as):
    start()
    login_as("gxj")

    refused = client.post(f"{BOOK}/settings", data={"q1": "50", "q2": "40", "q3": "75", "q4": "100"})
    saved = client.post(f"{BOOK}/settings", data={"q1": "20", "q2": "45", "q3": "70", "q4": "100", "note": "说明"})

    assert refused.status_code == 400 and "季度进度应逐季不减" in text_of(refused)
    assert saved.status_code == 302
    book = criteria_queries.current_book(YEAR, "miit")
    assert book.quarter_shares == ["20", "45", "70", "100"] and book.note == "说明"


# --- targets ------------------------------------------------------------------------------------------------

def test_targets_are_saved_a_blank_removes_and_the_missing_unit_is_named(client, login_as):
    start()
    login_as("gxj")
    row = indicator("above_scale")
    units = county_ids(row)
    data = {f"target:above_scale:{u}": "100.5" for u in units[1:]}

    response = client.post(f"{BOOK}/targets", data=data)

    assert response.status_code == 302 and target_count() == len(units) - 1
    problems = criteria.book_problems(criteria_queries.current_book(YEAR, "miit"))
    missing = next(p for p in problems if "规模工业企业培育" in p)
    first = db.session.get(Unit, units[0]).short_name
    assert missing == f"“规模工业企业培育”缺少以下单位的年度目标：{first}。"

    client.post(f"{BOOK}/targets", data={f"target:above_scale:{units[1]}": ""})

    assert target_count() == len(units) - 2
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "criteria.targets.set")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.before == {f"above_scale:{units[1]}": "100.5"} and entry.after == {f"above_scale:{units[1]}": None}


@pytest.mark.parametrize(("value", "message"), [
    ("-5", "应大于 0"), ("0", "应大于 0"), ("abc", "不是有效的数值"), ("1.23456", "最多保留 4 位小数")])
def test_a_bad_target_refuses_the_whole_grid(client, login_as, value, message):
    start()
    login_as("gxj")
    units = county_ids(indicator("above_scale"))

    response = client.post(f"{BOOK}/targets", data={f"target:above_scale:{units[0]}": "10",
                                                    f"target:above_scale:{units[1]}": value})

    assert response.status_code == 400 and message in text_of(response)
    assert "is-invalid" in text_of(response)
    assert target_count() == 0


def test_a_target_for_a_unit_the_indicator_does_not_apply_to_is_refused(client, login_as):
    start()
    login_as("gxj")
    city_unit = next(u for u, p in load_year_rules(YEAR).unit_profiles.items() if p == "city")

    response = client.post(f"{BOOK}/targets", data={f"target:above_scale:{city_unit}": "10"})

    assert response.status_code == 400 and "该指标不考评这个单位" in text_of(response)
    assert target_count() == 0


# --- who edits, what may be edited --------------------------------------------------------------------------

def test_a_submitted_or_published_book_is_not_edited(client, login_as):
    book = start()
    book.status = CriteriaStatus.submitted
    db.session.commit()
    login_as("gxj")
    row = indicator("chain")
    units = county_ids(indicator("above_scale"))
    count, audits = len(book.indicators), audit_count()

    added = client.post(f"{BOOK}/indicators/new", data={
        "code": "late", "name": "报送后新增", "method": "manual", "source": "none", "points_county_a": "1"})
    edited = client.post(edit_url(row), data=form_of(row, name="改名"))
    targets = client.post(f"{BOOK}/targets", data={f"target:above_scale:{units[0]}": "10"})
    deleted = client.post(f"{edit_url(row)}/delete")

    for response in (added, edited, targets):
        assert response.status_code == 400 and "当前状态为“已报千百十办审核”，不能修改" in text_of(response)
    assert deleted.status_code == 302
    db.session.expire_all()
    assert len(criteria_queries.current_book(YEAR, "miit").indicators) == count
    assert indicator("chain").name == "产业链建设"
    assert target_count() == 0 and audit_count() == audits

    book = criteria_queries.current_book(YEAR, "miit")
    book.status = CriteriaStatus.published
    db.session.commit()
    published = client.post(edit_url(row), data=form_of(row, name="改名"))
    assert published.status_code == 400 and "已发布，不能直接修改" in text_of(published)


def test_another_assessor_or_an_assessed_unit_may_not_edit(client, login_as):
    book = start()
    row = indicator("chain")
    audits = audit_count()

    login_as("fgw")  # 市发改委: reads every book, edits only its own
    assert client.get(BOOK).status_code == 200
    assert client.post(edit_url(row), data=form_of(row, name="改名")).status_code == 403
    assert client.post(f"{BOOK}/targets", data={}).status_code == 403
    login_as("xtx")  # 湘潭县: assessed, sees no draft
    assert client.get(BOOK).status_code == 404
    assert client.post(edit_url(row), data=form_of(row, name="改名")).status_code == 404
    login_as("guancha")
    assert client.get(BOOK).status_code == 200 and client.get(f"{edit_url(row)}").status_code == 403
    with pytest.raises(criteria.PermissionDenied):
        criteria.add_indicator(account("fgw"), book, criteria.IndicatorInput("x", "x", "manual",
                                                                              points={"county_a": "1"}))
    db.session.rollback()
    db.session.expire_all()
    assert indicator("chain").name == "产业链建设" and audit_count() == audits

    book = criteria_queries.current_book(YEAR, "miit")
    book.status = CriteriaStatus.published
    db.session.commit()
    login_as("xtx")
    assert client.get(BOOK).status_code == 200
    assert client.post(edit_url(row), data=form_of(row, name="改名")).status_code == 403


def test_the_overview_shows_every_assessor_and_an_assessed_unit_only_published_books(client, login_as):
    start()
    login_as("kjj")  # 市科技局, another assessor

    page = text_of(client.get(f"/scoring/{YEAR}/criteria"))

    assert page.count("尚未起草") == 7 and "起草中" in page and f'href="{BOOK}"' in page
    login_as("xtx")
    page = text_of(client.get(f"/scoring/{YEAR}/criteria"))
    assert page.count("尚未发布") == 8 and f'href="{BOOK}"' not in page and "起草中" not in page


def test_the_book_page_and_the_overview_read_a_constant_number_of_statements(client, login_as, count_queries):
    start()
    start("office")
    login_as("admin")
    client.get(BOOK)
    with count_queries() as few:
        client.get(BOOK)
        client.get(f"/scoring/{YEAR}/criteria")
        client.get(f"{BOOK}/targets")
    for row in criteria_queries.current_book(YEAR, "miit").indicators:
        for unit_id in county_ids(row):
            row.targets.append(CriteriaTarget(unit_id=unit_id, value=Decimal(5)))
    db.session.commit()
    with count_queries() as many:
        client.get(BOOK)
        client.get(f"/scoring/{YEAR}/criteria")
        client.get(f"{BOOK}/targets")

    assert target_count() > 40
    assert many.count == few.count


def test_the_book_page_fits_a_phone(client, login_as):
    start()
    login_as("gxj")

    page = text_of(client.get(f"{BOOK}/targets"))

    assert re.search(r'class="table-responsive"', page) and 'inputmode="decimal"' in page


def test_every_default_ledger_key_names_a_ledger_indicator():
    keys = criteria.ledger_keys()

    used = {d.ledger_key for defaults in DEFAULT_INDICATORS.values() for d in defaults if d.source == "ledger"}

    assert used and used <= set(keys), used - set(keys)
    assert {"rate:start", "rate:invest", "rate:funds", "G13"} <= set(keys)


def test_before_the_draft_its_assessor_sees_how_to_start_it_and_others_only_that_it_is_not_started(client, login_as):
    login_as("gxj")
    own = text_of(client.get(BOOK))
    login_as("fgw")
    other = text_of(client.get(BOOK))

    assert "尚未起草" in own and "开始起草" in own
    assert "尚未起草" in other and "开始起草" not in other
    login_as("xtx")
    assert client.get(BOOK).status_code == 404


def test_the_book_summary_counts_targets_names_the_missing_units_and_adds_up_points():
    """What the book page lists beside book_problems, computed by the service (no HTTP)."""
    from app.scoring.year_rules import assessed_units

    book = start()
    year_rules = load_year_rules(YEAR)
    row = indicator("above_scale")
    county = unit("湘潭县人民政府")
    criteria.set_targets(account("admin"), book, {("above_scale", county.id): "120"}, year_rules, assessed_units())
    db.session.expire_all()
    summaries, totals = criteria.book_summary(criteria_queries.current_book(YEAR, "miit"), year_rules,
                                              assessed_units())
    above = next(s for s in summaries if s.row.id == row.id)
    assert above.needs_target and above.applies == len(county_ids(row)) and above.with_target == 1
    assert "湘潭县" not in above.missing and len(above.missing) == above.applies - 1
    assert above.source.startswith("台账：G13") and "每季度对照年度目标" in above.params
    manual = next(s for s in summaries if s.row.code == "chain")
    assert not manual.needs_target and manual.missing == []
    assert totals["county_a"] == Decimal(25) and totals["city"] == Decimal(30)  # the defaults add up
