"""`flask backup PATH` and `flask restore PATH`: the database and the uploaded files (the logic is in
app.core.backup)."""

import os

import click
import sqlalchemy as sa
from flask import current_app

from app.core.backup import backup, default_file_name, restore
from app.core.clock import get_clock
from app.core.errors import ServiceError
from app.core.uploads import upload_folder
from app.extensions import db


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=True, file_okay=True))
def backup_command(path):
    """Write a consistent backup of the running database and the uploaded files to PATH: one .tar archive (a new
    file, or a folder to put qbs-YYYYMMDD-HHMMSS.tar in)."""
    moment = get_clock().local_now()
    try:
        if os.path.isdir(path):
            path = os.path.join(path, default_file_name(moment))
        result = backup(db.engine, path, upload_folder(), moment)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    except sa.exc.OperationalError as error:
        raise click.ClickException(_unreachable(error)) from None
    kind = "SQLite 数据库" if result.kind == "sqlite" else "PostgreSQL 数据库（pg_dump 自定义格式）"
    click.echo(f"已备份{kind}（{result.tables} 张表）和 {result.files} 个上传文件（{_size(result.files_size)}）"
               f"到 {result.path}，共 {_size(result.size)}。")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
def restore_command(path):
    """Restore the backup PATH into the empty database of DATABASE_URL and the empty upload folder (refused when
    either holds data); every file is checked against the backup's manifest."""
    folder = upload_folder()
    try:
        result = restore(db.engine, path, folder)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    except sa.exc.OperationalError as error:
        raise click.ClickException(_unreachable(error)) from None
    if result.legacy:
        click.echo(f"已从 {os.path.abspath(path)} 恢复数据库：{result.tables} 张表，数据版本 {result.revision}。")
        click.echo("注意：这是旧格式的备份，只含数据库，不含上传的佐证材料和会议附件；"
                   f"请另行把这些文件恢复到 {folder}，否则下载时会提示文件不存在。")
    else:
        click.echo(f"已从 {os.path.abspath(path)} 恢复：{result.tables} 张表，数据版本 {result.revision}；"
                   f"{result.files} 个上传文件已放入 {folder}，校验全部通过。")
    head = _head_revision()
    if head and result.revision != head:
        click.echo(f"该备份的数据版本早于当前程序（{head}），请接着运行 flask db upgrade。")


def _unreachable(error):
    detail = str(error.orig).strip().splitlines()[-1] if error.orig is not None else ""
    return (f"无法连接数据库 {db.engine.url.render_as_string(hide_password=True)}（{detail}）。请检查 DATABASE_URL；"
            "PostgreSQL 的目标数据库须先用 createdb 建好。")


def _head_revision():
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    directory = current_app.extensions["migrate"].directory
    config = Config(os.path.join(directory, "alembic.ini"))
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config).get_current_head()


def _size(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
