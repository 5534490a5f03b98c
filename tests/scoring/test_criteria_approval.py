"""The 考评细则 approval chain (附件2 六(一)) through HTTP on the real database: a complete book submitted, returned
with comments, submitted again, accepted, its 审定 recorded (date, 文号), published into a new version of the year's
rules (sub-items with each indicator's points as maximum, the co-assessed indicator's unit), the units told and
shown their targets; a revision goes through the same chain and supersedes the published version. Every refusal
(wrong status, wrong person, missing comment, 文号 or date, a future date, an incomplete book, a frozen year)
says why in Chinese and writes nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.reminders.models import OutboxMessage
from app.scoring import criteria_approval as chain
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.models import (
    CriteriaBook,
    CriteriaIndicator,
    CriteriaMethod,
    CriteriaSource,
    CriteriaStatus,
    CriteriaTarget,
    QuarterStatus,
    RuleSetVersion,
    ScoringQuarter,
)
from app.scoring.year_rules import load_year_rules
from tests.factories import account, unit

YEAR = 2026
DOC = "潭千百十〔2026〕3号"


@pytest.fixture(autouse=True)
def _frozen(clock):
    clock.set(datetime(2026, 3, 20, 9, 0))
    return clock


def complete_book(assessor, year=YEAR, version=1, status=CriteriaStatus.draft, target=Decimal(100), based_on=None):
    """A book that passes every check: the annex-2 default indicators with a target for every unit they score."""
    year_rules = load_year_rules(year)
    book = CriteriaBook(year=year, assessor=assessor, version=version, status=status, based_on_id=based_on)
    for i, d in enumerate(DEFAULT_INDICATORS[assessor]):
        ind = CriteriaIndicator(code=d.code, name=d.name, sort_order=i, method=CriteriaMethod(d.method),
                                params=dict(d.params), source=CriteriaSource(d.source), ledger_key=d.ledger_key,
                                measure_unit=d.measure_unit, points=dict(d.points), description=d.description,
                                co_assessor_unit_id=unit(d.co_assessor).id if d.co_assessor else None)
        if ind.method in (CriteriaMethod.linear, CriteriaMethod.steps, CriteriaMethod.rank):
            ind.targets = [CriteriaTarget(unit_id=u, value=target) for u, p in year_rules.unit_profiles.items()
                           if p in d.points]
        book.indicators.append(ind)
    db.session.add(book)
    db.session.flush()
    return book


BASE = f"/scoring/{YEAR}/criteria"


def path(action, assessor="miit"):
    return f"{BASE}/{assessor}/{action}"


def flashes(client):
    with client.session_transaction() as session:
        return [message for _, message in session.pop("_flashes", [])]


def post(client, action, assessor="miit", **fields):
    """Post an action's form as the panel renders it (fields prefixed with the action's name)."""
    response = client.post(path(action, assessor), data={f"{action}-{k}": v for k, v in fields.items()})
    return response, flashes(client)


def audits(book, action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "criteria_books",
                                                          AuditEntry.object_id == str(book.id),
                                                          AuditEntry.action == action)).all()


def reload(book):
    db.session.expire_all()
    return db.session.get(CriteriaBook, book.id)


def rule_versions():
    return db.session.scalars(sa.select(RuleSetVersion).where(RuleSetVersion.year == YEAR)
                              .order_by(RuleSetVersion.version)).all()


def component(data, profile, assessor):
    prof = next(p for p in data["rules"]["profiles"] if p["code"] == profile)
    return next(c for c in prof["components"] if c["assessor"] == assessor)


def refused(response, messages, *words):
    assert response.status_code == 302, response.status_code
    text = "".join(messages)
    assert all(word in text for word in words), messages
    return text


# --- the whole chain -------------------------------------------------------------------------------------------

def test_the_whole_chain_draft_to_published_then_a_revision_supersedes_it(client, login_as):
    book = complete_book("miit")
    county, xiangxiang = unit("湘潭县人民政府"), unit("湘乡市人民政府")
    targets = {t.unit_id: t for t in book.indicators[1].targets}  # above_scale (linear, 家)
    targets[county.id].value = Decimal("1200")
    db.session.flush()

    login_as("gxj")  # the 工信局's staff submit their own book
    response, messages = post(client, "submit", version=1)
    assert response.headers["Location"].endswith(f"{BASE}/miit") and "已报千百十办审核" in messages[0]
    book = reload(book)
    assert book.status is CriteriaStatus.submitted and book.submitted_by_id == account("gxj").id

    login_as("admin")
    refused(*post(client, "return", version=1, comment="  "), "请填写退回意见")
    assert reload(book).status is CriteriaStatus.submitted
    post(client, "return", version=1, comment="规模工业企业培育的目标偏低，请按全市目标分解。")
    book = reload(book)
    assert book.status is CriteriaStatus.returned and "目标偏低" in book.review_comment

    login_as("gxj")
    post(client, "submit", version=1)
    login_as("admin")
    post(client, "accept", version=1, comment="")
    assert reload(book).status is CriteriaStatus.accepted
    response, messages = post(client, "approve", version=1, approved_on="2026-03-20", doc_number=DOC)
    assert "审定已记录" in messages[0]
    book = reload(book)
    assert (book.status, book.approved_on, book.doc_number) == (CriteriaStatus.approved, date(2026, 3, 20), DOC)
    assert rule_versions() == []

    response, messages = post(client, "publish", version=1)
    assert "已发布" in messages[0], messages
    book = reload(book)
    assert book.status is CriteriaStatus.published and book.published_by_id == account("admin").id
    [rules_v1] = rule_versions()
    assert book.rule_set_id == rules_v1.id and DOC in rules_v1.note and "工信局" in rules_v1.note
    county_comp = component(rules_v1.data, "county_a", "miit")
    assert [(s["code"], s["maximum"]) for s in county_comp["sub_items"]] == [
        (d.code, d.points["county_a"]) for d in DEFAULT_INDICATORS["miit"]]
    assert sum(Decimal(s["maximum"]) for s in county_comp["sub_items"]) == Decimal(county_comp["maximum"])
    city = component(rules_v1.data, "city", "miit")
    assert [(s["code"], s["maximum"]) for s in city["sub_items"]] == [("qbfp", "30")]
    assert load_year_rules(YEAR).entry_cells(county.id)[0][:3] == ("miit", "chain", Decimal(4))

    # the units and the assessor are told, each with their link
    told = {(m.user_id, m.link) for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.rule == "assessment_rules", OutboxMessage.subject_id == str(book.id),
        OutboxMessage.occasion == "published"))}
    assert (account("xtx").id, f"/scoring/{YEAR}/my-targets") in told
    assert (account("gxj").id, f"{BASE}/miit") in told

    # the county reads its targets: points, method, yearly and quarterly targets, the 文号 and date
    login_as("xtx")
    page = client.get(f"/scoring/{YEAR}/my-targets")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "规模工业企业培育" in html and DOC in html and "2026-03-20" in html
    # 规模工业企业 is a stock: each quarter is held to the yearly target (a flow would show 50 %: 600 家)
    assert "1200 家" in html and "第2季度 100%：1200 家" in html and "完成率达到100%得满分" in html
    assert "每季度对照年度目标" in html
    assert client.get(f"/scoring/{YEAR}/units/{xiangxiang.id}/targets").status_code == 404

    # a change after publication: a new version through the same chain; the published one stays in force
    login_as("gxj")
    refused(*post(client, "revise", version=1, reason=""), "请填写修订理由")
    response, messages = post(client, "revise", version=1, reason="增加专精特新目标")
    assert "第2版" in messages[0]
    draft = db.session.scalar(sa.select(CriteriaBook).where(CriteriaBook.year == YEAR, CriteriaBook.version == 2))
    assert draft.status is CriteriaStatus.draft and draft.based_on_id == book.id and draft.note == "增加专精特新目标"
    assert [i.code for i in draft.indicators] == [i.code for i in book.indicators]
    assert {(t.unit_id, t.value) for t in draft.indicators[1].targets} == \
        {(t.unit_id, t.value) for t in book.indicators[1].targets}
    assert reload(book).status is CriteriaStatus.published and len(rule_versions()) == 1
    html = client.get(f"/scoring/{YEAR}/units/{county.id}/targets").get_data(as_text=True)
    assert "第 2 版修订中" in html and DOC in html

    post(client, "submit", version=2)
    login_as("admin")
    refused(*post(client, "publish", version=2), "不能发布")  # not approved yet
    post(client, "accept", version=2)
    post(client, "approve", version=2, approved_on="2026-03-20", doc_number="潭千百十〔2026〕5号")
    post(client, "publish", version=2)
    assert reload(book).status is CriteriaStatus.superseded
    draft = reload(draft)
    assert draft.status is CriteriaStatus.published
    assert [v.note for v in rule_versions()][-1].endswith("（潭千百十〔2026〕5号）") and len(rule_versions()) == 2
    assert audits(book, "criteria.supersede") and audits(draft, "criteria.publish")
    for action in ("criteria.submit", "criteria.return", "criteria.accept", "criteria.approve", "criteria.publish"):
        [entry] = audits(book, action) if action != "criteria.submit" else audits(book, action)[:1]
        assert entry.actor_id and entry.after["status"] != (entry.before or {}).get("status")


def test_publishing_the_office_book_sets_the_co_assessor_and_keeps_other_assessors(client, login_as):
    approval_unit = unit("市行政审批局")
    miit = complete_book("miit", status=CriteriaStatus.approved)
    miit.approved_on, miit.doc_number = date(2026, 3, 1), DOC
    office = complete_book("office")
    login_as("admin")
    post(client, "publish", version=1)  # the miit book
    for action, fields in (("submit", {}), ("accept", {}), ("approve", {"approved_on": "2026-03-20",
                                                                         "doc_number": DOC})):
        post(client, action, "office", version=1, **fields)
    response, messages = post(client, "publish", "office", version=1)
    assert reload(office).status is CriteriaStatus.published, messages
    data = rule_versions()[-1].data
    assert data["sub_item_assessors"] == {"office.approval_service": approval_unit.id}
    park = component(data, "park_b", "office")
    assert [(s["code"], s["maximum"]) for s in park["sub_items"]] == [
        ("approval_service", "6"), ("project_landing", "7"), ("tasks", "12")]
    assert [s["code"] for s in component(data, "county_a", "miit")["sub_items"]][0] == "chain"  # kept
    assert load_year_rules(YEAR).enterer_of("office", "approval_service") == approval_unit.id


def test_publishing_replaces_the_assessors_earlier_co_assessors_only():
    office = complete_book("office", status=CriteriaStatus.approved)
    office.indicators[0].co_assessor_unit_id = None  # this version is not co-assessed
    year_rules = load_year_rules(YEAR)
    other = unit("市行政审批局").id
    year_rules.sub_item_assessors = {"office.approval_service": other, "office.gone": other, "ndrc.logistics": other}
    data = chain.rules_with_book(year_rules, office)
    assert data["sub_item_assessors"] == {"ndrc.logistics": other}


# --- refusals --------------------------------------------------------------------------------------------------

def test_approving_an_unsubmitted_draft_is_refused(client, login_as):
    book = complete_book("miit")
    login_as("admin")
    response, messages = post(client, "approve", version=1, approved_on="2026-03-18", doc_number=DOC)
    refused(response, messages, "尚未报送千百十办审核", "不能记录领导小组审定")
    book = reload(book)
    assert (book.status, book.approved_on, book.doc_number) == (CriteriaStatus.draft, None, None)
    assert audits(book, "criteria.approve") == []


def test_approving_a_submitted_but_not_accepted_book_is_refused(client, login_as):
    book = complete_book("miit", status=CriteriaStatus.submitted)
    login_as("admin")
    refused(*post(client, "approve", version=1, approved_on="2026-03-18", doc_number=DOC), "审核通过后")
    assert reload(book).status is CriteriaStatus.submitted


@pytest.mark.parametrize("fields, words", [
    ({"approved_on": "2026-03-21", "doc_number": DOC}, "不能晚于今天"),
    ({"approved_on": "", "doc_number": DOC}, "请填写审定日期"),
    ({"approved_on": "2026-13-40", "doc_number": DOC}, "日期"),
    ({"approved_on": "2026-03-18", "doc_number": " "}, "请填写审定文号"),
    ({"approved_on": "2026-03-18", "doc_number": "号" * 101}, "不能超过 100"),
    ({"approved_on": "2026-03-01", "doc_number": DOC}, "不能早于细则报送的日期"),
])
def test_the_approval_needs_a_date_not_in_the_future_and_a_document_number(client, login_as, fields, words):
    book = complete_book("miit", status=CriteriaStatus.accepted)
    book.submitted_at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    db.session.flush()
    login_as("admin")
    refused(*post(client, "approve", version=1, **fields), words)
    book = reload(book)
    assert (book.status, book.approved_on, book.doc_number) == (CriteriaStatus.accepted, None, None)


def test_the_service_refuses_a_blank_document_number_and_a_future_date():
    book = complete_book("miit", status=CriteriaStatus.accepted)
    admin = account("admin")
    with pytest.raises(chain.ServiceError, match="请填写审定文号"):
        chain.approve_book(admin, book, date(2026, 3, 18), "  ")
    with pytest.raises(chain.ServiceError, match="不能晚于今天"):
        chain.approve_book(admin, book, date(2026, 3, 21), DOC, today=date(2026, 3, 20))
    assert book.status is CriteriaStatus.accepted and audits(book, "criteria.approve") == []


def test_an_incomplete_book_cannot_be_submitted(client, login_as):
    book = complete_book("miit")
    above_scale = book.indicators[1]
    missing = above_scale.targets.pop(0)
    db.session.flush()
    login_as("gxj")
    text = refused(*post(client, "submit", version=1), "细则尚不完整，不能报送", "规模工业企业培育")
    assert db.session.get(type(unit("湘潭县人民政府")), missing.unit_id).short_name in text or "年度目标" in text
    book = reload(book)
    assert book.status is CriteriaStatus.draft and book.submitted_at is None and audits(book, "criteria.submit") == []


def test_points_not_adding_up_keep_a_book_from_being_submitted(client, login_as):
    book = complete_book("miit")
    book.indicators[0].points = {**book.indicators[0].points, "county_a": "5"}
    db.session.flush()
    login_as("gxj")
    refused(*post(client, "submit", version=1), "不能报送", "应等于本项满分")
    assert reload(book).status is CriteriaStatus.draft


def test_only_the_assessor_or_the_office_submits(client, login_as):
    book = complete_book("miit")
    login_as("fgw")  # another assessor's staff: reads the books, may not act
    assert client.post(path("submit"), data={"submit-version": "1"}).status_code == 403
    login_as("xtx")  # an assessed county
    assert client.post(path("submit"), data={"submit-version": "1"}).status_code == 404
    login_as("guancha")
    assert client.post(path("submit"), data={"submit-version": "1"}).status_code == 403
    assert reload(book).status is CriteriaStatus.draft
    with pytest.raises(chain.PermissionDenied):
        chain.submit_book(account("fgw"), book)
    login_as("admin")  # the office may submit for the assessor
    post(client, "submit", version=1)
    assert reload(book).status is CriteriaStatus.submitted


def test_only_the_office_reviews_approves_and_publishes(client, login_as):
    book = complete_book("miit", status=CriteriaStatus.submitted)
    login_as("gxj")
    for action in ("return", "accept", "approve", "publish"):
        assert client.post(path(action), data={f"{action}-version": "1"}).status_code == 403
    assert reload(book).status is CriteriaStatus.submitted
    for service, args in ((chain.return_book, ("意见",)), (chain.accept_book, ()),
                          (chain.approve_book, (date(2026, 3, 18), DOC)), (chain.publish_book, ())):
        with pytest.raises(chain.PermissionDenied, match="只有千百十办"):
            service(account("gxj"), book, *args)


@pytest.mark.parametrize("status, action, fields, words", [
    (CriteriaStatus.submitted, "submit", {}, "不能报送"),
    (CriteriaStatus.accepted, "submit", {}, "不能报送"),
    (CriteriaStatus.draft, "return", {"comment": "请修改"}, "只能退回已报送"),
    (CriteriaStatus.accepted, "return", {"comment": "请修改"}, "只能退回已报送"),
    (CriteriaStatus.draft, "accept", {}, "只能审核已报送"),
    (CriteriaStatus.returned, "accept", {}, "只能审核已报送"),
    (CriteriaStatus.accepted, "publish", {}, "须领导小组审定后"),
    (CriteriaStatus.draft, "publish", {}, "须领导小组审定后"),
    (CriteriaStatus.draft, "revise", {"reason": "调整"}, "只能修订已发布"),
    (CriteriaStatus.approved, "revise", {"reason": "调整"}, "只能修订已发布"),
])
def test_each_step_only_from_its_status(client, login_as, status, action, fields, words):
    book = complete_book("miit", status=status)
    login_as("admin")
    refused(*post(client, action, version=1, **fields), words)
    book = reload(book)
    assert book.status is status and db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaBook)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "criteria_books")) == 0


def test_a_stale_form_is_refused(client, login_as):
    complete_book("miit", status=CriteriaStatus.published)
    draft = complete_book("miit", version=2)
    login_as("admin")
    refused(*post(client, "submit", version=1), "不是最新版本")
    refused(*post(client, "submit", version="x"), "不是最新版本")
    assert reload(draft).status is CriteriaStatus.draft


def test_a_revision_is_refused_while_another_is_under_way():
    book = complete_book("miit", status=CriteriaStatus.published)
    complete_book("miit", version=2)
    with pytest.raises(chain.ServiceError, match="已有第2版修订稿"):
        chain.revise_book(account("gxj"), book, "再改一次")


def test_a_revision_published_after_a_quarters_approval_applies_to_the_quarters_not_yet_finalized(client, login_as):
    """A change after publication needs a new 审定 (六(一)) — and may come mid-year: the finalized quarter keeps the
    rules version of its frozen snapshot, the revision's sub-items are the rules of the quarters still open."""
    book = complete_book("miit", status=CriteriaStatus.approved)
    book.approved_on, book.doc_number = date(2026, 3, 18), DOC
    frozen = {"units": [{"unit_id": 1, "total": "88.00"}], "rule_set_id": None}
    db.session.add(ScoringQuarter(year=YEAR, quarter=1, status=QuarterStatus.finalized, snapshot=frozen))
    db.session.flush()
    login_as("admin")
    response, messages = post(client, "publish", version=1)
    assert response.status_code == 302 and "已发布" in "".join(messages), messages
    book = reload(book)
    assert book.status is CriteriaStatus.published and book.rule_set_id == rule_versions()[-1].id
    quarter = db.session.scalar(sa.select(ScoringQuarter).where(ScoringQuarter.year == YEAR))
    assert quarter.is_finalized and quarter.snapshot == frozen  # its result stays as approved
    comp = component(load_year_rules(YEAR).to_data(), "county_a", "miit")
    assert [s["code"] for s in comp["sub_items"]][:2] == [i.code for i in book.indicators][:2]


def test_publishing_is_refused_once_the_years_results_are_frozen(client, login_as):
    from app.scoring.models import YearSetting

    book = complete_book("miit", status=CriteriaStatus.approved)
    book.approved_on, book.doc_number = date(2026, 3, 18), DOC
    db.session.add(YearSetting(year=YEAR, annual_finalized_at=datetime(2027, 1, 28, tzinfo=UTC),
                               annual_snapshot={"units": []}))
    db.session.flush()
    login_as("admin")
    refused(*post(client, "publish", version=1), "已经领导小组审定并冻结")
    book = reload(book)
    assert book.status is CriteriaStatus.approved and book.rule_set_id is None and rule_versions() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_unknown_assessor_year_or_book_is_404(client, login_as):
    login_as("admin")
    assert client.post(path("submit", "nobody")).status_code == 404
    assert client.post(path("submit", "ndrc")).status_code == 404  # no book yet
    assert client.post("/scoring/1999/criteria/miit/submit").status_code == 404


# --- the book page's panel -------------------------------------------------------------------------------------

def test_the_panel_offers_each_user_only_the_actions_they_may_take(app):
    book = complete_book("miit")
    with app.test_request_context():
        assert [a["name"] for a in chain.workflow_panel(account("gxj"), book)["actions"]] == ["submit"]
        assert [a["name"] for a in chain.workflow_panel(account("fgw"), book)["actions"]] == []
        assert [a["name"] for a in chain.workflow_panel(account("xtx"), book)["actions"]] == []
        book.status = CriteriaStatus.submitted
        assert [a["name"] for a in chain.workflow_panel(account("admin"), book)["actions"]] == ["accept", "return"]
        assert chain.workflow_panel(account("gxj"), book)["actions"] == []
        book.status = CriteriaStatus.published
        assert [a["name"] for a in chain.workflow_panel(account("gxj"), book)["actions"]] == ["revise"]


def test_the_panel_shows_who_did_what_and_posts_to_the_actions(app, client, login_as):
    from flask import render_template

    book = complete_book("miit")
    login_as("gxj")
    post(client, "submit", version=1)
    login_as("admin")
    post(client, "return", version=1, comment="请补充说明")
    book = reload(book)
    with app.test_request_context():
        panel = chain.workflow_panel(account("gxj"), book)
        html = render_template("scoring/_criteria_workflow.html", workflow=panel)
    states = [(s["label"], s["state"]) for s in panel["steps"]]
    assert states[0] == ("考评单位起草", "current") and states[2] == ("千百十办审核", "returned")
    assert "请补充说明" in html and "市工信局联络员" in html and "千百十办管理员" in html
    assert f'action="{path("submit")}"' in html and 'name="submit-version" type="hidden" value="1"' in html
    book.status = CriteriaStatus.accepted
    with app.test_request_context():
        html = render_template("scoring/_criteria_workflow.html", workflow=chain.workflow_panel(account("admin"), book))
    assert f'action="{path("approve")}"' in html and 'value="2026-03-20"' in html
    assert 'name="approve-doc_number"' in html


# --- a unit's targets ------------------------------------------------------------------------------------------

def test_who_reads_a_units_targets(client, login_as):
    complete_book("miit", status=CriteriaStatus.published)
    county, other = unit("湘潭县人民政府"), unit("湘乡市人民政府")
    office = unit("市产业强市“千百十”工程办")
    for username, unit_row, status in (("xtx", county, 200), ("xtx", other, 404), ("gxj", other, 200),
                                       ("fgw", other, 200), ("guancha", other, 200), ("fushizhang", other, 200),
                                       ("admin", office, 404)):
        login_as(username)
        assert client.get(f"/scoring/{YEAR}/units/{unit_row.id}/targets").status_code == status, username
    login_as("xtx")
    assert client.get(f"/scoring/{YEAR}/units/999999/targets").status_code == 404
    assert client.get(f"/scoring/1999/units/{county.id}/targets").status_code == 404


def test_my_targets_lists_the_units_for_readers_and_says_so_for_others(client, login_as):
    complete_book("miit", status=CriteriaStatus.published)
    login_as("guancha")
    html = client.get(f"/scoring/{YEAR}/my-targets").get_data(as_text=True)
    assert "湘潭县" in html and f"/scoring/{YEAR}/units/{unit('湘潭县人民政府').id}/targets" in html
    login_as("xtx")
    html = client.get(f"/scoring/{YEAR}/my-targets").get_data(as_text=True)
    assert "湘潭县" in html and "规模工业企业培育" in html and "考评细则尚未发布" in html  # 发改委 not yet


def test_only_published_books_show_and_only_the_indicators_that_score_the_unit(client, login_as):
    complete_book("miit", status=CriteriaStatus.published).doc_number = DOC
    complete_book("ndrc", status=CriteriaStatus.accepted)
    login_as("xtx")
    html = client.get(f"/scoring/{YEAR}/my-targets").get_data(as_text=True)
    assert "产业链建设" in html and "产业投资" not in html
    assert "园区亩均税收" not in html  # the 发改委's park indicator, and the book is not published anyway
    login_as("admin")
    park = unit("湘潭高新区管委会")
    html = client.get(f"/scoring/{YEAR}/units/{park.id}/targets").get_data(as_text=True)
    assert "产业链建设" in html and "“千百扶培”工作情况" in html


def test_the_targets_page_makes_as_many_statements_for_two_books_as_for_one(client, login_as, count_queries):
    complete_book("miit", status=CriteriaStatus.published)
    login_as("xtx")
    client.get(f"/scoring/{YEAR}/my-targets")
    with count_queries() as one:
        assert client.get(f"/scoring/{YEAR}/my-targets").status_code == 200
    for assessor in ("ndrc", "most", "office"):
        complete_book(assessor, status=CriteriaStatus.published)
    with count_queries() as four:
        html = client.get(f"/scoring/{YEAR}/my-targets").get_data(as_text=True)
    assert "研发经费投入" in html and "会同市行政审批局考评" in html
    assert four.count == one.count


def test_the_chains_irreversible_buttons_name_their_consequence_before_posting(client, login_as):
    """#16: submitting, returning, recording the 审定 and publishing a 细则 ask first, naming what follows (the
    browser's dialog, js/confirm.js, reads data-confirm)."""
    book = complete_book("miit")
    page = f"{BASE}/miit"
    login_as("gxj")
    html = client.get(page).get_data(as_text=True)
    assert 'data-confirm="提交后本细则交千百十办审核' in html
    post(client, "submit", version=1)
    login_as("admin")
    html = client.get(page).get_data(as_text=True)
    assert 'data-confirm="退回后起草单位须按意见修改' in html
    post(client, "accept", version=1, comment="")
    assert 'data-confirm="记录审定后本细则即可发布' in client.get(page).get_data(as_text=True)
    post(client, "approve", version=1, approved_on="2026-03-20", doc_number=DOC)
    html = client.get(page).get_data(as_text=True)
    assert 'data-confirm="发布后本细则即为本年度考评依据' in html
    assert reload(book).status is CriteriaStatus.approved  # asking changes nothing
