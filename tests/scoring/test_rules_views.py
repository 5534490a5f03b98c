"""The year's rules and the year's administration through HTTP on the real database: reading, starting a year,
editing into a new version, every refusal of a rule set that does not add up (Chinese message, 400, nothing
written), policy rates, the province-first flag, 不合格 decisions, and who may do what."""

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.scoring import engine
from app.scoring.models import (
    FailDecision,
    PolicyRate,
    QuarterStatus,
    RuleSetVersion,
    ScoringQuarter,
    YearSetting,
)
from app.scoring.year_rules import load_year_rules, save_rules
from tests.factories import unit

YEAR = 2026
RULES, EDIT, START, ADMIN = (f"/scoring/{YEAR}/rules", f"/scoring/{YEAR}/rules/edit", f"/scoring/{YEAR}/rules/start",
                             f"/scoring/{YEAR}/admin")


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def versions(year=YEAR):
    return db.session.scalars(sa.select(RuleSetVersion).where(RuleSetVersion.year == year)
                              .order_by(RuleSetVersion.version)).all()


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class FormReader(HTMLParser):
    """The fields of the first POST form with an action, as a browser would submit them (checked boxes only)."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields, self.textarea, self.select = action, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and a.get("method") == "post"
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "y")
            else:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[self.textarea] = ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def edit_fields(client):
    """The rules form as the edit page fills it, ready to change and post back."""
    response = client.get(EDIT)
    assert response.status_code == 200
    reader = FormReader(EDIT)
    reader.feed(response.text)
    fields = reader.fields
    for name, value in fields.items():
        if name.endswith("_subs") or name == "blends":
            fields[name] = value.lstrip("\r\n")  # WTForms writes a line break after <textarea>
    fields["note"] = "测试修改"
    fields["submit"] = "保存为新版本"
    return fields


def profile_index(client, label):
    """The index of a profile's row in the form, found from the labels on the page."""
    data = load_year_rules(YEAR).to_data()
    return next(i for i, p in enumerate(data["rules"]["profiles"]) if p["label"] == label)


COUNTY_A = "湘潭县、湘乡市、雨湖区"


# --- reading -----------------------------------------------------------------------------------------------

def test_the_rules_page_shows_the_components_by_profile_with_their_units(client, login_as):
    login_as("guancha")
    response = client.get(RULES)
    assert response.status_code == 200
    text = response.text
    assert "尚未建立" in text and "《考核评价办法》附件2的默认规则" in text
    assert COUNTY_A in text and "湘潭综保区、岳塘经开区" in text and "市直单位及相关企业" in text
    assert "湘潭县、湘乡市、雨湖区" in text and "湘潭综保区、岳塘经开区" in text
    assert "市发改委最终得分 = 本单位得分 × 85% + 国网湘潭供电公司得分 × 15%" in text
    assert "优秀:良好:合格 = 3:6:1" in text and "政策兑现率低于 90% 的县市区（园区）扣 3 分" in text
    assert "修改规则" not in text  # observers read only


@pytest.mark.parametrize("url", [RULES, EDIT, ADMIN])
def test_staff_cannot_open_the_rules_or_the_year_administration(client, login_as, url):
    login_as("gxj")
    response = client.get(url)
    assert response.status_code == 403 and "没有权限" in response.text


@pytest.mark.parametrize("username", ["gxj", "fushizhang", "guancha"])
def test_only_the_office_changes_rules_rates_and_decisions(client, login_as, username):
    login_as(username)
    assert client.post(START).status_code == 403
    assert client.post(EDIT, data={"note": "x"}).status_code == 403
    assert client.get(EDIT).status_code == 403 and client.get(ADMIN).status_code == 403
    assert client.post(ADMIN, data={f"rates-rate_{unit('湘潭县人民政府').id}": "95",
                                    "rates-submit": "保存政策兑现率"}).status_code == 403
    assert not versions() and count(PolicyRate) == 0


# --- starting a year ---------------------------------------------------------------------------------------

def test_starting_a_year_saves_version_1_once(client, login_as):
    login_as("admin")
    response = client.post(START, follow_redirects=True)
    assert "已建立 2026 年度考评规则（第 1 版" in response.text
    assert [v.version for v in versions()] == [1]
    response = client.post(START, follow_redirects=True)
    assert "已存在（第 1 版）" in response.text
    assert [v.version for v in versions()] == [1]
    assert "版本记录" in response.text and "按考核评价办法（附件2）默认规则建立" in response.text


def test_a_new_year_starts_from_the_previous_years_rules(client, login_as, user):
    data = load_year_rules(2025).to_data()
    data["rules"]["policy_deduction"] = "2"
    save_rules(user("admin"), 2025, data, "2025 扣分调整")
    db.session.commit()
    login_as("admin")
    assert "沿用 2025 年度第 1 版" in client.get(RULES).text
    client.post(START)
    assert versions()[0].data["rules"]["policy_deduction"] == "2"


# --- editing -----------------------------------------------------------------------------------------------

def test_editing_the_rules_saves_a_new_version_with_its_note(client, login_as):
    login_as("admin")
    client.post(START)
    fields = edit_fields(client)
    pi = profile_index(client, COUNTY_A)
    fields[f"p{pi}_miit_max"], fields[f"p{pi}_ndrc_max"] = "24", "21"
    fields[f"p{pi}_miit_subs"] = "chain|产业链建设|12\nsme|专精特新企业培育|12"
    fields["qw_support_3"], fields["qw_support_4"] = "25", "35"
    fields["late_credit"] = "0.6"
    fields["include_co_units"] = "y"
    fields["award_county"] = "3"
    fields["note"] = "按2026年考评细则调整"
    response = client.post(EDIT, data=fields)
    assert response.status_code == 302, response.text
    saved = versions()
    assert [v.version for v in saved] == [1, 2] and saved[-1].note == "按2026年考评细则调整"
    rules = load_year_rules(YEAR)
    profile = rules.rules.profiles["county_a"]
    assert profile.component("miit").maximum == 24 and profile.component("ndrc").maximum == 21
    assert [(s.code, s.maximum) for s in profile.component("miit").sub_items] == [("chain", 12), ("sme", 12)]
    assert rules.rules.quarter_weights[engine.Group.support] == (15, 25, 25, 35)
    assert rules.rules.tasks.late_credit == Decimal("0.6") and rules.rules.tasks.include_co_units
    assert rules.rules.award_counts[engine.Group.county] == 3
    assert rules.unit_profiles == load_year_rules(YEAR).unit_profiles
    page = client.get(RULES).text
    assert "第 2 版" in page and "产业链建设" in page and "按2026年考评细则调整" in page


def test_saving_the_form_unchanged_keeps_the_rules_identical(client, login_as):
    login_as("admin")
    client.post(START)
    before = versions()[0].data
    assert client.post(EDIT, data=edit_fields(client)).status_code == 302
    assert versions()[-1].data == before


def test_an_office_sub_item_can_be_entered_by_another_unit(client, login_as):
    login_as("admin")
    fields = edit_fields(client)
    pi = profile_index(client, COUNTY_A)
    fields[f"p{pi}_office_subs"] = "tasks|交办事项落实|10\napproval|产业项目审批服务|5|市行政审批局"
    assert client.post(EDIT, data=fields).status_code == 302
    rules = load_year_rules(YEAR)
    assert rules.sub_item_assessors == {"office.approval": unit("市行政审批局").id}
    assert rules.enterer_of("office", "approval") == unit("市行政审批局").id
    fields = edit_fields(client)
    assert fields[f"p{pi}_office_subs"].splitlines()[1] == "approval|产业项目审批服务|5|市行政审批局"


def test_removing_a_component_and_giving_it_to_another_assessor_is_possible(client, login_as):
    login_as("admin")
    fields = edit_fields(client)
    pi = profile_index(client, "湘潭综保区、岳塘经开区")
    fields[f"p{pi}_samr_max"], fields[f"p{pi}_culture_max"] = "", "15"
    assert client.post(EDIT, data=fields).status_code == 302
    profile = load_year_rules(YEAR).rules.profiles["park_b"]
    assert profile.component("samr") is None and profile.component("culture").maximum == 15


REFUSALS = [
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_max": "26"}),
                 "季度得分构成“湘潭县、湘乡市、雨湖区”各项满分合计101分,应为100分", id="profile-not-100"),
    pytest.param(lambda f, pi: f.update({"qw_county_4": "30"}), "县市区组的季度权重合计95%,应为100%",
                 id="quarter-weights-not-100"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_subs": "chain|产业链建设|20\nsme|专精特新|10"}),
                 "细项满分合计30分,应等于该项满分25分", id="sub-items-exceed"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_subs": "chain|产业链建设|30"}),
                 "超过了该项满分25分", id="sub-item-above-component"),
    pytest.param(lambda f, pi: f.update({"blends": "市发改委|国网湘潭供电公司|85|20"}), "折算比例85%与20%之和应为100%",
                 id="blend-not-100"),
    pytest.param(lambda f, pi: f.update({"blends": "市发改委|某某公司|85|15"}), "找不到单位“某某公司”",
                 id="blend-unknown-unit"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_max": "25.125"}), "最多保留两位小数", id="three-decimals"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_max": "二十五"}), "必须是数字", id="non-numeric"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_subs": "产业链|产业链建设|25"}),
                 "只能由英文字母、数字和下划线组成", id="sub-item-code"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_miit_subs": "chain 25"}), "应为“代码|名称|满分”", id="sub-item-line"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_culture_max": "", f"p{pi}_culture_subs": "a|甲|5"}),
                 "不能设置细项", id="sub-items-without-component"),
    pytest.param(lambda f, pi: f.update({f"p{pi}_office_subs": "tasks|交办事项|10\nx|审批|5|不存在的局"}),
                 "找不到录入单位", id="sub-item-unknown-unit"),
    pytest.param(lambda f, pi: f.update({"late_credit": "1.5"}), "逾期办结的得分系数应在0至1之间", id="late-credit"),
    pytest.param(lambda f, pi: f.update({"grade_ratio": "3:6"}), "等次比例请按“3:6:1”的格式", id="grade-ratio"),
    pytest.param(lambda f, pi: f.update({"rank_percentages": "100, 90, 95"}), "应随名次递减", id="rank-increasing"),
    pytest.param(lambda f, pi: f.update({"policy_rate_line": "120"}), "政策兑现率的扣分线应在0%至100%之间",
                 id="policy-line"),
    pytest.param(lambda f, pi: f.update({"award_park1": "-1"}), "必须是不小于0的整数", id="award-negative"),
    pytest.param(lambda f, pi: f.update({"note": ""}), "请填写修改说明", id="no-note"),
    pytest.param(lambda f, pi: f.update({f"unit_{unit('湘潭县人民政府').id}": "nowhere"}), "选择有效的季度得分构成",
                 id="unknown-profile"),
]


@pytest.mark.parametrize(("change", "message"), REFUSALS)
def test_a_rule_set_that_does_not_add_up_is_refused_and_nothing_is_saved(client, login_as, change, message):
    login_as("admin")
    client.post(START)
    fields = edit_fields(client)
    change(fields, profile_index(client, COUNTY_A))
    response = client.post(EDIT, data=fields)
    assert response.status_code == 400
    assert message in response.text
    assert "规则未保存" in response.text
    assert [v.version for v in versions()] == [1]


def test_rules_cannot_change_once_a_quarter_of_the_year_is_finalized(client, login_as):
    login_as("admin")
    client.post(START)
    db.session.add(ScoringQuarter(year=YEAR, quarter=1, status=QuarterStatus.finalized))
    db.session.commit()
    response = client.post(EDIT, data=edit_fields(client))
    assert response.status_code == 400 and "已有审定的季度" in response.text
    assert [v.version for v in versions()] == [1]


def test_a_year_out_of_range_is_not_found(client, login_as):
    login_as("admin")
    assert client.get("/scoring/1999/rules").status_code == 404
    assert client.post("/scoring/2101/rules/start").status_code == 404


# --- the year's administration -----------------------------------------------------------------------------

def rates(**by_name):
    data = {"rates-submit": "保存政策兑现率"}
    for name, value in by_name.items():
        data[f"rates-rate_{unit(name).id}"] = value
    return data


def test_the_year_page_lists_the_thirteen_counties_and_parks(client, login_as):
    login_as("admin")
    response = client.get(ADMIN)
    assert response.status_code == 200
    assert response.text.count('name="rates-rate_') == 13
    assert "兑现率低于 90% 的" in response.text and "扣 3 分" in response.text


def test_policy_rates_are_saved_and_changed(client, login_as):
    login_as("admin")
    response = client.post(ADMIN, data={**rates(湘潭县人民政府="95.5", 湘潭高新区管委会="88%"),
                                        f"rates-note_{unit('湘潭县人民政府').id}": "12月核定"})
    assert response.status_code == 302
    saved = {r.unit.name: r for r in db.session.scalars(sa.select(PolicyRate).where(PolicyRate.year == YEAR))}
    assert saved["湘潭县人民政府"].rate == Decimal("95.50") and saved["湘潭县人民政府"].note == "12月核定"
    assert saved["湘潭高新区管委会"].rate == Decimal("88.00")
    page = client.get(ADMIN).text
    assert 'value="95.5"' in page and 'value="88"' in page
    assert client.post(ADMIN, data=rates(湘潭县人民政府="91")).status_code == 302
    db.session.expire_all()
    assert saved["湘潭县人民政府"].rate == Decimal("91.00")


@pytest.mark.parametrize(("value", "message"), [
    pytest.param("120", "政策兑现率应在 0% 到 100% 之间", id="above-100"),
    pytest.param("-5", "政策兑现率应在 0% 到 100% 之间", id="negative"),
    pytest.param("九十", "不是数字", id="non-numeric"),
    pytest.param("90.125", "最多保留两位小数", id="three-decimals"),
])
def test_a_policy_rate_outside_0_to_100_is_refused_and_nothing_is_written(client, login_as, value, message):
    login_as("admin")
    response = client.post(ADMIN, data=rates(湘乡市人民政府="95", 湘潭县人民政府=value))
    assert response.status_code == 400
    assert message in response.text and "湘潭县" in response.text
    assert count(PolicyRate) == 0  # the good rate beside it is not saved either


def test_the_province_first_flag_needs_a_basis_and_is_saved_with_it(client, login_as):
    login_as("admin")
    response = client.post(ADMIN, data={"first-province_first": "y", "first-note": "", "first-submit": "保存"})
    assert response.status_code == 400 and "请填写依据" in response.text
    assert db.session.get(YearSetting, YEAR) is None
    response = client.post(ADMIN, data={"first-province_first": "y", "first-note": "湘政办函〔2027〕1号",
                                        "first-submit": "保存"})
    assert response.status_code == 302
    setting = db.session.get(YearSetting, YEAR)
    assert setting.province_first and setting.note == "湘政办函〔2027〕1号"
    assert "已设置为排名第一" in client.get(ADMIN).text
    client.post(ADMIN, data={"first-note": "", "first-submit": "保存"})
    db.session.expire_all()
    assert not db.session.get(YearSetting, YEAR).province_first


def fail(unit_name, reason="年度内发生重大安全生产事故，领导小组研究决定", decided_on="2026-12-28"):
    return {"fail-unit_id": str(unit(unit_name).id), "fail-reason": reason, "fail-decided_on": decided_on,
            "fail-submit": "录入不合格决定"}


def test_a_fail_decision_is_recorded_with_its_reason_and_removed_with_one(client, login_as):
    login_as("admin")
    assert client.post(ADMIN, data=fail("市林业局")).status_code == 302
    row = db.session.scalar(sa.select(FailDecision))
    assert row.unit.name == "市林业局" and row.decided_on == date(2026, 12, 28)
    assert "重大安全生产事故" in client.get(ADMIN).text
    response = client.post(ADMIN, data={"remove-decision_id": str(row.id), "remove-reason": "",
                                        "remove-submit": "撤销"})
    assert response.status_code == 400 and "请填写撤销理由" in response.text
    assert count(FailDecision) == 1
    response = client.post(ADMIN, data={"remove-decision_id": str(row.id), "remove-reason": "复核后撤销",
                                        "remove-submit": "撤销"})
    assert response.status_code == 302 and count(FailDecision) == 0


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(lambda: fail("市林业局", reason=""), "请填写理由", id="no-reason"),
    pytest.param(lambda: fail("市林业局", decided_on="2026-13-01"), "日期格式不正确", id="bad-date"),
    pytest.param(lambda: fail("湘潭县人民政府"), "请从列表中选择有效的单位", id="county-not-graded"),
])
def test_a_bad_fail_decision_is_refused(client, login_as, data, message):
    login_as("admin")
    response = client.post(ADMIN, data=data())
    assert response.status_code == 400 and message in response.text
    assert count(FailDecision) == 0


def test_a_second_fail_decision_for_the_same_unit_is_refused(client, login_as):
    login_as("admin")
    client.post(ADMIN, data=fail("市林业局"))
    response = client.post(ADMIN, data=fail("市林业局"))
    assert response.status_code == 400 and "已有不合格决定" in response.text
    assert count(FailDecision) == 1


def test_a_post_without_a_known_button_is_refused(client, login_as):
    login_as("admin")
    response = client.post(ADMIN, data={"something": "else"})
    assert response.status_code == 400 and "没有识别到要保存的内容" in response.text
