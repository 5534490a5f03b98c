"""Service ratings of 市直 units by counties and parks (附件2 三(二)1): the average the office's 服务质量评价 turns into
points, the refusals (a unit rating itself, a rater that is not a county or park, a rated unit that is not a 市直
unit, a score outside 0–100 or not an integer, a quarter not started or finalized, a comment over 1000 characters,
another unit's account, another county's ledger enterprise), changes until the quarter is finalized (audited), the
rater's page, the office's overview and its Excel, a rated unit's anonymous page, and the reminder in the first ten
days after a quarter ends — through the real services, HTTP and the scan job with an injected clock."""

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import PermissionDenied, ServiceError
from app.core.input_guards import NUL_MESSAGE
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import Enterprise
from app.reminders import jobs, outbox
from app.reminders.models import OutboxMessage, OutboxStatus
from app.reminders.registry import reminder_rules, reminder_scans
from app.scoring.models import QuarterStatus, ScoringQuarter, ServiceRating
from app.scoring.ratings import (
    RULE,
    delete_rating,
    rated_units,
    rater_units,
    rating_averages,
    rating_progress,
    rating_reminders,
    save_rating,
)
from tests.factories import account, unit
from tests.fuzz.conftest import example_savepoint, fuzz_settings, has_chinese

COUNTY, PARK, OTHER_COUNTY = "湘潭县人民政府", "湘潭高新区管委会", "湘乡市人民政府"
GXJ, FGW = "市工信局", "市发改委"
Q2_DAY = date(2026, 5, 10)  # inside the second quarter of 2026


def rate(rated=GXJ, rater=COUNTY, user="xtx", scores=(90, 85, 80), comment=None, enterprise="", year=2026,
         quarter=2, on=Q2_DAY):
    attitude, efficiency, effect = scores
    return save_rating(account(user), year, quarter, unit(rater), unit(rated), attitude=attitude,
                       efficiency=efficiency, effect=effect, comment=comment, enterprise_name=enterprise, on=on)


def ratings_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(ServiceRating))


def audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def finalize(year=2026, quarter=2):
    db.session.add(ScoringQuarter(year=year, quarter=quarter, status=QuarterStatus.finalized))
    db.session.flush()


# --- the average --------------------------------------------------------------------------------------------

def test_the_average_is_the_mean_over_ratings_of_the_three_questions_mean_in_one_statement(count_queries):
    rate(scores=(90, 85, 80))  # 85
    rate(scores=(70, 71, 72), enterprise="湘潭县某机械厂")  # 71, an enterprise's rating counts once as well
    rate(rater=PARK, user="gxq", scores=(60, 60, 66))  # 62
    rate(rated=FGW, scores=(100, 100, 99))  # 299 / 3, not terminating
    db.session.flush()  # the audit entries: not the statement counted
    with count_queries() as counter:
        averages = rating_averages(2026, 2)
    assert counter.count == 1
    assert averages[unit(GXJ).id] == (Decimal(85) + Decimal(71) + Decimal(62)) / 3
    assert averages[unit(GXJ).id] == Decimal("72.66666666666666666666666667")
    assert averages[unit(FGW).id] == Decimal(299) / Decimal(3)
    assert unit("市科技局").id not in averages  # nobody rated it
    assert rating_averages(2026, 1) == {}


def test_progress_counts_each_county_and_parks_own_ratings_of_city_units():
    rate()
    rate(rated=FGW)
    rate(rated=FGW, enterprise="湘潭县某机械厂")  # an enterprise's rating is not the county's own
    rate(rater=PARK, user="gxq")
    progress = rating_progress(2026, 2)
    assert progress[unit(COUNTY).id] == 2 and progress[unit(PARK).id] == 1 and progress[unit(OTHER_COUNTY).id] == 0
    assert set(progress) == {u.id for u in rater_units()} and len(progress) == 13


# --- saving, changing, refusing -------------------------------------------------------------------------------

def test_a_county_rates_a_city_unit_and_changes_it_until_finalized_audited():
    row = rate(comment="审批很快")
    assert (row.attitude, row.efficiency, row.effect, row.comment) == (90, 85, 80, "审批很快")
    created = audits("service_rating.create")
    assert len(created) == 1 and created[0].after["attitude"] == 90 and created[0].actor_id == account("xtx").id
    again = rate(scores=(60, 85, 80), comment="复核后下调")
    assert again.id == row.id and ratings_count() == 1
    updated = audits("service_rating.update")
    assert updated[-1].before == {"attitude": 90, "comment": "审批很快"}
    assert updated[-1].after == {"attitude": 60, "comment": "复核后下调"}
    finalize()
    with pytest.raises(ServiceError, match="已审定") as error:
        rate(scores=(100, 100, 100))
    assert error.value.code == "finalized"
    db.session.refresh(row)
    assert row.attitude == 60


@pytest.mark.parametrize(("rater", "rated", "user", "message"), [
    (COUNTY, COUNTY, "xtx", "不能评价本单位"),  # a unit rating itself
    (GXJ, FGW, "gxj", "不是县市区或园区"),  # a rater that is not a county or park
    (COUNTY, OTHER_COUNTY, "xtx", "不是市直单位"),  # a rated unit that is not a 市直 unit
    (COUNTY, "市产业强市“千百十”工程办", "xtx", "不是市直单位"),  # nor is the office
])
def test_refused_parties_write_nothing(rater, rated, user, message):
    with pytest.raises(ServiceError, match=message):
        rate(rater=rater, rated=rated, user=user)
    assert ratings_count() == 0 and not audits("service_rating.create")


def test_an_inactive_city_unit_is_not_rated():
    unit(FGW).is_active = False
    db.session.flush()
    with pytest.raises(ServiceError, match="市发改委已停用"):
        rate(rated=FGW)
    assert ratings_count() == 0 and unit(FGW).id not in {u.id for u in rated_units()}


def test_only_the_raters_own_staff_may_rate_in_its_name():
    with pytest.raises(PermissionDenied, match="本单位"):
        rate(rater=COUNTY, user="gxq")
    with pytest.raises(PermissionDenied):
        rate(rater=COUNTY, user="admin")
    assert ratings_count() == 0


@pytest.mark.parametrize(("scores", "message"), [
    ((101, 80, 80), "“服务态度”评分应在 0 到 100 之间（当前 101）"),
    ((90, -1, 80), "“办事效率”评分应在 0 到 100 之间"),
    ((90, 80, Decimal("85.5")), "“解决问题成效”评分必须是整数"),
    ((90, 80, 85.5), "必须是整数"),
    (("abc", 80, 80), "“服务态度”评分必须是 0–100 的整数"),
    ((None, 80, 80), "请填写“服务态度”评分"),
    ((True, 80, 80), "必须是 0–100 的整数"),
    ((float("nan"), 80, 80), "必须是整数"),
    ((Decimal("sNaN"), 80, 80), "必须是整数"),
    ((Decimal("1E+3"), 80, 80), "应在 0 到 100 之间（当前 1000）"),
])
def test_a_score_outside_0_to_100_or_not_an_integer_is_refused(scores, message):
    with pytest.raises(ServiceError, match=message):
        rate(scores=scores)
    assert ratings_count() == 0


def test_integral_scores_given_as_text_or_decimal_are_accepted():
    row = rate(scores=("95", Decimal("80"), 0))
    assert (row.attitude, row.efficiency, row.effect) == (95, 80, 0)


def test_a_quarter_not_started_is_refused():
    with pytest.raises(ServiceError, match="尚未开始（2026-07-01 开始）"):
        rate(quarter=3, on=date(2026, 6, 30))
    assert rate(quarter=3, on=date(2026, 7, 1)).quarter == 3  # from its first day
    assert ratings_count() == 1


def test_a_comment_over_1000_characters_is_refused():
    with pytest.raises(ServiceError, match="意见建议不能超过 1000 个字符（当前 1001 个）"):
        rate(comment="慢" * 1001)
    assert ratings_count() == 0
    assert len(rate(comment="好" * 1000).comment) == 1000


def test_an_enterprise_of_another_countys_ledger_is_refused_its_own_or_unlisted_accepted():
    db.session.add_all([
        Enterprise(name="湘乡测试电机有限公司", uscc="914303000000000011", unit_id=unit(OTHER_COUNTY).id),
        Enterprise(name="湘潭测试电机有限公司", uscc="914303000000000012", unit_id=unit(COUNTY).id)])
    db.session.flush()
    with pytest.raises(ServiceError, match="属于湘乡市人民政府"):
        rate(enterprise="湘乡测试电机有限公司")
    assert rate(enterprise="湘潭测试电机有限公司").enterprise_name == "湘潭测试电机有限公司"
    assert rate(enterprise="  台账外  小微企业 ").enterprise_name == "台账外 小微企业"
    own = rate()  # the county's own rating is a separate one
    assert ratings_count() == 3 and own.enterprise_name == ""


def test_a_rating_is_withdrawn_by_its_rater_only_before_finalized_audited():
    row = rate(enterprise="台账外小微企业")
    with pytest.raises(PermissionDenied):
        delete_rating(account("gxq"), row, on=Q2_DAY)
    delete_rating(account("xtx"), row, on=Q2_DAY)
    assert ratings_count() == 0
    assert audits("service_rating.delete")[-1].before["enterprise_name"] == "台账外小微企业"
    row = rate()
    finalize()
    with pytest.raises(ServiceError, match="已审定"):
        delete_rating(account("xtx"), row, on=Q2_DAY)
    assert ratings_count() == 1


# --- the rater's page -------------------------------------------------------------------------------------------

def form(rated=GXJ, attitude="90", efficiency="85", effect="80", comment="", enterprise=None):
    data = {"rated_unit_id": str(unit(rated).id), "attitude": attitude, "efficiency": efficiency,
            "effect": effect, "comment": comment, "submit": "保存评价"}
    if enterprise is not None:
        data.update(for_enterprise="1", enterprise_name=enterprise)
    return data


def test_the_county_page_lists_every_city_unit_and_saves_a_rating(client, login_as, clock):
    clock.set(datetime(2026, 5, 10, 9, 0))
    login_as("xtx")
    page = client.get("/scoring/2026/q2/ratings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert all(f'id="unit-{u.id}"' in html for u in rated_units()) and len(rated_units()) == 46
    assert "已评价 <strong>0</strong> / 46" in html
    response = client.post("/scoring/2026/q2/ratings", data=form(comment="服务热情"))
    assert response.status_code == 302 and response.location.endswith(f"#unit-{unit(GXJ).id}")
    row = db.session.scalar(sa.select(ServiceRating))
    assert (row.rater_unit_id, row.rated_unit_id, row.attitude, row.comment) == (unit(COUNTY).id, unit(GXJ).id, 90,
                                                                                 "服务热情")
    html = client.get("/scoring/2026/q2/ratings").get_data(as_text=True)
    assert "已评价 <strong>1</strong> / 46" in html and "修改评价" in html


@pytest.mark.parametrize(("fields", "message"), [
    ({"attitude": "101"}, "“服务态度”评分应在 0 到 100 之间"),
    ({"effect": "85.5"}, "“解决问题成效”必须是整数"),
    ({"efficiency": ""}, "请填写“办事效率”评分"),
    ({"comment": "差" * 1001}, "意见建议不能超过 1000 个字符"),
    ({"rated": COUNTY}, "不能评价本单位"),  # a unit rating itself, through the page
    ({"rated": OTHER_COUNTY}, "不是市直单位"),
    ({"enterprise": ""}, "请填写评价企业的名称"),
    ({"rated_unit_id": "99999999999"}, "请选择要评价的市直单位"),
])
def test_refused_forms_say_what_to_fix_and_write_nothing(client, login_as, clock, fields, message):
    fields = dict(fields)
    raw_id = fields.pop("rated_unit_id", None)
    data = form(**fields)
    if raw_id is not None:
        data["rated_unit_id"] = raw_id
    clock.set(datetime(2026, 5, 10, 9, 0))
    login_as("xtx")
    response = client.post("/scoring/2026/q2/ratings", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert ratings_count() == 0


SHOWN = re.compile(r'<div class="(?:invalid-feedback|alert alert-danger[^"]*)"[^>]*>(.*?)</div>', re.S)
TEXT = st.one_of(st.text(max_size=30), st.integers(-10**12, 10**12).map(str), st.sampled_from(
    ["", "0", "100", "101", "-1", "85.5", "1e3", "NaN", "inf", "\x00", "１００", " 90 "]))


@fuzz_settings(scale=1.5)
@given(data=st.data())
def test_random_rating_posts_by_a_county_never_fail_and_refuse_in_chinese(client, login_as, clock, data):
    """The county's form (the forms fuzz signs in as the office and a 市直 unit, which may not post it)."""
    with example_savepoint():
        clock.set(datetime(2026, 5, 10, 9, 0))
        login_as("xtx")
        ids = [str(unit(name).id) for name in (GXJ, COUNTY, OTHER_COUNTY)]
        posted = {name: data.draw(TEXT, label=name) for name in ("attitude", "efficiency", "effect", "comment",
                                                                 "enterprise_name", "for_enterprise")}
        posted["rated_unit_id"] = data.draw(st.one_of(st.sampled_from(ids), TEXT), label="rated_unit_id")
        before = ratings_count()
        response = client.post("/scoring/2026/q2/ratings", data=posted)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            html = response.get_data(as_text=True)
            if any("\x00" in value for value in posted.values()):  # refused before the view (app.core.input_guards)
                assert NUL_MESSAGE in html
            else:
                shown = SHOWN.findall(html)
                assert shown and all(has_chinese(message) for message in shown)
            assert ratings_count() == before
        else:
            row = db.session.scalar(sa.select(ServiceRating))
            assert all(0 <= v <= 100 for v in (row.attitude, row.efficiency, row.effect))


def test_a_finalized_or_future_quarter_shows_no_form_and_refuses_a_post(client, login_as, clock):
    clock.set(datetime(2026, 5, 10, 9, 0))
    login_as("xtx")
    html = client.get("/scoring/2026/q3/ratings").get_data(as_text=True)
    assert "本季度尚未开始" in html and "保存评价" not in html
    response = client.post("/scoring/2026/q3/ratings", data=form())
    assert response.status_code == 400 and "尚未开始" in response.get_data(as_text=True)
    finalize(2026, 1)
    html = client.get("/scoring/2026/q1/ratings").get_data(as_text=True)
    assert "本季度已审定" in html and "保存评价" not in html
    response = client.post("/scoring/2026/q1/ratings", data=form())
    assert response.status_code == 400 and "已审定" in response.get_data(as_text=True)
    assert ratings_count() == 0


def test_an_enterprise_rating_through_the_county_offers_its_ledger_enterprises(client, login_as, clock):
    clock.set(datetime(2026, 5, 10, 9, 0))
    db.session.add_all([
        Enterprise(name="湘潭测试电机有限公司", uscc="914303000000000012", unit_id=unit(COUNTY).id),
        Enterprise(name="湘乡别家企业有限公司", uscc="914303000000000013", unit_id=unit(OTHER_COUNTY).id)])
    db.session.flush()
    login_as("xtx")
    html = client.get("/scoring/2026/q2/ratings").get_data(as_text=True)
    assert '<option value="湘潭测试电机有限公司">' in html and "湘乡别家企业有限公司" not in html
    assert client.post("/scoring/2026/q2/ratings", data=form(enterprise="湘潭测试电机有限公司")).status_code == 302
    assert client.post("/scoring/2026/q2/ratings",
                       data=form(enterprise="湘潭测试电机有限公司", attitude="50")).status_code == 302
    rows = db.session.scalars(sa.select(ServiceRating)).all()
    assert [(r.enterprise_name, r.attitude) for r in rows] == [("湘潭测试电机有限公司", 50)]  # one per enterprise
    response = client.post("/scoring/2026/q2/ratings", data=form(enterprise="湘乡别家企业有限公司"))
    assert response.status_code == 400 and "属于湘乡市人民政府" in response.get_data(as_text=True)
    row = rows[0]
    response = client.post(f"/scoring/2026/q2/ratings/{row.id}/delete")
    assert response.status_code == 302 and ratings_count() == 0


def test_counties_see_only_their_own_ratings_and_cannot_withdraw_anothers(client, login_as, clock):
    clock.set(datetime(2026, 5, 10, 9, 0))
    row = rate(comment="湘潭县写的意见")
    login_as("gxq")
    html = client.get("/scoring/2026/q2/ratings").get_data(as_text=True)
    assert "湘潭县写的意见" not in html and "已评价 <strong>0</strong>" in html
    assert client.post(f"/scoring/2026/q2/ratings/{row.id}/delete").status_code == 404
    assert ratings_count() == 1


def test_the_county_page_statement_count_does_not_grow_with_ratings(client, login_as, clock, count_queries):
    clock.set(datetime(2026, 5, 10, 9, 0))
    login_as("xtx")
    rate()
    client.get("/scoring/2026/q2/ratings")
    db.session.flush()
    with count_queries() as few:
        assert client.get("/scoring/2026/q2/ratings").status_code == 200
    for rated in rated_units()[:20]:
        rate(rated=rated.name, comment=f"{rated.short_name}意见")
        rate(rated=rated.name, enterprise="台账外小微企业")
    db.session.flush()
    with count_queries() as many:
        html = client.get("/scoring/2026/q2/ratings").get_data(as_text=True)
    assert "已评价 <strong>20</strong> / 46" in html and html.count("撤回该条评价") == 20
    assert many.count == few.count


def test_a_city_unit_is_not_a_rater_and_the_office_is_sent_to_the_overview(client, login_as):
    login_as("gxj")
    assert client.get("/scoring/2026/q2/ratings").status_code == 403
    assert client.post("/scoring/2026/q2/ratings", data=form(rated=FGW)).status_code == 403
    login_as("admin")
    response = client.get("/scoring/2026/q2/ratings")
    assert response.status_code == 302 and response.location.endswith("/scoring/2026/q2/ratings/summary")
    assert client.post("/scoring/2026/q2/ratings", data=form()).status_code == 403
    assert ratings_count() == 0


def test_the_rater_page_is_usable_at_390px():
    with open("app/templates/scoring/ratings_form.html", encoding="utf-8") as handle:
        template = handle.read()
    assert template.count('class="col-4"') == 1  # the three scores side by side in thirds at any width


# --- the office's overview, its Excel, a rated unit's page ------------------------------------------------------

def test_the_overview_lists_units_lowest_first_with_comments_and_who_has_not_rated(client, login_as):
    rate(scores=(90, 90, 90), comment="很好")
    rate(rated=FGW, scores=(60, 61, 62), comment="材料退回多次")
    rate(rated=FGW, rater=PARK, user="gxq", scores=(80, 80, 80), enterprise="园区某企业")
    login_as("admin")
    html = client.get("/scoring/2026/q2/ratings/summary").get_data(as_text=True)
    assert html.index("市发改委") < html.index("市工信局") < html.index("市科技局")  # 70.5, 90, unrated last
    assert "70.50" in html and "90.00" in html and "61.00" not in html
    assert "湘潭县：</span>材料退回多次" in html
    assert "13 家县市区、园区尚未评价全部市直单位" in html and "湘潭县：已评价 2 / 46 家" in html


def test_the_overview_statement_count_does_not_grow_with_ratings(client, login_as, count_queries):
    login_as("admin")
    rate()
    client.get("/scoring/2026/q2/ratings/summary")
    db.session.flush()
    with count_queries() as few:
        assert client.get("/scoring/2026/q2/ratings/summary").status_code == 200
    for rated in rated_units()[:20]:
        rate(rated=rated.name, comment=f"{rated.short_name}意见")
        rate(rated=rated.name, rater=PARK, user="gxq", enterprise="园区某企业")
    db.session.flush()
    with count_queries() as many:
        html = client.get("/scoring/2026/q2/ratings/summary").get_data(as_text=True)
    assert "市发改委意见" in html
    assert many.count == few.count


def test_the_overview_exports_to_excel(client, login_as):
    rate(scores=(90, 91, 92), comment="很好")
    rate(rated=FGW, scores=(60, 60, 60))
    login_as("guancha")
    response = client.get("/scoring/2026/q2/ratings/summary.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["评价汇总", "意见建议", "评价进度"]
    ws = wb["评价汇总"]
    assert ws.cell(1, 1).value == "2026年第二季度市直单位服务质量评价汇总"
    assert [ws.cell(4, c).value for c in range(2, 8)] == ["市发改委", 1, 60, 60, 60, 60]
    assert ws.cell(5, 2).value == "市工信局" and ws.cell(5, 7).value == 91
    assert [wb["意见建议"].cell(4, c).value for c in (2, 3, 5)] == ["市工信局", "湘潭县", "很好"]


def test_a_rated_unit_sees_its_average_and_comments_but_not_who_wrote_them(client, login_as):
    rate(scores=(90, 80, 70), comment="窗口服务热情")
    rate(rater=PARK, user="gxq", scores=(70, 70, 70), enterprise="园区某企业", comment="流程可再简化")
    rate(rated=FGW, comment="发改委的意见")
    login_as("gxj")
    html = client.get("/scoring/2026/q2/ratings/mine").get_data(as_text=True)
    assert "75.00" in html and "80.00" in html and "共 2 条评价" in html
    assert "窗口服务热情" in html and "流程可再简化" in html and "发改委的意见" not in html
    assert "湘潭县" not in html and "高新区" not in html and "园区某企业" not in html
    login_as("xtx")
    assert client.get("/scoring/2026/q2/ratings/mine").status_code == 403


# --- the reminder ------------------------------------------------------------------------------------------------

def rating_rows():
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.rule == RULE,
                                                             OutboxMessage.channel == "in_app")
                              .order_by(OutboxMessage.id)).all()


def test_the_reminder_is_registered(app):
    assert rating_reminders in reminder_scans(app) and RULE in reminder_rules(app)


def test_counties_that_have_not_rated_every_city_unit_are_reminded_in_the_first_ten_days(clock):
    xtx, gxq = account("xtx"), account("gxq")
    for rated in rated_units():  # 湘潭高新区 has rated every 市直 unit
        rate(rated=rated.name, rater=PARK, user="gxq", quarter=1, on=date(2026, 3, 1))
    clock.set(datetime(2026, 3, 31, 9, 0))  # the quarter's last day: not yet
    jobs.scan(clock.now())
    assert rating_rows() == []
    clock.set(datetime(2026, 4, 1, 9, 0))  # the first day after
    jobs.scan(clock.now())
    rows = rating_rows()
    assert {r.user_id for r in rows} == {xtx.id} and gxq.id not in {r.user_id for r in rows}
    assert rows[0].subject_id == "2026-1" and rows[0].link == "/scoring/2026/q1/ratings"
    assert "湘潭县尚有 46 家未评" in rows[0].title and "2026-04-10" in rows[0].body
    assert jobs.scan(clock.now())["created"] == 0  # once per occasion
    clock.set(datetime(2026, 4, 11, 9, 0))  # the eleventh day: over
    assert not [r for r in rating_reminders(date(2026, 4, 11), None, {}, jobs.Recipients(date(2026, 4, 11)))]
    assert [r.user_id for r in rating_reminders(date(2026, 4, 10), None, {}, jobs.Recipients(date(2026, 4, 10)))
            if r.user_id == xtx.id]


def test_no_reminder_for_a_finalized_quarter_and_a_pending_one_is_obsolete_once_all_are_rated(clock):
    clock.set(datetime(2026, 4, 2, 9, 0))
    jobs.scan(clock.now())
    row = next(r for r in rating_rows() if r.user_id == account("xtx").id)
    for rated in rated_units():
        rate(rated=rated.name, quarter=1, on=date(2026, 3, 1))
    outbox.deliver(clock.now())
    db.session.refresh(row)
    assert (row.status, row.obsolete_reason) == (OutboxStatus.obsolete, "本单位已评价全部市直单位")
    finalize(2026, 1)
    assert rating_reminders(date(2026, 4, 3), None, {}, jobs.Recipients(date(2026, 4, 3))) == []
