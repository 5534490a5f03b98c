"""Command-line interface: `flask seed`, `flask demo`, `flask users create` (and the commands of other packages:
`flask scheduler`, `flask reminders`, `flask backup`, `flask restore`)."""

import sys
import time

import click
import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role
from app.core.errors import ServiceError
from app.extensions import db
from app.org.models import Person, Unit


def register_cli(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users)
    from app.reminders.cli import reminders_group, scheduler_command

    app.cli.add_command(scheduler_command)
    app.cli.add_command(reminders_group)
    from app.core.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("seed")
def seed_command():
    """Load the organisation of the source document (idempotent; never overwrites edits)."""
    from app.org.seed import seed_organisation

    created = seed_organisation()
    db.session.commit()
    click.echo("已载入组织数据：" + "，".join(f"{k} 新增 {v}" for k, v in created.items()))


@click.command("demo")
@click.option("--scale", type=click.Choice(["demo", "stress"]), default="demo", show_default=True,
              help="demo：约150条演示事项，上一年度和本年度已过季度的演示考评，约1500家企业、600个项目的演示台账；"
                   "stress：另加5万条压测事项及其反馈和记录，2万家企业、5千个项目各48个月数据的压测台账")
def demo_command(scale):
    """Create demo accounts and plausible demo data (idempotent)."""
    from app.auth.passwords import DEMO_PASSWORD
    from app.core.clock import today
    from app.demo.criteria import seed_demo_criteria
    from app.demo.ledger import seed_demo_ledger
    from app.demo.meetings import seed_demo_meetings
    from app.demo.org import seed_demo_org
    from app.demo.scoring import seed_demo_scores
    from app.demo.tasks import seed_demo_tasks
    from app.org.seed import seed_organisation

    seed_stress_tasks = _stress_seeder() if scale == "stress" else None
    seed_stress_ledger = _stress_ledger_seeder() if scale == "stress" else None
    seed_organisation()
    created = seed_demo_org()
    db.session.commit()
    click.echo("演示数据：" + "，".join(f"{k} 新增 {v}" for k, v in created.items()))
    tasks = seed_demo_tasks(today())
    db.session.commit()
    click.echo("演示事项：" + "，".join(f"{k} 新增 {v}" for k, v in tasks.items()))
    if scale == "stress":
        seed_stress_tasks(today(), echo=click.echo)
        db.session.commit()
    started = time.perf_counter()  # after the tasks' demo, whose unit accounts report the ledger's figures
    ledger = seed_demo_ledger(today())
    db.session.commit()
    click.echo("演示台账：企业 {enterprises} 家、项目 {projects} 个、月度数据 {figures} 条、报送 {submissions} 次"
               .format(**ledger) + f"，用时 {time.perf_counter() - started:.1f} 秒")
    if scale == "stress":
        seed_stress_ledger(today(), echo=click.echo)
        db.session.commit()
    started = time.perf_counter()
    criteria = seed_demo_criteria(today())  # before the scores: publishing changes rules no finalized quarter used
    db.session.commit()
    click.echo("演示考评细则：" + "，".join(f"{k} 新增 {v}" for k, v in criteria.items())
               + f"，用时 {time.perf_counter() - started:.1f} 秒")
    started = time.perf_counter()
    scores = seed_demo_scores(today())
    db.session.commit()
    click.echo("演示考评：" + "，".join(f"{k} 新增 {v}" for k, v in scores.items())
               + f"，用时 {time.perf_counter() - started:.1f} 秒")
    meetings = seed_demo_meetings(today())
    db.session.commit()
    click.echo("演示会议：" + "，".join(f"{k} {v}" for k, v in meetings.items()))
    click.echo(f"演示账号密码均为：{DEMO_PASSWORD}")


def _stress_seeder():
    """The 50,000-task generator, which lives with the benchmarks (benchmarks/stress_data.py says why); asked for
    before anything is written, so that a copy of the app without benchmarks/ refuses without seeding half."""
    try:
        from benchmarks.stress_data import seed_stress_tasks
    except ModuleNotFoundError as error:
        if error.name not in ("benchmarks", "benchmarks.stress_data"):
            raise
        raise click.ClickException("压测数据由 benchmarks/stress_data.py 生成，本部署没有 benchmarks 目录；"
                                   "请在完整的代码目录中运行 flask demo --scale stress") from None
    return seed_stress_tasks


def _stress_ledger_seeder():
    """The ledger's 20,000 enterprises and 5,000 projects (benchmarks/stress_ledger.py), asked for like the tasks'."""
    try:
        from benchmarks.stress_ledger import seed_stress_ledger
    except ModuleNotFoundError as error:
        if error.name not in ("benchmarks", "benchmarks.stress_ledger"):
            raise
        raise click.ClickException("台账压测数据由 benchmarks/stress_ledger.py 生成，本部署没有 benchmarks 目录；"
                                   "请在完整的代码目录中运行 flask demo --scale stress") from None
    return seed_stress_ledger


@click.group("users")
def users():
    """Manage user accounts."""


ROLE_CHOICES = "、".join(f"{r.value}（{r.label}）" for r in Role)


@users.command("create")
@click.argument("username")
@click.option("--role", "role_value", help=f"角色：{ROLE_CHOICES}")
@click.option("--unit", "unit_name", help="所属单位全称（单位工作人员、管理员必填）")
@click.option("--person", "person_name", help="关联的领导姓名（市领导必填）")
@click.option("--display-name", default=None, help="显示的姓名")
def create_user_command(username, role_value, unit_name, person_name, display_name):
    """Create a user; the password is read from a prompt, or from stdin when piped (never an argument)."""
    from app.auth.services import create_user

    # Checked here, in Chinese, before asking for the password (click's own messages are English).
    if not role_value:
        raise click.ClickException(f"请用 --role 指定角色，可选：{ROLE_CHOICES}。")
    try:
        role = Role(role_value)
    except ValueError:
        raise click.ClickException(f"未知的角色“{role_value}”，可选：{ROLE_CHOICES}。") from None
    unit = person = None
    if unit_name:
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"找不到单位“{unit_name}”，请使用单位全称。")
    if person_name:
        person = db.session.scalar(sa.select(Person).where(Person.name == person_name))
        if person is None:
            raise click.ClickException(f"找不到人员“{person_name}”。")
    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(None, username, display_name or username, password, role, unit, person)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    current_app.logger.info("user %s created from the command line", user.username)
    click.echo(f"已创建账号 {user.username}（{user.role.label}）。")
