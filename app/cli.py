"""Command-line interface: `flask seed`, `flask demo`, `flask users create`."""

import sys

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


@click.command("seed")
def seed_command():
    """Load the organisation of the source document (idempotent; never overwrites edits)."""
    from app.org.seed import seed_organisation

    created = seed_organisation()
    db.session.commit()
    click.echo("已载入组织数据：" + "，".join(f"{k} 新增 {v}" for k, v in created.items()))


@click.command("demo")
def demo_command():
    """Create demo accounts and plausible demo data (idempotent)."""
    from app.org.demo import DEMO_PASSWORD, seed_demo_org
    from app.org.seed import seed_organisation

    seed_organisation()
    created = seed_demo_org()
    db.session.commit()
    click.echo("演示数据：" + "，".join(f"{k} 新增 {v}" for k, v in created.items()))
    click.echo(f"演示账号密码均为：{DEMO_PASSWORD}")


@click.group("users")
def users():
    """Manage user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="角色")
@click.option("--unit", "unit_name", help="所属单位全称（单位工作人员、管理员必填）")
@click.option("--person", "person_name", help="关联的领导姓名（市领导必填）")
@click.option("--display-name", default=None, help="显示的姓名")
def create_user_command(username, role, unit_name, person_name, display_name):
    """Create a user; the password is read from a prompt, or from stdin when piped (never an argument)."""
    from app.auth.services import create_user

    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    else:
        password = sys.stdin.readline().rstrip("\n")
    unit = person = None
    if unit_name:
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"找不到单位“{unit_name}”，请使用单位全称。")
    if person_name:
        person = db.session.scalar(sa.select(Person).where(Person.name == person_name))
        if person is None:
            raise click.ClickException(f"找不到人员“{person_name}”。")
    try:
        user = create_user(None, username, display_name or username, password, Role(role), unit, person)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    current_app.logger.info("user %s created from the command line", user.username)
    click.echo(f"已创建账号 {user.username}（{user.role.label}）。")
