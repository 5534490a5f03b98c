"""A 链长's 半年述职 written per chain: each chain's reporting unit (or the office) writes the chain's section for
the half-year on the chain's page; a 链长 of several chains has one section per chain (HTTP)."""

import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.chains import ChainReport, report_sections
from app.org.models import Chain
from tests.factories import person


def chains_led_by(name):
    return db.session.scalars(sa.select(Chain).where(Chain.leader_id == person(name).id)
                              .order_by(Chain.sort_order)).all()


def chain_of_unit(chains, short_name):
    return next(c for c in chains if c.leader_unit and c.leader_unit.short_name == short_name)


def reports():
    return db.session.execute(sa.select(ChainReport.chain_id, ChainReport.period_key, ChainReport.text)
                              .order_by(ChainReport.id)).all()


def test_a_leader_of_several_chains_reports_one_section_per_chain(client, login_as, clock):
    led = chains_led_by("丁诚")
    assert len(led) >= 2
    steel, power = chain_of_unit(led, "市工信局"), chain_of_unit(led, "市发改委")
    login_as("gxj")
    response = client.post(f"/ledger/chains/{steel.id}/report",
                           data={"period_key": "2026-H1", "text": "精品钢材链：上半年规模增长12%。"})
    assert response.status_code == 302
    login_as("fgw")
    response = client.post(f"/ledger/chains/{power.id}/report",
                           data={"period_key": "2026-H1", "text": "电传动链：两个项目开工。"})
    assert response.status_code == 302
    sections = report_sections(person("丁诚").id, "2026-H1")
    assert [(name, r.text) for name, r in sections] == [
        (steel.name, "精品钢材链：上半年规模增长12%。"), (power.name, "电传动链：两个项目开工。")]
    login_as("shizhang")
    html = client.get(f"/ledger/chains/{steel.id}").get_data(as_text=True)
    section = html.split('id="reports"', 1)[1]
    assert "2026年上半年" in section and "上半年规模增长12%" in section and "两个项目开工" not in section
    assert "保存本链述职" not in section  # the mayor reads; the reporting unit writes


def test_rewriting_a_section_replaces_it_audited(client, login_as, clock):
    chain = chains_led_by("杨晓军")[0]
    login_as("admin")
    client.post(f"/ledger/chains/{chain.id}/report", data={"period_key": "2025-H2", "text": "初稿"})
    client.post(f"/ledger/chains/{chain.id}/report", data={"period_key": "2025-H2", "text": "定稿"})
    assert reports() == [(chain.id, "2025-H2", "定稿")]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "chain_reports")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["chain_report.create", "chain_report.update"]


def test_bad_sections_are_refused_in_chinese_and_nothing_written(client, login_as, clock):
    chain = chains_led_by("杨晓军")[0]
    login_as("admin")
    for data, message in (
            ({"period_key": "2026-H1", "text": "   "}, "请填写述职内容"),
            ({"period_key": "2026-H1", "text": "长" * 5001}, "不能超过 5000 个字符"),
            ({"period_key": "2026-H2", "text": "还没到的半年"}, "只能填写本半年或上半年"),
            ({"period_key": "2024-H1", "text": "太早的半年"}, "只能填写本半年或上半年"),
            ({"period_key": "2026-H1", "text": "含控制字符\x07"}, "述职内容"),
    ):
        response = client.post(f"/ledger/chains/{chain.id}/report", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert reports() == []


def test_only_the_chains_reporting_unit_or_the_office_writes(client, login_as, clock):
    chain = chains_led_by("杨晓军")[0]
    assert chain.leader_unit.short_name == "市工信局"
    for username in ("xtx", "fgw", "shizhang", "guancha"):
        login_as(username)
        assert client.post(f"/ledger/chains/{chain.id}/report",
                           data={"period_key": "2026-H1", "text": "越权填写"}).status_code == 403, username
    assert reports() == []


def test_a_chain_without_leader_has_no_report(client, login_as, clock):
    chain = chains_led_by("杨晓军")[0]
    chain.leader_id = None
    db.session.flush()
    login_as("admin")
    response = client.post(f"/ledger/chains/{chain.id}/report", data={"period_key": "2026-H1", "text": "内容"})
    assert response.status_code == 400 and "尚未设置链长" in response.get_data(as_text=True)
    assert reports() == []
