"""The result pages through HTTP on the real database: a quarter per group, the year, a unit's own page with its
SVG trend, the 千百十办 component explained task by task, the quarter lifecycle (finalize, change, reopen with a
reason) and who may see what.

The scenario (`build_quarter`) enters every assessor cell of 2026 Q1 as ScoreEntry rows and gives 湘潭县 two
assigned tasks through the task workflow, so its 千百十办 component is 15 × (1×1 + 2×0.5)/(1+2) = 10.00.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.scoring.models import ScoreEntry
from app.scoring.year_inputs import set_policy_rate, set_province_first
from app.scoring.year_rules import assessed_units, ensure_year_rules, load_year_rules
from app.tasks import services as tasks
from app.tasks.models import Task, TaskPriority
from tests.factories import account
from tests.factories import unit as unit_named
from tests.scoring.test_services import approve

YEAR, QUARTER = 2026, 1
QUARTER_URL = f"/scoring/{YEAR}/q{QUARTER}"
LAST_PLACED = "本组末位（须在季度讲评会上作出说明）"
GROUP_HEADINGS = ["县市区组（5 家）", "一类园区组（4 家）", "二类园区组（4 家）", "市直·产业推进单位（20 家）",
                  "市直·服务保障单位（26 家）"]
# 市工信局's score of the counties (of 25): 湘潭县 full, the others less, so that with 湘潭县's 千百十办 10.00 the
# totals are 湘潭县 95, 湘乡市 99, 韶山市 98, 雨湖区 97, 岳塘区 96 — 湘潭县 is last.
COUNTY_MIIT = {"湘潭县人民政府": 25, "湘乡市人民政府": 24, "韶山市人民政府": 23, "雨湖区人民政府": 22,
               "岳塘区人民政府": 21}


# --- builders (also used by test_results_excel.py) ---------------------------------------------------------

def fill_entries(year=YEAR, quarter=QUARTER, skip=(), values=None):
    """A ScoreEntry for every entered cell of every assessed unit: full marks unless `values[(name, assessor)]`
    says otherwise; `(name, assessor)` pairs in `skip` are left out (the unit is then incomplete)."""
    values = dict(values or {})
    for name, miit in COUNTY_MIIT.items():
        values.setdefault((name, "miit"), miit)
    values.setdefault(("国网湘潭供电公司", "miit"), 20)  # 供电公司 90 → 市发改委 100 × 85% + 90 × 15% = 98.50
    rules = load_year_rules(year)
    admin = account("admin")
    for unit in assessed_units():
        for assessor, sub_item, maximum, computed in rules.entry_cells(unit.id):
            if computed or (unit.name, assessor) in skip:
                continue
            value = Decimal(values.get((unit.name, assessor), maximum))
            db.session.add(ScoreEntry(year=year, quarter=quarter, unit_id=unit.id, assessor=assessor,
                                      sub_item=sub_item, value=value, note=None if value == maximum else "扣分说明",
                                      entered_by_id=admin.id))
    db.session.flush()


def assign(lead, title, due_on, today, priority=TaskPriority.normal):
    return tasks.assign_task(account("admin"), title=title, lead_unit=lead, due_on=due_on, today=today,
                             priority=priority)


def complete(task, staff, completed_on, today):
    tasks.accept_task(account(staff), task)
    tasks.request_completion(account(staff), task, completed_on, "已完成。", today)
    tasks.approve_completion(account("admin"), task)


def xtx_tasks(clock):
    """湘潭县's Q1 tasks: 一般 due 3-20 done 3-02 (on time), 重点 due 3-04 done 3-09 (late). The clock ends on
    10 March 2026."""
    county = unit_named("湘潭县人民政府")
    clock.set(datetime(2026, 3, 2, 9, 0))
    on_time = assign(county, "梳理重点产业链招商目录", date(2026, 3, 20), date(2026, 3, 2))
    late = assign(county, "推进湘潭县智能制造产业园开工", date(2026, 3, 4), date(2026, 3, 2), TaskPriority.key)
    complete(on_time, "xtx", date(2026, 3, 2), date(2026, 3, 2))
    clock.set(datetime(2026, 3, 10, 9, 0))
    complete(late, "xtx", date(2026, 3, 9), date(2026, 3, 10))
    return on_time, late


def build_quarter(clock, skip=()):
    tasks_ = xtx_tasks(clock)
    fill_entries(skip=skip)
    return tasks_


class _Tables(HTMLParser):
    """Every table row's cell texts (whitespace collapsed), and the section headings."""

    def __init__(self):
        super().__init__()
        self.rows, self.headings, self._cell, self._row, self._heading = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "h2":
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "h2" and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)


def parse(html):
    parser = _Tables()
    parser.feed(html)
    return parser


def row_of(html, first_cell):
    rows = [r for r in parse(html).rows if r and r[0] == first_cell]
    assert len(rows) == 1, (first_cell, rows)
    return rows[0]


@pytest.fixture
def quarter(clock):
    return build_quarter(clock)


# --- the quarter ------------------------------------------------------------------------------------------

def test_quarter_page_lists_the_five_groups_in_order_with_component_maxima_totals_finals_and_ranks(
        client, login_as, quarter):
    login_as("admin")
    response = client.get(QUARTER_URL)

    assert response.status_code == 200
    page = parse(response.text)
    assert page.headings[:5] == GROUP_HEADINGS
    assert "湘潭市产业强市“千百十”工程 2026年第一季度考评结果" in response.text
    header = next(r for r in page.rows if r and r[0] == "单位")
    assert header == ["单位", "市工信局（25分）", "市发改委（15～20分）", "市科技局（10～15分）", "市商务局（10分）",
                      "市市场监管局（5分）", "市经研金融办（5分）", "市文旅广体局（5～15分）", "千百十办（15分）",
                      "季度得分", "最终得分", "排名", "备注"]
    # hand check of 湘潭县: 100 − 15 + 15 × (1×1 + 2×0.5)/(1+2) = 95.00, last of five
    county = row_of(response.text, "湘潭县人民政府")
    assert county[1] == "25.00" and county[8] == "10.00"
    assert county[9:12] == ["95.00", "95.00", "5"]
    assert LAST_PLACED in county[12]
    assert row_of(response.text, "湘乡市人民政府")[9:12] == ["99.00", "99.00", "1"]
    # 韶山市 has other maxima: shown beside the value, and the group's note says whose is what
    assert row_of(response.text, "韶山市人民政府")[2] == "15.00/15"
    assert "市发改委满分：湘潭县、湘乡市、雨湖区、岳塘区20分，韶山市15分" in response.text
    # the blend of annex 2 四(四): 市发改委 100 × 85% + 供电公司 90 × 15% = 98.50
    ndrc = row_of(response.text, "市发改委")
    assert ndrc[3:5] == ["100.00", "98.50含国网湘潭供电公司15%"]
    assert "市发改委最终得分 = 市发改委季度得分 × 85% + 国网湘潭供电公司季度得分 × 15%" in response.text
    # park1: 综保区 and 岳塘经开区 have no 工信局/科技局/经研金融办 component
    assert row_of(response.text, "湘潭综保区管委会")[1] == "—"
    assert "湘潭综保区、岳塘经开区的季度得分不含市工信局、市科技局、市经研金融办考评" in response.text
    assert "<strong>录入中</strong>　截至 2026-03-10 计算的暂定结果" in response.text
    assert "未录入完整" not in response.text


def test_incomplete_units_are_marked_with_the_missing_components(client, login_as, clock):
    build_quarter(clock, skip={("湘乡市人民政府", "ndrc"), ("市工信局", "miit")})
    login_as("admin")

    response = client.get(QUARTER_URL)

    xiangxiang = row_of(response.text, "湘乡市人民政府")
    assert xiangxiang[2] == "未录入"
    assert "未录入完整缺：市发改委" in xiangxiang[12]
    assert "未录入完整缺：市工信局" in row_of(response.text, "市工信局")[-1]
    assert "2 个单位得分未录入完整，缺项按 0 分计。" in response.text
    # 湘乡市 (79.00 without 发改委) is last, but the group is not complete yet: marked as provisional only
    assert row_of(response.text, "湘乡市人民政府")[11] == "5"
    assert "暂列本组末位（本组得分尚未录入完整）" in row_of(response.text, "湘乡市人民政府")[12]
    assert LAST_PLACED not in response.text.split("县市区组")[1].split("一类园区组")[0]


def test_as_of_recomputes_an_open_quarter_and_a_bad_date_is_a_chinese_400(client, login_as, quarter):
    login_as("admin")

    early = client.get(f"{QUARTER_URL}?as_of=2026-03-05")
    assert early.status_code == 200
    # the 重点 task completed on 3-09 is not done on 3-05: 15 × 1/3 = 5.00
    assert row_of(early.text, "湘潭县人民政府")[8:10] == ["5.00", "90.00"]
    assert "截至 2026-03-05 计算的暂定结果" in early.text

    bad = client.get(f"{QUARTER_URL}?as_of=2026-13-45")
    assert bad.status_code == 400
    assert "评价日期“2026-13-45”格式不正确，请使用 2026-03-31 这样的格式。" in bad.text


def test_a_quarter_outside_1_to_4_or_a_year_out_of_range_is_404(client, login_as):
    login_as("admin")
    assert client.get(f"/scoring/{YEAR}/q5").status_code == 404
    assert client.get("/scoring/1999/q1").status_code == 404
    assert client.get("/scoring/1999").status_code == 404


# --- the lifecycle ----------------------------------------------------------------------------------------

def test_finalized_results_do_not_change_when_entries_or_tasks_change_and_reopening_needs_a_reason(
        client, login_as, clock, quarter):
    ensure_year_rules(account("admin"), YEAR)
    clock.set(datetime(2026, 4, 2, 10, 0))
    login_as("admin")

    no_opinion = client.post(f"{QUARTER_URL}/finalize", data={
        "evaluated_on": "2026-04-01", "approved_on": "2026-04-02", "doc_number": "潭千百十〔2026〕5号"},
        follow_redirects=True)
    assert "2026年第一季度尚无千百十办的考评意见：请先在季度结果页填写考评意见" in no_opinion.text
    assert "<strong>录入中</strong>" in no_opinion.text
    saved = client.post(f"{QUARTER_URL}/opinion", data={"opinion-opinion": "各单位得分经核对无误，建议审定。",
                                                        "opinion-opinion_on": "2026-04-02"}, follow_redirects=True)
    assert "2026年第一季度考评意见已保存。" in saved.text and "各单位得分经核对无误，建议审定。" in saved.text
    response = client.post(f"{QUARTER_URL}/finalize", data={
        "evaluated_on": "2026-04-01", "approved_on": "2026-04-02", "doc_number": "潭千百十〔2026〕5号"},
        follow_redirects=True)
    assert "2026年第一季度考评结果已审定（潭千百十〔2026〕5号，审定日期 2026-04-02，评价日期 2026-04-01）。" \
        in response.text
    assert "<strong>已审定</strong>　领导小组审定：2026-04-02，潭千百十〔2026〕5号，审定人：千百十办管理员，" \
           "录入时间：2026-04-02 10:00，评价日期 2026-04-01；考评规则 2026 年第 1 版" in response.text
    assert "千百十办考评意见（2026-04-02，千百十办管理员）：各单位得分经核对无误，建议审定。" in response.text
    # the opinion is frozen with the quarter
    assert "考评意见不能再修改" in client.post(f"{QUARTER_URL}/opinion", data={
        "opinion-opinion": "改", "opinion-opinion_on": "2026-04-02"}, follow_redirects=True).text

    # later changes: an entry lowered, a new task for 湘潭县 due in Q1 that is not done
    entry = db.session.scalar(sa.select(ScoreEntry).where(ScoreEntry.unit_id == unit_named("湘乡市人民政府").id,
                                                          ScoreEntry.assessor == "miit", ScoreEntry.quarter == 1))
    entry.value = Decimal("10.00")
    task = db.session.get(Task, quarter[0].id)
    task.completed_on = None
    db.session.flush()

    frozen = client.get(QUARTER_URL)
    assert row_of(frozen.text, "湘乡市人民政府")[9:12] == ["99.00", "99.00", "1"]
    assert row_of(frozen.text, "湘潭县人民政府")[8:10] == ["10.00", "95.00"]
    explained = client.get(f"{QUARTER_URL}/units/{unit_named('湘潭县人民政府').id}/office")
    assert "15 × Σ(w·c)/Σw = 15 × 2/3 = 10.00" in explained.text

    refused = client.post(f"{QUARTER_URL}/reopen", data={"reason": "  "}, follow_redirects=True)
    assert "请填写重新打开的理由。" in refused.text
    assert "<strong>已审定</strong>" in refused.text

    reopened = client.post(f"{QUARTER_URL}/reopen", data={"reason": "市工信局更正湘乡市得分"},
                           follow_redirects=True)
    assert "2026年第一季度已重新打开，理由已记录。" in reopened.text
    assert "市工信局更正湘乡市得分" in reopened.text
    assert row_of(reopened.text, "湘乡市人民政府")[9] == "85.00"
    assert row_of(reopened.text, "湘潭县人民政府")[8] == "5.00"


def test_finalizing_an_incomplete_quarter_or_with_a_future_date_is_refused(client, login_as, clock):
    build_quarter(clock, skip={("湘乡市人民政府", "ndrc")})
    ensure_year_rules(account("admin"), YEAR)
    clock.set(datetime(2026, 4, 3, 10, 0))
    login_as("admin")

    approval = {"approved_on": "2026-04-02", "doc_number": "潭千百十〔2026〕5号"}
    incomplete = client.post(f"{QUARTER_URL}/finalize", data={"evaluated_on": "2026-03-10", **approval},
                             follow_redirects=True)
    assert "还有 1 个单位的得分未录入完整（如：湘乡市），不能审定。" in incomplete.text
    future = client.post(f"{QUARTER_URL}/finalize", data={"evaluated_on": "2026-04-04", **approval},
                         follow_redirects=True)
    assert "评价日期不能晚于今天（2026-04-03），请重新选择。" in future.text
    assert "<strong>录入中</strong>" in future.text


def test_only_the_office_sees_the_finalize_form_and_leaders_may_read(client, login_as, quarter):
    login_as("admin")
    assert 'name="evaluated_on"' in client.get(QUARTER_URL).text
    login_as("shizhang")
    page = client.get(QUARTER_URL)
    assert page.status_code == 200 and 'name="evaluated_on"' not in page.text
    assert client.post(f"{QUARTER_URL}/finalize", data={"evaluated_on": "2026-03-10", "approved_on": "2026-03-31",
                                                        "doc_number": "潭千百十〔2026〕5号"}).status_code == 403
    login_as("xtx")
    assert client.get(QUARTER_URL).status_code == 403


# --- the explanation --------------------------------------------------------------------------------------

def test_the_explanation_lists_every_task_with_its_credit_and_the_sum_formula(client, login_as, quarter):
    on_time, late = quarter
    login_as("xtx")

    response = client.get(f"{QUARTER_URL}/units/{unit_named('湘潭县人民政府').id}/office")

    assert response.status_code == 200
    assert f'href="/tasks/{on_time.id}"' in response.text and f'href="/tasks/{late.id}"' in response.text
    # in order of due date: the 重点 task due 3-04 first
    assert row_of(response.text, "1")[1:] == ["推进湘潭县智能制造产业园开工", "2026-03-04", "2026-03-09", "重点", "2",
                                             "逾期办结", "0.5", "5.00"]
    assert row_of(response.text, "2")[1:] == ["梳理重点产业链招商目录", "2026-03-20", "2026-03-02", "一般", "1",
                                             "按期办结", "1", "5.00"]
    assert row_of(response.text, "合计")[1:] == ["Σw = 3", "", "Σ(w·c) = 2", "10.00"]
    assert "15 × Σ(w·c)/Σw = 15 × 2/3 = 10.00" in response.text

    early = client.get(f"{QUARTER_URL}/units/{unit_named('湘潭县人民政府').id}/office?as_of=2026-03-05")
    assert row_of(early.text, "1")[2:8] == ["2026-03-04", "2026-03-09（晚于评价日期）", "重点", "2", "未办结", "0"]
    assert "15 × Σ(w·c)/Σw = 15 × 1/3 = 5.00" in early.text


def test_a_unit_without_tasks_gets_full_marks_in_the_explanation(client, login_as, quarter):
    login_as("admin")
    response = client.get(f"{QUARTER_URL}/units/{unit_named('湘乡市人民政府').id}/office")
    assert "按满分 15 分计" in response.text
    assert "本季度无交办事项，按满分计 = 15.00" in response.text


def test_explanation_and_quarter_page_query_counts_do_not_grow_with_tasks(client, login_as, clock, count_queries):
    county = unit_named("湘潭县人民政府")
    fill_entries()
    login_as("admin")
    explain_url = f"{QUARTER_URL}/units/{county.id}/office"

    def measure(url):
        db.session.flush()
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, response.text

    for n in range(2):
        assign(county, f"事项{n}", date(2026, 3, 20), date(2026, 3, 10))
    few_explain, text = measure(explain_url)
    assert len(re.findall(r'href="/tasks/\d+"', text)) == 2
    few_quarter, _ = measure(QUARTER_URL)
    for n in range(2, 14):
        assign(county, f"事项{n}", date(2026, 3, 20), date(2026, 3, 10), TaskPriority.key)
    many_explain, text = measure(explain_url)
    assert len(re.findall(r'href="/tasks/\d+"', text)) == 14
    many_quarter, _ = measure(QUARTER_URL)
    assert (many_explain, many_quarter) == (few_explain, few_quarter)
    # the quarter page also looks up the previous quarter for the rank movement: its state and whether it was scored
    assert few_explain <= 16 and few_quarter <= 18


# --- who may see a unit -----------------------------------------------------------------------------------

def test_staff_of_another_unit_get_404_and_their_own_unit_200(client, login_as, quarter):
    county = unit_named("湘潭县人民政府")
    login_as("gxj")
    assert client.get(f"/scoring/units/{county.id}?year={YEAR}").status_code == 404
    assert client.get(f"/scoring/units/{county.id}/trend.svg").status_code == 404
    assert client.get(f"{QUARTER_URL}/units/{county.id}/office").status_code == 404
    assert client.get(f"/scoring/units/{unit_named('市工信局').id}").status_code == 200

    login_as("xtx")
    assert client.get(f"/scoring/units/{county.id}").status_code == 200
    assert client.get(f"{QUARTER_URL}/units/{county.id}/office").status_code == 200

    for username in ("guancha", "fushizhang"):
        login_as(username)
        assert client.get(f"/scoring/units/{county.id}").status_code == 200
        assert client.get(f"{QUARTER_URL}/units/{county.id}/office").status_code == 200
    office = unit_named("市产业强市“千百十”工程办")  # not assessed
    assert client.get(f"/scoring/units/{office.id}").status_code == 404


def test_unit_page_shows_its_quarters_annual_result_and_an_inline_svg_trend(client, login_as, quarter):
    county = unit_named("湘潭县人民政府")
    login_as("xtx")

    response = client.get(f"/scoring/units/{county.id}?year={YEAR}")

    assert response.status_code == 200
    q1 = row_of(response.text, "第一季度")
    # 8 components (湘潭县's row of annex 2), then the total, final, rank in group and the group's average
    assert q1[2] == "25.00" and q1[9] == "10.00"
    assert q1[10:14] == ["95.00", "95.00", "5/5", "97.00"]  # (95 + 99 + 98 + 97 + 96) / 5
    assert LAST_PLACED in q1[14]
    assert row_of(response.text, "第二季度")[2] == "本季度尚未开始。"
    inline_svg = response.text.split("<svg", 1)[1].split("</svg>")[0]  # made in Python: the template scan misses it
    assert "<svg" in response.text and "<script" not in inline_svg and "style=" not in inline_svg
    assert "一季度95.00" in response.text  # the chart's description states each value
    assert f'href="{QUARTER_URL}/units/{county.id}/office"' in response.text
    assert row_of(response.text, "年度得分")[1] == "14.25"  # 95 × 15%, the later quarters not started
    assert "暂定结果" in response.text

    svg = client.get(f"/scoring/units/{county.id}/trend.svg?year={YEAR}")
    assert svg.mimetype == "image/svg+xml"
    assert svg.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in svg.text and "style=" not in svg.text
    assert client.get(f"/scoring/units/{county.id}?year=abc").status_code == 400


# --- the year ---------------------------------------------------------------------------------------------

def test_year_page_shows_quarters_annual_rank_points_grades_awards_flags_and_quarter_status(
        client, login_as, clock, quarter):
    for q in (2, 3, 4):
        fill_entries(quarter=q)
    admin = account("admin")
    ensure_year_rules(admin, YEAR)
    clock.set(datetime(2027, 1, 10, 9, 0))
    approve(admin, YEAR, 1, date(2026, 4, 1), approved_on=date(2026, 4, 3))
    login_as("admin")

    response = client.get(f"/scoring/{YEAR}")

    assert response.status_code == 200
    assert "湘潭市产业强市“千百十”工程 2026年度考评结果" in response.text
    assert "暂定结果" in response.text
    assert "第一季度：已审定（领导小组审定：2026-04-03，潭千百十〔2026〕1号；千百十办管理员 2027-01-10）" \
        in response.text
    assert "第二季度：录入中" in response.text
    # 湘潭县 95 in Q1 (its tasks), 100 after: 95 × 15% + 100 × 85% = 99.25, ahead of 湘乡市's 99.00
    county = row_of(response.text, "湘潭县人民政府")
    assert county[1:] == ["95.00", "100.00", "100.00", "100.00", "99.25", "1", "15.00", "未录入", "—", "15.00",
                          "真抓实干督查奖励对象"]
    assert row_of(response.text, "湘乡市人民政府")[5:11] == ["99.00", "2", "13.50", "未录入", "—", "13.50"]
    assert row_of(response.text, "岳塘区人民政府")[5:11] == ["96.00", "5", "9.00", "未录入", "—", "9.00"]
    assert row_of(response.text, "岳塘区人民政府")[-1] == ""
    # 市直: 19 of 20 tied at full marks are all 优秀; 市发改委 (98.50 with the blend) is 合格 at rank 20
    tax = row_of(response.text, "市税务局")
    assert tax[5:9] == ["100.00", "1", "优秀", "10.00"]
    assert tax[-1] == "真抓实干督查奖励对象 年度考评结果报上级主管部门"
    assert row_of(response.text, "市发改委")[5:9] == ["98.50", "20", "合格", "8.00"]
    assert "年度考评结果报上级公司" in row_of(response.text, "国网湘潭供电公司")[-1]
    assert "等次名额：优秀6、良好12、合格2" in response.text
    assert "全省排名同类市州第一" not in response.text


def test_a_year_in_progress_counts_quarters_not_started_as_zero_and_says_so(client, login_as, quarter):
    login_as("guancha")

    response = client.get(f"/scoring/{YEAR}")

    assert "第二季度：未开始" in response.text
    assert row_of(response.text, "湘乡市人民政府")[1:7] == ["99.00", "—", "—", "—", "14.85", "1"]
    assert "未开始的季度按 0 分计" in response.text


def test_province_first_and_a_policy_rate_show_on_the_year_page(client, login_as, quarter):
    admin = account("admin")
    set_province_first(admin, YEAR, True, "省政府通报")
    set_policy_rate(admin, YEAR, unit_named("湘潭县人民政府"), "85")
    login_as("guancha")

    response = client.get(f"/scoring/{YEAR}")

    assert "湘潭市“千百十”工程成效在省政府真抓实干督查激励中排名同类市州第一位" in response.text
    county = row_of(response.text, "湘潭县人民政府")
    assert county[5:12] == ["14.25", "100.00", "1", "15.00", "85.00%", "−3.00", "12.00"]
