"""`flask scheduler` and `flask reminders scan|deliver --now ...` (for tests and cron)."""

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core.clock import FrozenClock
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.scheduler import LockLost, run_scheduler


def _parse_now(value):
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("时间格式应为 2026-03-10T09:00") from None


def _clock_at(now):
    """Install a frozen clock at `now` (local time when naive) so that the whole run sees that moment."""
    clock = FrozenClock(now, tz=current_app.config["TIMEZONE"])
    current_app.extensions["clock"] = clock
    return clock.now()


@click.command("scheduler")
def scheduler_command():
    """Run the scheduler (one active process; others wait as standby)."""
    click.echo("调度进程启动：等待获得调度锁……")
    try:
        run_scheduler(current_app._get_current_object())
    except LockLost as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo("调度进程已停止。")


@click.group("reminders")
def reminders_group():
    """Reminder jobs, run once."""


@reminders_group.command("scan")
@click.option("--now", "now_text", help="按此时间扫描，如 2026-03-10T09:00（默认当前时间）")
@with_appcontext
def scan_command(now_text):
    now = _clock_at(_parse_now(now_text)) if now_text else current_app.extensions["clock"].now()
    result = jobs.scan(now)
    db.session.commit()
    click.echo(f"扫描完成：到期提醒 {result['due']} 条，新加入发送队列 {result['created']} 条。")


@reminders_group.command("deliver")
@click.option("--now", "now_text", help="按此时间发送，如 2026-03-10T09:00（默认当前时间）")
@click.option("--limit", default=500, show_default=True, help="本次最多发送条数")
@with_appcontext
def deliver_command(now_text, limit):
    now = _clock_at(_parse_now(now_text)) if now_text else current_app.extensions["clock"].now()
    result = outbox.deliver(now, limit)
    click.echo(f"发送完成：领取 {result['claimed']} 条，成功 {result['sent']} 条，待重试 {result['retried']} 条，"
               f"失败 {result['failed']} 条。")
