"""Backing up the whole database while the app runs, and restoring a backup into an empty database.

SQLite: sqlite3's online backup API (`Connection.backup`) copies every page in one step inside one read
transaction, so the copy is the database at one committed moment while writers go on (WAL mode). The copy is
itself an SQLite database, switched to a rollback journal so that it is one self-contained file.
PostgreSQL: `pg_dump --format=custom`, which reads every table in one repeatable-read snapshot; restored with
`pg_restore --no-owner --no-privileges --single-transaction`, so a failed restore leaves nothing behind.

A backup file says what it is in its first bytes ("SQLite format 3" or "PGDMP"): restore refuses a file of the other
kind, a file that is neither, or one that is not a backup of this system (no alembic_version table). Restore only
ever fills an empty database (no tables): it never overwrites data. To replace a database, the operator creates a
new empty one (or moves the SQLite file away) first; `flask db upgrade` then brings an older backup up to date.
Backup files are created readable by their owner only: they hold password hashes and API token hashes.

Errors are ServiceError with a Chinese message; nothing here knows about Click.
"""

import contextlib
import glob
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.errors import ServiceError

log = logging.getLogger(__name__)

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
KIND_LABELS = {SQLITE: "SQLite 数据库备份", POSTGRESQL: "PostgreSQL 备份（pg_dump 自定义格式）"}
EXTENSIONS = {SQLITE: "sqlite3", POSTGRESQL: "dump"}
VERSION_TABLE = "alembic_version"  # every database of this system has it (Flask-Migrate)


@dataclass(frozen=True)
class BackupResult:
    path: str
    kind: str  # SQLITE or POSTGRESQL
    size: int  # bytes
    tables: int  # tables in the backup


@dataclass(frozen=True)
class RestoreResult:
    kind: str
    tables: int  # tables in the database after the restore
    revision: str | None  # the migration revision of the restored data


def database_kind(engine) -> str:
    name = engine.dialect.name
    if name not in MAGIC:
        raise ServiceError(f"不支持备份或恢复 {name} 数据库，仅支持 SQLite 和 PostgreSQL。")
    return name


def backup_kind(path) -> str | None:
    """SQLITE or POSTGRESQL from the file's first bytes; None when it is neither."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    return next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)


def default_file_name(kind, moment) -> str:
    """e.g. qbs-20261128-093000.sqlite3 for a backup taken at `moment` (local time)."""
    return f"qbs-{moment:%Y%m%d-%H%M%S}.{EXTENSIONS[kind]}"


def user_tables(engine) -> list[str]:
    """The tables of the database outside the system catalogues."""
    with engine.connect() as connection:
        if engine.dialect.name == POSTGRESQL:
            rows = connection.execute(sa.text(
                "SELECT schemaname || '.' || tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"))
        else:
            rows = connection.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
        return [row[0] for row in rows]


def backup_database(engine, path) -> BackupResult:
    """Write a consistent backup of the database behind `engine` to the new file `path` (refused if it exists).
    The backup is written to a temporary file beside `path` and moved into place only when complete and checked,
    so `path` never holds half a backup."""
    kind = database_kind(engine)
    path = os.path.abspath(path)
    if os.path.exists(path):
        raise ServiceError(f"文件 {path} 已存在，不会覆盖。请换一个文件名，或先移走旧文件。")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise ServiceError(f"目录 {folder} 不存在，请先创建它或换一个位置。")
    try:
        fd, temp = tempfile.mkstemp(prefix=".qbs-backup-", suffix=".part", dir=folder)  # mode 0600
    except OSError as error:
        raise ServiceError(f"无法在目录 {folder} 中写入备份：{error.strerror}。请检查目录权限和磁盘空间。") from None
    os.close(fd)
    try:
        tables = _backup_sqlite(engine, temp) if kind == SQLITE else _backup_postgresql(engine, temp)
        os.replace(temp, path)
        temp = None
    except OSError as error:
        raise ServiceError(f"备份写入失败：{error.strerror or error}。请检查磁盘空间和目录权限后重试。") from None
    finally:
        if temp is not None:
            for suffix in ("", "-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(temp + suffix)
    size = os.path.getsize(path)
    log.info("backup of the %s database written to %s (%d bytes, %d tables)", kind, path, size, tables)
    return BackupResult(path=path, kind=kind, size=size, tables=tables)


def restore_database(engine, path) -> RestoreResult:
    """Restore the backup file `path` into the empty database behind `engine`. Refuses (ServiceError) a missing
    file, a file that is not a backup of this system or not of this database's kind, and a database that has
    tables; nothing is changed then."""
    kind = database_kind(engine)
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ServiceError(f"找不到备份文件 {path}。")
    found = backup_kind(path)
    if found is None:
        raise ServiceError(f"文件 {path} 不是本系统的备份文件（既不是 SQLite 数据库备份，也不是 pg_dump 自定义格式），"
                           "请检查文件名。")
    if found != kind:
        raise ServiceError(f"文件 {path} 是 {KIND_LABELS[found]}，而当前数据库是 {_label(kind)}，不能直接恢复。"
                           f"请用 DATABASE_URL 指向一个空的 {_label(found)} 数据库后再恢复。")
    existing = user_tables(engine)
    if existing:
        raise ServiceError(f"目标数据库不是空的（已有 {len(existing)} 张表），为防止覆盖现有数据，恢复已取消。"
                           "请新建一个空数据库（SQLite：换一个文件名或先移走旧文件），用 DATABASE_URL 指向它后再恢复。")
    if kind == SQLITE:
        _restore_sqlite(engine, path)
    else:
        _restore_postgresql(engine, path)
    tables = user_tables(engine)
    with engine.connect() as connection:
        revision = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    log.info("restored %s into the %s database (%d tables, revision %s)", path, kind, len(tables), revision)
    return RestoreResult(kind=kind, tables=len(tables), revision=revision)


def _label(kind):
    return "SQLite" if kind == SQLITE else "PostgreSQL"


# --- SQLite -------------------------------------------------------------------------------------------------------

def _backup_sqlite(engine, target) -> int:
    with engine.connect() as connection:
        source = connection.connection.driver_connection
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: all pages in one step, i.e. one read transaction, one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            _check_sqlite(copy, target)
            return _count_tables(copy)
        finally:
            copy.close()


def _count_tables(connection) -> int:
    return connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchone()[0]


def _check_sqlite(connection, path):
    """The file is a sound SQLite database of this system."""
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
        has_version = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                                         (VERSION_TABLE,)).fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise ServiceError(f"备份文件 {path} 已损坏，无法读取（{error}）。") from None
    if result != "ok":
        raise ServiceError(f"备份文件 {path} 已损坏（完整性检查：{result}）。")
    if not has_version:
        raise ServiceError(f"文件 {path} 是 SQLite 数据库，但不是本系统的备份（缺少 {VERSION_TABLE} 表）。")


def _restore_sqlite(engine, path):
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _check_sqlite(source, path)
        with engine.connect() as connection:
            source.backup(connection.connection.driver_connection)
    except sqlite3.Error as error:
        raise ServiceError(f"恢复失败：{error}。目标数据库可能已被部分写入，请删除它后重新恢复。") from None
    finally:
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------------------------------

def pg_tool(name) -> str:
    """The path of pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found

    def version(candidate):
        match = re.search(r"/postgresql/(\d+)/", candidate)
        return int(match.group(1)) if match else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if not candidates:
        raise ServiceError(f"找不到 PostgreSQL 工具 {name}，请安装 PostgreSQL 客户端（如 postgresql-client）"
                           "或把它所在的目录加入 PATH。")
    return candidates[-1]


def _pg_target(engine):
    """A libpq URI without the password (which goes in PGPASSWORD, never on a command line) and the environment."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _run(args, env, what):
    try:
        completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise ServiceError(f"{what}失败：无法运行 {args[0]}（{error.strerror}）。") from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise ServiceError(f"{what}失败：{os.path.basename(args[0])} 报错：{' '.join(detail[-3:])}")
    return completed.stdout


def _dump_contents(path, env) -> list[str]:
    """The table-of-contents lines of a custom-format dump (also proves the file is readable)."""
    listing = _run([pg_tool("pg_restore"), "--list", path], env, "读取备份文件")
    return [line for line in listing.splitlines() if line and not line.startswith(";")]


def _backup_postgresql(engine, target) -> int:
    dsn, env = _pg_target(engine)
    _run([pg_tool("pg_dump"), "--format=custom", "--no-password", "--file", target, "--dbname", dsn], env, "备份")
    return sum(1 for line in _dump_contents(target, env) if " TABLE DATA " in line)


def _restore_postgresql(engine, path):
    dsn, env = _pg_target(engine)
    contents = _dump_contents(path, env)
    if not any(re.search(rf" TABLE \S+ {VERSION_TABLE} ", line) for line in contents):
        raise ServiceError(f"文件 {path} 是 pg_dump 备份，但不是本系统的备份（缺少 {VERSION_TABLE} 表）。")
    # One transaction: a restore that fails part-way leaves the database as empty as it was.
    _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--no-password", "--dbname", dsn, path], env, "恢复")
    engine.dispose()  # pooled connections may have cached the empty catalogue
