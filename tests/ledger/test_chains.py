"""Chains in the ledger: the list, the chain's page for its 链长, the office's edit of a chain's tier (HTTP)."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    Project,
    ProjectStage,
    SubjectLink,
)
from app.org.models import Chain
from tests.factories import make_task
from tests.factories import unit as unit_named

_serial = iter(range(10**6))


def first_chain():
    return db.session.scalar(sa.select(Chain).order_by(Chain.sort_order))


def add_enterprise(chain, name, unit="湘潭县人民政府", master=False, revenue=None, month=date(2026, 2, 1)):
    e = Enterprise(name=name, uscc=f"91430300TEST{next(_serial):06d}", unit_id=unit_named(unit).id,
                   revenue_tier=10 if master else None)
    db.session.add(e)
    db.session.flush()
    db.session.add(EnterpriseChain(enterprise_id=e.id, chain_id=chain.id, is_master=master))
    if revenue is not None:
        db.session.add(EnterpriseFigure(enterprise_id=e.id, month=month, revenue=Decimal(revenue)))
    db.session.flush()
    return e


def add_project(chain, name, stage=ProjectStage.started, unit="湘潭县人民政府", total="150000"):
    p = Project(code=f"XM-{next(_serial):05d}", name=name, unit_id=unit_named(unit).id, chain_id=chain.id,
                total_investment=Decimal(total), stage=stage)
    db.session.add(p)
    db.session.flush()
    return p


def add_scale(chain, month, scale):
    db.session.add(ChainFigure(chain_id=chain.id, month=month, scale=Decimal(scale)))
    db.session.flush()


def tag_task(chain, title, lead="市工信局"):
    task = make_task(lead, title=title)
    db.session.add(SubjectLink(task_id=task.id, chain_id=chain.id))
    db.session.flush()
    return task


def populate(chain, n):
    chains = db.session.scalars(sa.select(Chain)).all()
    for i in range(n):
        tag_task(chain, f"链上事项{i}", lead=["市工信局", "湘潭县人民政府", "市发改委"][i % 3])
        add_enterprise(chain, f"链上企业{i}", master=i == 0, revenue=str(10000 * (i + 1)))
        add_project(chain, f"链上项目{i}", stage=list(ProjectStage)[i % 6])
        for c in chains:
            month = date(2026, 1 + i % 3, 1)
            if db.session.scalar(sa.select(ChainFigure).filter_by(chain_id=c.id, month=month)) is None:
                add_scale(c, month, str(100 + i))


def test_the_list_shows_every_chain_with_its_scale_share_and_members_sum(client, login_as, clock):
    chain = first_chain()
    add_enterprise(chain, "链主甲", master=True, revenue="150000")
    add_enterprise(chain, "成员乙", revenue="50000")
    add_project(chain, "链上项目")
    add_scale(chain, date(2026, 1, 1), "80")
    add_scale(chain, date(2026, 2, 1), "250")
    add_scale(chain, date(2026, 4, 1), "999")  # a month after today (2026-03-10) is ignored
    login_as("shizhang")
    response = client.get("/ledger/chains")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("/ledger/chains/") == db.session.scalar(sa.select(sa.func.count()).select_from(Chain)) == 12
    row = html.split(chain.name, 1)[1].split("</tr>", 1)[0]
    assert "250.00" in row and "2026年2月" in row and "999" not in row
    assert f"{Decimal(250) * 100 / chain.tier:.1f}%" in row
    assert "20.00" in row  # (150000 + 50000) 万元 = 20.00 亿元, beside the reported scale


def test_the_chain_page_shows_months_members_and_projects_by_stage(client, login_as, clock):
    chain = first_chain()
    add_enterprise(chain, "链主甲", master=True, revenue="150000")
    add_enterprise(chain, "成员乙", revenue="50000", unit="湘潭高新区管委会")
    add_project(chain, "在建的链上项目", stage=ProjectStage.building)
    add_scale(chain, date(2026, 2, 1), "250")
    login_as("shizhang")
    html = client.get(f"/ledger/chains/{chain.id}").get_data(as_text=True)
    assert "链主甲" in html and "成员乙" in html and "在建的链上项目" in html
    assert "2026年逐月规模" in html and "12月" in html
    building = html.split("在建（1）", 1)[1].split("</table>", 1)[0]
    assert "在建的链上项目" in building


def test_a_county_reads_only_its_own_members_and_projects(client, login_as, clock):
    chain = first_chain()
    add_enterprise(chain, "湘潭县的企业")
    add_enterprise(chain, "高新区的企业", unit="湘潭高新区管委会")
    add_project(chain, "高新区的项目", unit="湘潭高新区管委会")
    login_as("xtx")
    html = client.get(f"/ledger/chains/{chain.id}").get_data(as_text=True)
    assert "湘潭县的企业" in html
    assert "高新区的企业" not in html and "高新区的项目" not in html
    assert "另有 1 家" in html and "另有 1 个" in html


def test_the_chain_page_lists_the_tasks_tagged_to_it(client, login_as, clock):
    chain = first_chain()
    other = db.session.scalars(sa.select(Chain).order_by(Chain.sort_order)).all()[1]
    tag_task(chain, "补链招商专项事项")
    tag_task(other, "别的产业链的事项")
    login_as("shizhang")
    html = client.get(f"/ledger/chains/{chain.id}").get_data(as_text=True)
    tasks = html.split("关联事项", 1)[1]
    assert "补链招商专项事项" in tasks and "别的产业链的事项" not in tasks


def test_an_absent_chain_is_404(client, login_as):
    login_as("admin")
    assert client.get("/ledger/chains/999999").status_code == 404


def test_the_pages_statement_count_does_not_grow_with_rows(client, login_as, clock, count_queries):
    chain = first_chain()
    login_as("shizhang")
    populate(chain, 2)
    client.get(f"/ledger/chains/{chain.id}")
    counts = []
    for n in (0, 8):
        populate(chain, n)
        for url in ("/ledger/chains", f"/ledger/chains/{chain.id}"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append((url, counter.count))
    assert counts[:2] == counts[2:]


def test_the_office_sets_a_chains_tier_audited(client, login_as):
    chain = first_chain()
    old = chain.tier
    login_as("admin")
    response = client.post(f"/ledger/chains/{chain.id}/tier", data={"tier": "1200"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Chain, chain.id).tier == 1200
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "chain.tier")
                              .order_by(AuditEntry.id.desc()))
    assert entry.before == {"tier": old} and entry.after == {"tier": 1200}


def test_a_bad_tier_is_refused_in_chinese_and_nothing_written(client, login_as):
    chain = first_chain()
    old = chain.tier
    login_as("admin")
    for value, message in (("", "请填写目标规模"), ("abc", "必须是整数"), ("-5", "之间的整数"), ("0", "之间的整数"),
                           ("1000000", "之间的整数")):
        response = client.post(f"/ledger/chains/{chain.id}/tier", data={"tier": value})
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True), value
    db.session.expire_all()
    assert db.session.get(Chain, chain.id).tier == old


def test_only_the_office_sets_a_tier(client, login_as):
    chain = first_chain()
    login_as("shizhang")
    assert client.post(f"/ledger/chains/{chain.id}/tier", data={"tier": "1200"}).status_code == 403
    login_as("gxj")
    assert client.get(f"/ledger/chains/{chain.id}/tier").status_code == 403
    db.session.expire_all()
    assert db.session.get(Chain, chain.id).tier != 1200
