"""Backing up the whole system while it runs — the database and the uploaded files — and restoring a backup into an
empty database and an empty upload folder.

A backup is one archive, `qbs-YYYYMMDD-HHMMSS.tar` (an uncompressed POSIX tar: uploads are mostly compressed
already, and any tar tool can list or extract it):
- `database.sqlite3` or `database.dump`: the database at one committed moment;
- `uploads/<YYYY-MM>/<name>`: every file under the upload folder (follow-up evidence, meeting attachments);
- `manifest.json`, the last member: the format, the database kind and schema revision, and the size and SHA-256 of
  every other member.

The database: SQLite's online backup API (`Connection.backup`) copies every page in one step inside one read
transaction, so the copy is the database at one committed moment while writers go on (WAL mode); the copy is switched
to a rollback journal so that it is one self-contained file. PostgreSQL: `pg_dump --format=custom`, which reads every
table in one repeatable-read snapshot; restored with `pg_restore --no-owner --no-privileges --single-transaction`.

The files are copied *after* the database snapshot. An upload is moved into place before its row is committed, and a
committed file is never changed, so every file a row of the snapshot points at is already there when the files are
copied; files uploaded meanwhile come along too (rows of later transactions; harmless), and an upload rolled back
meanwhile may be missing (it had no row). Temporary files of uploads in progress (`.upload-*.part`) are left out.

The archive is written to a temporary folder beside the target, readable by its owner only (it holds password and
token hashes), and linked into place only when complete: the target name never holds half a backup and is never
overwritten.

Restore reads the manifest, refuses a database that has tables and an upload folder that has files, extracts every
member into a staging folder beside the upload folder while checking its size and SHA-256 against the manifest, and
only when every check passed restores the database and moves the files into place. A damaged archive (a changed byte,
a cut-short copy) is refused with the name of the member that fails, before anything is changed.

Older backups were a bare database file (`.sqlite3` or `.dump`): they are still restored (the database only).
Such a file says what it is in its first bytes ("SQLite format 3" or "PGDMP"): restore refuses a file of the other
kind, a file that is neither, or one that is not a backup of this system (no alembic_version table).

Errors are ServiceError with a Chinese message; nothing here knows about Click.
"""

import errno
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.errors import ServiceError

log = logging.getLogger(__name__)

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
KIND_LABELS = {SQLITE: "SQLite 数据库备份", POSTGRESQL: "PostgreSQL 备份（pg_dump 自定义格式）"}
VERSION_TABLE = "alembic_version"  # every database of this system has it (Flask-Migrate)

ARCHIVE_FORMAT = "qbs-backup"  # the manifest's "format"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {SQLITE: "database.sqlite3", POSTGRESQL: "database.dump"}
UPLOADS = "uploads"  # the members under it are the upload folder's files
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupResult:
    path: str
    kind: str  # SQLITE or POSTGRESQL
    size: int  # bytes of the archive
    tables: int  # tables in the backup
    files: int = 0  # uploaded files in the backup
    files_size: int = 0  # their bytes


@dataclass(frozen=True)
class RestoreResult:
    kind: str
    tables: int  # tables in the database after the restore
    revision: str | None  # the migration revision of the restored data
    files: int = 0  # uploaded files restored (each checked against the manifest)
    legacy: bool = False  # an old backup: a bare database file, no uploaded files


def database_kind(engine) -> str:
    name = engine.dialect.name
    if name not in MAGIC:
        raise ServiceError(f"不支持备份或恢复 {name} 数据库，仅支持 SQLite 和 PostgreSQL。")
    return name


def backup_kind(path) -> str | None:
    """SQLITE or POSTGRESQL from a bare database file's first bytes; None when it is neither."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    return next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)


def default_file_name(moment) -> str:
    """e.g. qbs-20261128-093000.tar for a backup taken at `moment` (local time)."""
    return f"qbs-{moment:%Y%m%d-%H%M%S}.tar"


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


# --- the archive: backup -------------------------------------------------------------------------------------------

class _Hashing:
    """A file object that hashes and counts what is read through it (tarfile reads the member's bytes once)."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def upload_files(root) -> list[str]:
    """The files under the upload folder, as sorted POSIX paths relative to it: regular files only (no links),
    no hidden or temporary files (an upload in progress is `.upload-*.part`)."""
    found = []
    if not os.path.isdir(root):
        return found
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = os.path.join(folder, name)
            if name.startswith(".") or os.path.islink(path) or not os.path.isfile(path):
                continue
            found.append(os.path.relpath(path, root).replace(os.sep, "/"))
    return sorted(found)


def backup(engine, path, upload_root, moment) -> BackupResult:
    """Write the archive `path` (a new file; refused if it exists) of the database behind `engine` and the files under
    `upload_root`, taken at `moment` (for the manifest). See the module's docstring."""
    kind = database_kind(engine)
    path = os.path.abspath(path)
    if os.path.exists(path):
        raise ServiceError(f"文件 {path} 已存在，不会覆盖。请换一个文件名，或先移走旧文件。")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise ServiceError(f"目录 {folder} 不存在，请先创建它或换一个位置。")
    try:
        work = tempfile.mkdtemp(prefix=".qbs-backup-", dir=folder)  # mode 0700
    except OSError as error:
        raise ServiceError(f"无法在目录 {folder} 中写入备份：{error.strerror}。请检查目录权限和磁盘空间。") from None
    try:
        database = os.path.join(work, DATABASE_MEMBERS[kind])
        tables = _backup_sqlite(engine, database) if kind == SQLITE else _backup_postgresql(engine, database)
        revision = _revision(kind, engine, database)
        archive = os.path.join(work, "archive.part")
        files, files_size = _write_archive(archive, kind, database, upload_root, revision, tables, moment)
        _publish(archive, path)
    except OSError as error:
        raise ServiceError(f"备份写入失败：{error.strerror or error}。请检查磁盘空间和目录权限后重试。") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = os.path.getsize(path)
    log.info("backup of the %s database and %d uploaded files written to %s (%d bytes, %d tables)", kind, files,
             path, size, tables)
    return BackupResult(path=path, kind=kind, size=size, tables=tables, files=files, files_size=files_size)


def _revision(kind, engine, database):
    """The schema revision of the snapshot (read from the copy on SQLite; from the database on PostgreSQL, which
    migrations do not change while a backup runs)."""
    if kind == SQLITE:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            return connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()[0]
        finally:
            connection.close()
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _write_archive(archive, kind, database, upload_root, revision, tables, moment):
    """Write the tar: the database, the uploads, then the manifest of what was written. Returns (files, bytes)."""
    entries = []
    fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        entries.append(_add(tar, database, DATABASE_MEMBERS[kind]))
        for relative in upload_files(upload_root):
            try:
                entries.append(_add(tar, os.path.join(upload_root, *relative.split("/")), f"{UPLOADS}/{relative}"))
            except FileNotFoundError:  # removed since it was listed: an upload rolled back, which has no row
                continue
        manifest = json.dumps({
            "format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, "created_at": moment.isoformat(),
            "database": {"kind": kind, "member": DATABASE_MEMBERS[kind], "revision": revision, "tables": tables},
            "files": entries,
        }, ensure_ascii=False, indent=1).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(manifest), 0o600, int(moment.timestamp())
        tar.addfile(info, _BytesReader(manifest))
        out.flush()
        os.fsync(out.fileno())
    uploads = [e for e in entries if e["path"].startswith(f"{UPLOADS}/")]
    return len(uploads), sum(e["size"] for e in uploads)


class _BytesReader:
    def __init__(self, data):
        self.data, self.offset = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.offset + size
        chunk = self.data[self.offset:end]
        self.offset += len(chunk)
        return chunk


def _add(tar, source, name):
    """Add the file `source` as the member `name`; returns its manifest entry."""
    with open(source, "rb") as handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = stat.st_size, 0o600, int(stat.st_mtime)
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"path": name, "size": reader.size, "sha256": reader.digest.hexdigest()}


def _publish(temp, path):
    """Give the finished archive its name without ever replacing a file: a hard link fails if the name exists (two
    backups in the same second). Where links are not supported, an existence check and a rename."""
    try:
        os.link(temp, path)
        return
    except FileExistsError:
        raise ServiceError(f"文件 {path} 已存在，不会覆盖。请换一个文件名，或先移走旧文件。") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
    if os.path.exists(path):
        raise ServiceError(f"文件 {path} 已存在，不会覆盖。请换一个文件名，或先移走旧文件。")
    os.replace(temp, path)


# --- the archive: restore ------------------------------------------------------------------------------------------

def is_archive(path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def _damaged(path, detail):
    return ServiceError(f"备份文件 {path} 已损坏（{detail}），恢复已取消，数据库和上传目录均未改动。"
                        "请换用另一份完好的备份。")


def read_manifest(path) -> dict:
    """The manifest of the archive `path`, checked for form; ServiceError (Chinese) when it is missing or damaged."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            try:
                member = tar.getmember(MANIFEST)
            except KeyError:
                if any(name in DATABASE_MEMBERS.values() for name in tar.getnames()):
                    # ours, cut short: the manifest is written last
                    raise _damaged(path, f"缺少清单 {MANIFEST}，归档不完整") from None
                raise ServiceError(f"文件 {path} 不是本系统的备份文件（其中没有 {MANIFEST}）。") from None
            manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, ValueError) as error:
        raise _damaged(path, f"无法读取归档或清单：{error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise ServiceError(f"文件 {path} 不是本系统的备份文件（清单格式不符）。")
    if manifest.get("version") != ARCHIVE_VERSION:
        raise ServiceError(f"备份文件 {path} 的格式版本为 {manifest.get('version')}，本程序只能恢复版本 "
                           f"{ARCHIVE_VERSION}，请使用生成该备份的程序版本恢复。")
    database = manifest.get("database") or {}
    files = manifest.get("files")
    if database.get("kind") not in MAGIC or not isinstance(files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("size"), int)
            and isinstance(f.get("sha256"), str) for f in files):
        raise _damaged(path, "清单内容不完整")
    return manifest


def _safe_member(name):
    """A member name this system writes: relative, no '..', the database or under uploads/."""
    parts = name.split("/")
    return (not name.startswith("/") and "" not in parts and "." not in parts and ".." not in parts
            and "\\" not in name and (name in DATABASE_MEMBERS.values() or (parts[0] == UPLOADS and len(parts) > 1)))


def restore(engine, path, upload_root) -> RestoreResult:
    """Restore the backup `path` into the empty database behind `engine` and the empty (or missing) folder
    `upload_root`. An archive: both, every file checked first; an old bare database file: the database only
    (RestoreResult.legacy). Refusals (ServiceError) change nothing."""
    kind = database_kind(engine)
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ServiceError(f"找不到备份文件 {path}。")
    if not is_archive(path):
        return restore_database(engine, path)
    manifest = read_manifest(path)
    found = manifest["database"]["kind"]
    if found != kind:
        raise ServiceError(f"文件 {path} 中是 {KIND_LABELS[found]}，而当前数据库是 {_label(kind)}，不能直接恢复。"
                           f"请用 DATABASE_URL 指向一个空的 {_label(found)} 数据库后再恢复。")
    _require_empty_database(engine)
    upload_root = os.path.abspath(upload_root)
    if upload_files(upload_root) or (os.path.isdir(upload_root) and _has_files(upload_root)):
        raise ServiceError(f"上传目录 {upload_root} 不是空的，为防止覆盖现有文件，恢复已取消。"
                           "请移走其中的文件（或用 UPLOAD_FOLDER 指向一个空目录）后再恢复。")
    parent = os.path.dirname(upload_root)
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".qbs-restore-", dir=parent)
    except OSError as error:
        raise ServiceError(f"无法在 {parent} 中准备恢复：{error.strerror}。请检查目录权限和磁盘空间。") from None
    keep_staging = False
    try:
        _extract_checked(path, manifest, staging)
        database = os.path.join(staging, manifest["database"]["member"])
        if kind == SQLITE:
            _restore_sqlite(engine, database)
        else:
            _restore_postgresql(engine, database)
        files = [e for e in manifest["files"] if e["path"].startswith(f"{UPLOADS}/")]
        try:
            _place_uploads(os.path.join(staging, UPLOADS), upload_root)
        except OSError as error:
            keep_staging = True
            raise ServiceError(f"数据库已恢复，但上传的文件未能放入 {upload_root}（{error.strerror or error}）。"
                               f"文件已全部校验无误，位于 {os.path.join(staging, UPLOADS)}，请手工移到上传目录。"
                               ) from None
        _verify_placed(files, upload_root, path)
    finally:
        if not keep_staging:
            shutil.rmtree(staging, ignore_errors=True)
    tables = user_tables(engine)
    revision = _current_revision(engine)
    log.info("restored %s into the %s database (%d tables, revision %s) and %d uploaded files into %s", path, kind,
             len(tables), revision, len(files), upload_root)
    return RestoreResult(kind=kind, tables=len(tables), revision=revision, files=len(files))


def _has_files(root):
    return any(names for _, _, names in os.walk(root))


def _require_empty_database(engine):
    existing = user_tables(engine)
    if existing:
        raise ServiceError(f"目标数据库不是空的（已有 {len(existing)} 张表），为防止覆盖现有数据，恢复已取消。"
                           "请新建一个空数据库（SQLite：换一个文件名或先移走旧文件），用 DATABASE_URL 指向它后再恢复。")


def _current_revision(engine):
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _extract_checked(path, manifest, staging):
    """Extract every member into `staging`, checking each against the manifest (size and SHA-256); refuse (before
    anything outside `staging` changed) a member that differs, is missing, is unexpected or has an unsafe name."""
    expected = {entry["path"]: entry for entry in manifest["files"]}
    if manifest["database"]["member"] not in expected:
        raise _damaged(path, "清单中没有数据库")
    seen = set()
    try:
        with tarfile.open(path, mode="r:") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                entry = expected.get(member.name)
                if entry is None or not member.isfile() or not _safe_member(member.name) or member.name in seen:
                    raise _damaged(path, f"归档中有清单之外的内容：{member.name}")
                seen.add(member.name)
                target = os.path.join(staging, *member.name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                digest, size = hashlib.sha256(), 0
                source = tar.extractfile(member)
                with open(target, "xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                    raise _damaged(path, f"{member.name} 的内容与清单中的校验值不符")
    except (tarfile.TarError, EOFError, UnicodeDecodeError) as error:
        raise _damaged(path, f"无法读取归档：{error}") from None
    except OSError as error:
        raise ServiceError(f"恢复失败：无法写入临时目录 {staging}（{error.strerror or error}）。"
                           "请检查磁盘空间和目录权限，数据库和上传目录均未改动。") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise _damaged(path, f"缺少 {missing[0]}" + (f" 等 {len(missing)} 个文件" if len(missing) > 1 else ""))


def _place_uploads(staged, upload_root):
    """Move the checked files into the (empty or missing) upload folder: one rename of the staged folder."""
    if os.path.isdir(upload_root):
        for folder, _, _ in sorted(os.walk(upload_root), key=lambda row: -len(row[0])):
            os.rmdir(folder)  # only empty folders are left (checked before); fails rather than delete a file
    if os.path.isdir(staged):
        os.rename(staged, upload_root)
    else:
        os.makedirs(upload_root)


def _verify_placed(files, upload_root, path):
    """Each restored file, read back where the app will serve it from, matches the manifest."""
    for entry in files:
        target = os.path.join(upload_root, *entry["path"].split("/")[1:])
        digest, size = hashlib.sha256(), 0
        try:
            with open(target, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as error:
            raise ServiceError(f"恢复后的文件 {target} 无法读取（{error.strerror}），请检查上传目录。") from None
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise ServiceError(f"恢复后的文件 {target} 与备份 {path} 的清单不符，请检查磁盘后重新恢复。")


# --- old backups: a bare database file -----------------------------------------------------------------------------

def restore_database(engine, path) -> RestoreResult:
    """Restore the old-format backup file `path` (a bare database file) into the empty database behind `engine`.
    Refuses (ServiceError) a file that is not a backup of this system or not of this database's kind, and a
    database that has tables; nothing is changed then."""
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
    _require_empty_database(engine)
    if kind == SQLITE:
        _restore_sqlite(engine, path)
    else:
        _restore_postgresql(engine, path)
    tables = user_tables(engine)
    revision = _current_revision(engine)
    log.info("restored the old-format backup %s into the %s database (%d tables, revision %s)", path, kind,
             len(tables), revision)
    return RestoreResult(kind=kind, tables=len(tables), revision=revision, legacy=True)


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
