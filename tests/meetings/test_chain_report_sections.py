"""The 半年述职 record of a 链长 shows his per-chain sections (ledger.chains.ChainReport, written on each chain's
page): one block per chain he leads, with the chain's name and tier, the text and who wrote it when, or 尚未填写
with a link to the chain's page; the record's Excel carries the same sections (HTTP)."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.meetings import services
from app.meetings.models import MeetingType
from app.meetings.services import RecordInput
from app.org.models import Chain
from tests.factories import person, unit
from tests.meetings.records_helpers import D, expected, semiannual

TODAY = D("2026-03-10")


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def text(response):
    return response.get_data(as_text=True)


def chains_led_by(name):
    return db.session.scalars(sa.select(Chain).where(Chain.leader_id == person(name).id)
                              .order_by(Chain.sort_order, Chain.id)).all()


def two_chains():
    """丁诚 leads the steel chain (reported by 市工信局) and the power chain (市发改委) and, for these tests, no other:
    (steel, power, the chain handed to 杨晓军)."""
    led = chains_led_by("丁诚")
    steel, power = (next(c for c in led if c.leader_unit.short_name == short) for short in ("市工信局", "市发改委"))
    others = [c for c in led if c not in (steel, power)]
    for chain in others:
        chain.leader_id = person("杨晓军").id
    db.session.commit()
    return steel, power, others[0]


def leader_record(user, name="丁诚", reporter="市工信局"):
    """The 2025-H2 半年述职 of the 链长 `name`, logged by the office."""
    meeting = expected(MeetingType.semiannual, "2025-07-01", person_obj=person(name), reporter_unit=unit(reporter))
    return services.create_record(user("admin"), meeting,
                                  RecordInput(held_on=D("2026-01-12"), minutes="下半年述职正文"), TODAY)


def write_section(client, login_as, chain, username, body):
    login_as(username)
    response = client.post(f"/ledger/chains/{chain.id}/report", data={"period_key": "2025-H2", "text": body})
    assert response.status_code == 302, text(response)


def blocks(html):
    """The chain blocks of a record page: {chain id: the block's html}."""
    if 'id="chain-sections"' not in html:
        return {}
    section = html.split('id="chain-sections"', 1)[1].split("</section>", 1)[0]
    parts = section.split('id="chain-section-')[1:]
    return {int(part.split('"', 1)[0]): part for part in parts}


def xlsx_values(client, record_id):
    response = client.get(f"/meetings/records/{record_id}.xlsx")
    assert response.status_code == 200
    data = response.data
    response.close()
    ws = load_workbook(io.BytesIO(data))["纪要"]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_a_leader_of_two_chains_sees_both_the_written_section_and_the_missing_one(client, login_as, user):
    steel, power, _ = two_chains()
    led = chains_led_by("丁诚")
    assert len(led) == 2
    write_section(client, login_as, steel, "gxj", "钢材链：下半年规模增长12%。")
    record = leader_record(user)

    login_as("guancha")
    html = text(client.get(f"/meetings/records/{record.id}"))
    found = blocks(html)
    assert list(found) == [c.id for c in led]  # one block per chain, in the document's order
    written, missing = found[steel.id], found[power.id]
    assert steel.name in written and steel.tier_label in written and "下半年规模增长12%" in written
    assert user("gxj").display_name in written and "尚未填写" not in written
    assert power.name in missing and power.tier_label in missing and "下半年规模增长12%" not in missing
    assert f'href="/ledger/chains/{power.id}#reports">尚未填写</a>' in missing
    assert "修改</a>" not in written  # the observer reads; the chain's reporting unit writes

    login_as("gxj")  # the steel chain's reporting unit: may edit its section, not the power chain's
    found = blocks(text(client.get(f"/meetings/records/{record.id}")))
    assert "修改</a>" in found[steel.id] and "请点击填写" not in found[power.id]
    login_as("fgw")
    assert "请点击填写" in blocks(text(client.get(f"/meetings/records/{record.id}")))[power.id]


def test_a_record_of_someone_leading_no_chain_has_no_chain_block(client, login_as, user):
    meeting = semiannual(day="2025-07-01")  # 湘潭县's head: a county head, no chain
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Chain)
                                 .where(Chain.leader_id == meeting.convener_person_id))
    record = services.create_record(user("xtx"), meeting, RecordInput(held_on=D("2026-01-12"), minutes="县述职"),
                                    TODAY)
    login_as("guancha")
    html = text(client.get(f"/meetings/records/{record.id}"))
    assert "县述职" in html and blocks(html) == {} and "分链述职" not in html
    assert not any("分链述职" in v or "尚未填写" in v for v in xlsx_values(client, record.id))


def test_the_export_carries_the_sections(client, login_as, user):
    steel, power, _ = two_chains()
    write_section(client, login_as, steel, "admin", "=1+1 钢材链下半年")  # formula-like text stays text
    record = leader_record(user)
    login_as("guancha")
    values = xlsx_values(client, record.id)
    assert "分链述职（2 条产业链）" in values
    assert f"{steel.name}（{steel.tier_label}）" in values and f"{power.name}（{power.tier_label}）" in values
    section = next(v for v in values if "钢材链下半年" in v)
    assert section.startswith("=1+1 钢材链下半年") and user("admin").display_name in section
    assert any(v.startswith("尚未填写") for v in values)


def test_a_section_follows_the_leader_it_was_written_for(client, login_as, user):
    """A chain handed to another 链长 after its section was written: the section stays in the predecessor's 述职 and
    shows in the new leader's with the predecessor named."""
    chain = chains_led_by("杨晓军")[0]
    write_section(client, login_as, chain, "admin", "交接前的本链述职")
    chain.leader_id = person("丁诚").id
    db.session.commit()
    before = leader_record(user, name="杨晓军")
    after = leader_record(user)
    login_as("guancha")
    old = blocks(text(client.get(f"/meetings/records/{before.id}")))
    assert "交接前的本链述职" in old[chain.id] and "前任链长" not in old[chain.id]
    new = blocks(text(client.get(f"/meetings/records/{after.id}")))
    assert len(new) == len(chains_led_by("丁诚"))
    assert "交接前的本链述职" in new[chain.id] and "前任链长 杨晓军" in new[chain.id]


def test_the_page_and_the_export_cost_the_same_statements_for_two_or_three_chains(client, login_as, user,
                                                                                   count_queries):
    steel, power, other = two_chains()
    record = leader_record(user)
    write_section(client, login_as, steel, "admin", "第一条链")
    login_as("guancha")

    def cost():
        with count_queries() as counter:
            assert client.get(f"/meetings/records/{record.id}").status_code == 200
        page = counter.count
        with count_queries() as counter:
            client.get(f"/meetings/records/{record.id}.xlsx").close()
        return page, counter.count

    cost()  # the first request of the session loads what later ones find cached
    small = cost()
    other.leader_id = person("丁诚").id
    db.session.commit()
    write_section(client, login_as, other, "admin", "第三条链")
    write_section(client, login_as, power, "admin", "第二条链")
    login_as("guancha")
    html = text(client.get(f"/meetings/records/{record.id}"))
    assert len(blocks(html)) == 3 and "第三条链" in html and "第二条链" in html
    assert cost() == small
