"""Irreversible scoring actions name their consequence before posting (issue 16, section 3): the quarter's and
the year's 审定 and reopening, and the year's 不合格 decisions, are clearly labelled submit buttons carrying
data-confirm, which js/confirm.js (loaded on every page) shows in the browser's dialog. The browser side (the
dialog appears, 取消 leaves the quarter open) is tests/e2e/test_journey_glance_charts.py."""

import re
from datetime import datetime

from app.scoring.year_rules import ensure_year_rules
from tests.factories import account
from tests.scoring.test_results_views import QUARTER_URL, build_quarter


def _button(html, value):
    found = re.search(r'<input[^>]*value="' + re.escape(value) + r'"[^>]*>', html) or \
        re.search(r'<button[^>]*data-confirm="[^"]*"[^>]*>' + re.escape(value), html)
    assert found, value
    return found.group(0)


def _confirm(tag):
    found = re.search(r'data-confirm="([^"]*)"', tag)
    assert found, tag
    return found.group(1)


def test_finalizing_and_reopening_a_quarter_ask_first_and_name_the_consequence(client, login_as, clock):
    build_quarter(clock)
    ensure_year_rules(account("admin"), 2026)
    clock.set(datetime(2026, 4, 2, 10, 0))
    login_as("admin")
    html = client.get(QUARTER_URL).text
    finalize = _button(html, "审定并冻结2026年第一季度结果")
    assert 'type="submit"' in finalize
    assert _confirm(finalize) == ("确认审定后2026年第一季度得分和排名将冻结，不能再修改，只能由千百十办说明理由、"
                                  "记录在案后重新打开。确定审定吗？")
    assert "重新打开2026年第一季度结果" not in html  # one action at a time: an open quarter can only be finalized

    client.post(f"{QUARTER_URL}/opinion", data={"opinion-opinion": "建议审定。", "opinion-opinion_on": "2026-04-02"})
    done = client.post(f"{QUARTER_URL}/finalize", data={
        "evaluated_on": "2026-04-01", "approved_on": "2026-04-02", "doc_number": "潭千百十〔2026〕5号"},
        follow_redirects=True)
    assert "<strong>已审定</strong>" in done.text
    reopen = _button(done.text, "重新打开2026年第一季度结果")
    assert "理由将记录在案" in _confirm(reopen) and "确定重新打开吗？" in _confirm(reopen)
    assert "审定并冻结2026年第一季度结果" not in done.text


def test_the_year_and_its_fail_decisions_ask_first(client, login_as, clock):
    ensure_year_rules(account("admin"), 2026)
    login_as("admin")
    year = client.get("/scoring/2026").text
    finalize = _button(year, "审定并冻结年度结果")
    assert "年度结果（得分、排名、等次和奖项）将冻结，不能再修改" in _confirm(finalize)
    admin = client.get("/scoring/2026/admin").text
    fail = _button(admin, "录入不合格决定")
    assert "年度等次将评为“不合格”" in _confirm(fail)


def test_leaders_see_no_finalize_button(client, login_as, clock):
    build_quarter(clock)
    login_as("shuji")
    assert "data-confirm" not in client.get(QUARTER_URL).text
