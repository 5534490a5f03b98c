"""The dispatch list's pages: who opens which leader's list (the mayor and the party secretary any, with a switcher;
a vice mayor his own), the summary and the red-first order on the page, 催办 from the list (one or many, all or
nothing, confirmed when urged within the hour), the office's numbered issue and the printed 督办 sheet."""

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.clock import today
from app.core.models import AuditEntry
from app.core.periods import Xun
from app.extensions import db
from app.org.queries import portfolio_unit_ids, vice_mayors
from app.tasks import services
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.dispatch_sheets import DispatchSheet
from app.tasks.models import Task, Urge
from tests.factories import account, assign_task, person

XUN = "2026-03-1"  # the clock fixture's 旬: 2026-03-01 … 03-10, today 03-10


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def post(client, url, data, status=302):
    response = client.post(url, data=data)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response


def flashed(client):
    with client.session_transaction() as session:
        return [message for _, message in session.pop("_flashes", [])]


def urges():
    return db.session.scalar(sa.select(sa.func.count(Urge.id)))


@pytest.fixture
def lit(clock):
    """市工信局 (丁诚's portfolio): a red, a yellow and a green task, assigned by the office; one assigned by the
    mayor to 市大数据中心 (丁诚's too)."""
    tasks = {
        "green": assign_task("绿灯事项（调度页）", due="2026-03-31", assigned="2026-02-20"),
        "red": assign_task("红灯事项（调度页）", due="2026-03-05", assigned="2026-02-20"),
        "yellow": assign_task("黄灯事项（调度页）", due="2026-03-11", assigned="2026-03-02"),
        "mayors": assign_task("市长交办事项（调度页）", lead="市大数据和产业创新发展中心", due="2026-03-31",
                              assigned="2026-02-20", by="shizhang"),
    }
    db.session.commit()
    return tasks


def dingcheng():
    return person("丁诚").id


# --- who opens which list ------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["shizhang", "shuji"])
def test_the_mayor_and_the_party_secretary_open_any_vice_mayors_list_with_a_switcher(client, login_as, lit,
                                                                                       username):
    login_as(username)
    html = page(client, f"/tasks/dispatch?person={dingcheng()}")
    assert "<h1 class=\"h4 text-center\">副市长丁诚 2026年3月上旬调度清单</h1>" in html
    assert "红灯事项（调度页）" in html
    switcher = re.search(r'<select[^>]*id="dispatch-person".*?</select>', html, re.S).group(0)
    names = re.findall(r"<option[^>]*>([^<]+)</option>", switcher)
    assert names == [p.name for p in vice_mayors(today())] and "丁诚" in names and len(names) > 1
    assert "胡贺波" not in names and "刘志仁" not in names
    other = person("杨晓军").id
    assert "副市长杨晓军 2026年3月上旬调度清单" in page(client, f"/tasks/dispatch?person={other}")


def test_the_mayor_without_a_person_gets_the_first_vice_mayors_list_not_his_own(client, login_as, lit):
    login_as("shizhang")
    html = page(client, "/tasks/dispatch")
    first = vice_mayors(today())[0]
    assert first.name == "吴志雄"  # the first vice mayor, the 常务副市长
    assert re.search(r"<title>(.*?) ·", html).group(1) == "常务副市长吴志雄 2026年3月上旬调度清单"
    assert "胡贺波" not in re.search(r"<h1.*?</h1>", html, re.S).group(0)


def test_a_vice_mayor_still_opens_only_his_own_list_without_a_switcher(client, login_as, lit):
    login_as("fushizhang")
    assert "没有权限" in page(client, f"/tasks/dispatch?person={dingcheng()}", status=403)
    assert "没有权限" in page(client, f"/tasks/dispatch/sheet?person={dingcheng()}", status=403)
    response = client.post("/tasks/dispatch/urge", data={"person": dingcheng(), "xun": XUN,
                                                         "task": lit["red"].id, "level": 1, "note": "请加快"})
    assert response.status_code == 403 and urges() == 0
    login_as("fushizhang2")
    html = page(client, "/tasks/dispatch")
    assert "副市长丁诚 2026年3月上旬调度清单" in html and 'id="dispatch-person"' not in html


# --- the page ------------------------------------------------------------------------------------------------

def test_the_page_sums_up_the_list_puts_the_light_first_and_red_first(client, login_as, lit):
    login_as("fushizhang2")
    html = page(client, "/tasks/dispatch")
    summary = re.search(r'<div class="dispatch-summary.*?</div>', html, re.S).group(0)
    assert "4 项：红灯 1 · 黄灯 1 · 绿灯 2 · 办结 0" in summary
    assert "本旬新交办 1 项" in summary  # the yellow one, assigned on 03-02
    heading = re.search(r"<th colspan=\"8\">.*?市工信局.*?</th>", html, re.S).group(0)
    assert "3 项：红灯 1 · 黄灯 1 · 绿灯 1 · 办结 0 · 本旬新交办 1" in heading
    assert re.search(r"<thead[^>]*><tr><th[^>]*>亮灯</th>", html)
    positions = [html.index(t) for t in ("红灯事项（调度页）", "黄灯事项（调度页）", "绿灯事项（调度页）")]
    assert positions == sorted(positions)
    first_row = re.search(r'<tr class="dispatch-row dispatch-row-red">\s*<td class="col-light"><span class="badge '
                          r'[^"]*">红灯</span>', html)
    assert first_row


def test_urge_checkboxes_only_for_tasks_the_user_may_urge(client, login_as, lit):
    def boxes(username):
        login_as(username)
        html = page(client, f"/tasks/dispatch?person={dingcheng()}")
        return {int(v) for v in re.findall(r'name="task" value="(\d+)"', html)}, 'name="note"' in html

    everything = {t.id for t in lit.values()}
    assert boxes("admin") == (everything, True)
    assert boxes("fushizhang2") == (everything, True)  # his portfolio
    assert boxes("shizhang") == ({lit["mayors"].id}, True)  # the task he assigned
    assert boxes("guancha") == (set(), False)
    dl = dispatch_list(person("丁诚"), Xun.parse(XUN), today())
    for username in ("admin", "fushizhang2", "shizhang", "shuji", "fushizhang", "guancha", "gxj"):
        user = account(username)
        expected = {row.task.id for row in dl.rows
                    if services.can_urge(user, db.session.get(Task, row.task.id), today())}
        assert services.urgeable_task_ids(user, [r.task for r in dl.rows], today()) == expected, username
        known = dl.portfolio_of(user, today())
        if known is not None:  # his own list: the portfolio it was drawn up from is his, and gives the same answer
            assert known == portfolio_unit_ids(user.person_id, today())
            assert services.urgeable_task_ids(user, [r.task for r in dl.rows], today(), portfolio=known) == expected
    assert dl.portfolio_of(account("fushizhang2"), today()) is not None  # 丁诚's own list of the current 旬
    assert dispatch_list(person("丁诚"), Xun.parse(XUN).previous(), today()).portfolio_of(
        account("fushizhang2"), today()) is None  # a past 旬: drawn up from another day's portfolio
    assert dl.portfolio_of(account("admin"), today()) is None and dl.portfolio_of(account("shizhang"), today()) is None


# --- 催办 from the list --------------------------------------------------------------------------------------

def test_urging_several_tasks_from_the_list_urges_each_at_the_level_chosen(client, login_as, lit):
    login_as("fushizhang2")
    chosen = [lit["red"].id, lit["yellow"].id]
    post(client, "/tasks/dispatch/urge", {"person": dingcheng(), "xun": XUN, "task": chosen, "level": 2,
                                          "note": "本旬内报送整改情况"})
    assert flashed(client) == ["已督办 2 项事项。"]
    rows = db.session.scalars(sa.select(Urge).order_by(Urge.task_id)).all()
    assert [(u.task_id, u.level, u.note) for u in rows] == [(i, 2, "本旬内报送整改情况") for i in sorted(chosen)]
    audited = db.session.scalars(sa.select(AuditEntry.object_id).where(AuditEntry.action == "task.urge")).all()
    assert sorted(int(i) for i in audited) == sorted(chosen)


def test_urging_from_the_list_is_all_or_nothing_and_names_the_refused_task(client, login_as, lit):
    login_as("shizhang")  # may urge the task he assigned, not the office's
    post(client, "/tasks/dispatch/urge", {"person": dingcheng(), "xun": XUN, "level": 1, "note": "请加快",
                                          "task": [lit["mayors"].id, lit["red"].id]})
    assert flashed(client) == ["“红灯事项（调度页）”：只有交办单位、交办领导或分管市领导可以催办。"]
    assert urges() == 0 and db.session.get(Task, lit["mayors"].id).urge_count == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"level": 1, "note": ""}, "请填写催办说明"),
    ({"level": 9, "note": "请加快"}, "请选择催办级别（催办、督办或通报）。"),
    ({"level": 1, "note": "请加快", "task": []}, "请勾选要催办的事项。"),
    ({"level": 1, "note": "请加快", "task": ["999999"]}, "所选事项有的已不存在"),
])
def test_urging_from_the_list_refuses_bad_input_in_chinese_writing_nothing(client, login_as, lit, data, message):
    login_as("admin")
    form = {"person": dingcheng(), "xun": XUN, "task": [lit["red"].id, lit["green"].id], **data}
    post(client, "/tasks/dispatch/urge", form)
    assert any(message in m for m in flashed(client)), flashed(client)
    assert urges() == 0


def test_a_task_urged_within_the_hour_asks_to_confirm_then_urges_all(client, login_as, lit, clock):
    services.urge_task(account("admin"), lit["red"], 1, "第一次催办", today())
    db.session.commit()
    clock.set(clock.now() + timedelta(minutes=20))
    login_as("fushizhang2")
    form = {"person": dingcheng(), "xun": XUN, "task": [lit["red"].id, lit["green"].id], "level": 1,
            "note": "再次催办"}
    response = post(client, "/tasks/dispatch/urge", form, status=409)
    html = response.get_data(as_text=True)
    recent = re.search(r'<ul id="urge-recent">.*?</ul>', html, re.S).group(0)
    assert "红灯事项（调度页）" in recent and "绿灯事项（调度页）" not in recent
    assert "仍要催办（2 项）" in html and 'name="confirmed" value="1"' in html
    assert urges() == 1  # nothing more: not even the green one
    post(client, "/tasks/dispatch/urge", {**form, "confirmed": "1"})
    assert flashed(client) == ["已催办 2 项事项。"]
    assert urges() == 3


# --- the 督办 sheet -----------------------------------------------------------------------------------------

def test_the_office_issues_numbers_in_sequence_once_per_list_audited(client, login_as, lit):
    login_as("admin")
    sheet_url = f"/tasks/dispatch/sheet?person={dingcheng()}&xun={XUN}"
    assert "（未编号）" in page(client, sheet_url)
    response = post(client, "/tasks/dispatch/issue", {"person": dingcheng(), "xun": XUN})
    assert response.headers["Location"].endswith(sheet_url)
    assert flashed(client) == ["已编号签发：千百十办〔2026〕第 1 期。"]
    post(client, "/tasks/dispatch/issue", {"person": dingcheng(), "xun": XUN})
    assert flashed(client) == ["该清单已签发，编号为 千百十办〔2026〕第 1 期。"]
    post(client, "/tasks/dispatch/issue", {"person": person("杨晓军").id, "xun": XUN})
    post(client, "/tasks/dispatch/issue", {"person": dingcheng(), "xun": "2026-03-2"})
    sheets = db.session.scalars(sa.select(DispatchSheet).order_by(DispatchSheet.number)).all()
    assert [(s.year, s.number, s.person.name, s.xun_key) for s in sheets] == [
        (2026, 1, "丁诚", XUN), (2026, 2, "杨晓军", XUN), (2026, 3, "丁诚", "2026-03-2")]
    audited = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "dispatch_sheet.issue")).all()
    assert sorted(a.after["number"] for a in audited) == [1, 2, 3]
    html = page(client, sheet_url)
    assert "千百十办〔2026〕第 1 期" in html and "（未编号）" not in html
    assert "已签发：千百十办〔2026〕第 1 期" in page(client, f"/tasks/dispatch?person={dingcheng()}&xun={XUN}")


def test_numbers_start_again_each_year(client, login_as, lit, clock):
    login_as("admin")
    post(client, "/tasks/dispatch/issue", {"person": dingcheng(), "xun": XUN})
    clock.set(datetime(2027, 1, 5, 9, 0))
    login_as("admin")
    flashed(client)
    post(client, "/tasks/dispatch/issue", {"person": dingcheng(), "xun": "2027-01-1"})
    assert flashed(client) == ["已编号签发：千百十办〔2027〕第 1 期。"]


@pytest.mark.parametrize("username", ["shizhang", "fushizhang2", "guancha", "gxj"])
def test_only_the_office_issues_a_sheet(client, login_as, lit, username):
    login_as(username)
    response = client.post("/tasks/dispatch/issue", data={"person": dingcheng(), "xun": XUN})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(DispatchSheet.id))) == 0


def test_the_print_sheet_has_the_header_number_date_signatures_and_paged_a4_css(client, login_as, lit):
    login_as("fushizhang2")
    html = page(client, "/tasks/dispatch/sheet")
    assert "湘潭市产业强市“千百十”工程工作领导小组办公室" in html
    assert '<span id="sheet-number">（未编号）</span>' in html and "2026年3月10日" in html
    assert "副市长丁诚 2026年3月上旬调度清单（督办单）" in html
    assert "4 项：红灯 1 · 黄灯 1 · 绿灯 2 · 办结 0" in html
    signatures = re.search(r'<footer class="sheet-signatures".*?</footer>', html, re.S).group(0)
    assert re.findall(r"<span>(.*?)</span>", signatures) == ["签发人：", "经办人：", "日期："]
    assert "编号签发" not in html  # the office's button only
    css = (Path(__file__).parents[2] / "app/static/css/dispatch.css").read_text()
    assert re.search(r"@page\s*{[^}]*size: A4", css)
    assert 'content: "第 " counter(page) " 页 共 " counter(pages) " 页"' in css
    assert re.search(r"\.dispatch-sheet tr[^{]*{[^}]*break-inside: avoid", css)
    assert 'href="/static/css/dispatch.css"' in html
    login_as("admin")
    assert "编号签发" in page(client, f"/tasks/dispatch/sheet?person={dingcheng()}")
