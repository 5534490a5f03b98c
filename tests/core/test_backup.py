"""`flask backup` writes a consistent snapshot while the app goes on writing, `flask restore` puts it into an empty
database, and every refusal (a database with tables, a file of the wrong kind or of another system, a damaged
file, an existing target file) changes nothing. On the suite's backend: SQLite (online backup API) or PostgreSQL
(pg_dump/pg_restore).

The tests work on scratch databases of their own (a file for SQLite; `<test database>_bk`, `_bk_restored`, ... for
PostgreSQL), because the writer threads and the CLI need committed data, not the test's rolled-back transaction.
"""

import os
import re
import sqlite3
import tempfile
import threading
import time
from collections import defaultdict

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.auth.models import User
from app.core import backup
from app.core.models import AuditEntry
from app.extensions import db
from app.reminders.models import Notification
from tests.conftest import is_postgres
from tests.scratch import (
    _pg_execute,
    copy_database,
    drop_database,
    scratch_app,
    scratch_url,
    template_database_fixture,
)

WRITERS = 3
PROBE = "backup.probe"  # the action of the writers' audit entries
BULK_ROWS = 20_000  # history that makes the backup take long enough for the writers to commit meanwhile


# --- scratch databases ----------------------------------------------------------------------------------------

template = template_database_fixture("bk_tpl")


def app_with_uploads(url, uploads):
    """The app of a scratch database with an upload folder of its own (never the instance folder's)."""
    from app import create_app
    from config import TestingConfig

    return create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                                      "UPLOAD_FOLDER": str(uploads)})


@pytest.fixture
def source(template):
    """A committed copy of the seeded database, and its app."""
    url = scratch_url("bk", template[1])
    copy_database(template[0], url)
    app = app_with_uploads(url, tempfile.mkdtemp(prefix="qbs-uploads-"))
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


@pytest.fixture
def empty_target(template):
    """Makes empty databases (SQLite: a path not yet created; PostgreSQL: CREATE DATABASE) and their apps."""
    made = []

    def make(name="bk_restored"):
        url = scratch_url(name, template[1])
        drop_database(url)
        if url.startswith("postgresql"):
            _pg_execute(url, f'CREATE DATABASE "{make_url(url).database}"')
        app = app_with_uploads(url, os.path.join(tempfile.mkdtemp(prefix="qbs-restored-"), "uploads"))
        made.append((url, app))
        return app

    yield make
    for url, app in made:
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def run(app, *args):
    """`flask ARGS` on `app` (its context pushed over the suite's, which the runner would otherwise use)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def tables(app):
    with app.app_context():
        return backup.user_tables(db.engine)


def all_rows(app):
    """{table: [rows as dicts, ordered by primary key]} for every table of the database (reflected, so a table no model
    knows is compared too)."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        with db.engine.connect() as connection:
            out = {}
            for table in metadata.sorted_tables:
                key = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(*key))]
        return out


# --- the writers ------------------------------------------------------------------------------------------------

class Writers:
    """Threads that each commit, again and again, one audit entry and one notification with the same sequence
    number in ONE transaction. In any transaction-consistent copy, each writer's sequence numbers form 1..k in
    both tables alike; a copy taken table by table at different moments breaks that."""

    def __init__(self, app):
        self.app, self.stop, self.errors = app, threading.Event(), []
        self.committed = [0] * WRITERS
        with app.app_context():
            self.user_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
            db.session.remove()
        self.threads = [threading.Thread(target=self.write, args=(n,), daemon=True) for n in range(WRITERS)]

    def write(self, number):
        try:
            with self.app.app_context():
                seq = 0
                while not self.stop.is_set():
                    seq += 1
                    key = f"w{number}:{seq}"
                    db.session.add(AuditEntry(action=PROBE, object_type="writer", object_id=key,
                                              after={"writer": number, "seq": seq}))
                    db.session.add(Notification(user_id=self.user_id, title=key, body="备份测试"))
                    db.session.commit()
                    self.committed[number] = seq
                db.session.remove()
        except Exception as error:  # reported by the test
            self.errors.append(error)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        assert not self.errors, self.errors

    def wait_for(self, rows, timeout=60):
        deadline = time.monotonic() + timeout
        while min(self.committed) < rows:
            assert time.monotonic() < deadline, f"the writers committed only {self.committed}"
            assert not self.errors, self.errors
            time.sleep(0.02)


def writer_sequences(rows):
    """{writer: sorted seqs} of the probe audit entries and of the probe notifications, from all_rows()."""
    audits, notes = defaultdict(list), defaultdict(list)
    for entry in rows["audit_entries"]:
        if entry["action"] == PROBE:
            writer, seq = entry["object_id"][1:].split(":")
            audits[int(writer)].append(int(seq))
    for note in rows["notifications"]:
        if note["body"] == "备份测试":
            writer, seq = note["title"][1:].split(":")
            notes[int(writer)].append(int(seq))
    return {w: sorted(s) for w, s in audits.items()}, {w: sorted(s) for w, s in notes.items()}


def add_history(app, rows):
    """Bulk audit history (committed), so that the copy takes a while."""
    with app.app_context():
        payload = {"note": "历史记录" * 60}
        db.session.execute(sa.insert(AuditEntry), [
            {"action": "history", "object_type": "task", "object_id": str(n), "after": payload}
            for n in range(rows)])
        db.session.commit()
        db.session.remove()


# --- the round trip under writes --------------------------------------------------------------------------------

@pytest.mark.no_db_transaction
def test_a_backup_taken_while_writers_commit_restores_every_table_as_of_one_moment(source, empty_target, tmp_path):
    add_history(source, BULK_ROWS)
    path = str(tmp_path / "snapshot.bak")
    with Writers(source) as writers:
        writers.wait_for(20)
        before = list(writers.committed)
        code, output = run(source, "backup", path)
        after = list(writers.committed)
        writers.wait_for(max(after) + 5)  # and they go on writing after the snapshot
    assert code == 0, output
    assert output.startswith("已备份") and path in output and "张表" in output
    assert sum(after) > sum(before), "no writer committed while the backup ran: the test proves nothing"
    assert backup.read_manifest(path)["database"]["kind"] == ("postgresql" if is_postgres() else "sqlite")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"  # it holds password hashes

    target = empty_target()
    code, output = run(target, "restore", path)
    assert code == 0, output
    assert output.startswith("已从") and "恢复" in output

    restored, final = all_rows(target), all_rows(source)
    assert set(restored) == set(final) == set(name.split(".")[-1] for name in tables(source))
    # The snapshot is one moment: each writer's rows are 1..k, the same k in both tables it writes together,
    # with k between what it had committed when the backup started and when it ended.
    audits, notes = writer_sequences(restored)
    assert audits == notes
    for writer in range(WRITERS):
        seqs = audits.get(writer, [])
        assert seqs == list(range(1, len(seqs) + 1))
        assert before[writer] <= len(seqs) <= after[writer]
    # Every table: the restored rows are the source's rows, except the probe rows written after the snapshot.
    later = {f"w{w}:{s}" for w in range(WRITERS) for s in range(len(audits.get(w, [])) + 1, writers.committed[w] + 1)}
    for name, rows in final.items():
        if name == "audit_entries":
            rows = [r for r in rows if not (r["action"] == PROBE and r["object_id"] in later)]
        elif name == "notifications":
            rows = [r for r in rows if not (r["body"] == "备份测试" and r["title"] in later)]
        assert restored[name] == rows, f"table {name} differs"
    assert len(restored["audit_entries"]) >= BULK_ROWS
    if not is_postgres():
        # the archive's database is the snapshot itself: the restored database equals it, table by table
        import tarfile

        with tarfile.open(path) as archive:
            snapshot = tmp_path / "snapshot.sqlite3"
            snapshot.write_bytes(archive.extractfile("database.sqlite3").read())
        assert all_rows(scratch_app(f"sqlite:///{snapshot}")) == restored

    # The restored database is usable: new rows get fresh ids (PostgreSQL's sequences came along).
    with target.app_context():
        entry = AuditEntry(action="after.restore", object_type="test", object_id="1")
        db.session.add(entry)
        db.session.commit()
        assert entry.id > max(row["id"] for row in restored["audit_entries"])
        db.session.remove()


# --- refusals ---------------------------------------------------------------------------------------------------

@pytest.mark.no_db_transaction
def test_restore_into_a_database_that_has_tables_is_refused_and_changes_nothing(source, tmp_path):
    path = str(tmp_path / "a.bak")
    assert run(source, "backup", path)[0] == 0
    with source.app_context():
        db.session.add(AuditEntry(action="after.backup", object_type="test", object_id="1"))
        db.session.commit()
        db.session.remove()
    before = all_rows(source)
    code, output = run(source, "restore", path)
    assert code != 0
    assert "目标数据库不是空的" in output and "恢复已取消" in output and "DATABASE_URL" in output
    assert all_rows(source) == before


def sqlite_file_of_another_system(path):
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    connection.close()


@pytest.mark.no_db_transaction
def test_restore_refuses_files_that_are_not_backups_of_this_kind_or_this_system(source, empty_target, tmp_path):
    target = empty_target()
    text = tmp_path / "notes.txt"
    text.write_text("不是备份", encoding="utf-8")
    code, output = run(target, "restore", str(text))
    assert code != 0 and "不是本系统的备份文件" in output

    code, output = run(target, "restore", str(tmp_path / "missing.bak"))
    assert code != 0 and "找不到备份文件" in output

    other_kind = tmp_path / "other.bak"
    if is_postgres():
        sqlite_file_of_another_system(str(other_kind))
    else:
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 200)
    code, output = run(target, "restore", str(other_kind))
    assert code != 0 and "不能直接恢复" in output
    assert ("SQLite 数据库备份" if is_postgres() else "PostgreSQL 备份") in output

    foreign = tmp_path / "foreign.bak"
    if is_postgres():
        # a pg_dump of some other database: no alembic_version table
        other = empty_target("bk_foreign")
        with other.app_context():
            with db.engine.begin() as connection:
                connection.execute(sa.text("CREATE TABLE things (id integer PRIMARY KEY)"))
            backup._backup_postgresql(db.engine, str(foreign))
    else:
        sqlite_file_of_another_system(str(foreign))
    code, output = run(target, "restore", str(foreign))
    assert code != 0 and "不是本系统的备份" in output and "alembic_version" in output
    assert tables(target) == []


@pytest.mark.no_db_transaction
def test_a_damaged_backup_is_refused_and_leaves_the_target_empty(source, empty_target, tmp_path):
    path = tmp_path / "whole.bak"
    assert run(source, "backup", str(path))[0] == 0
    damaged = tmp_path / "damaged.bak"
    data = path.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])  # e.g. a copy cut short by a full disk
    target = empty_target()
    code, output = run(target, "restore", str(damaged))
    assert code != 0 and ("损坏" in output or "失败" in output), output
    assert tables(target) == []


@pytest.mark.no_db_transaction
def test_backup_never_overwrites_a_file_and_names_one_itself_in_a_folder(source, tmp_path):
    existing = tmp_path / "keep.bak"
    existing.write_bytes(b"earlier backup")
    code, output = run(source, "backup", str(existing))
    assert code != 0 and "已存在，不会覆盖" in output
    assert existing.read_bytes() == b"earlier backup"

    code, output = run(source, "backup", str(tmp_path / "no-such-folder" / "a.bak"))
    assert code != 0 and "不存在" in output

    folder = tmp_path / "nightly"
    folder.mkdir()
    code, output = run(source, "backup", str(folder))
    assert code == 0, output
    (made,) = os.listdir(folder)  # no temporary file left beside it
    assert re.fullmatch(r"qbs-\d{8}-\d{6}\.tar", made)
    assert str(folder / made) in output


@pytest.mark.no_db_transaction
def test_a_backup_that_cannot_be_written_is_reported_and_leaves_no_partial_file(source, tmp_path, monkeypatch):
    # A full disk, as the OS reports it when the finished copy is moved into place.
    import errno

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.os, "link", disk_full)
    code, output = run(source, "backup", str(tmp_path / "a.bak"))
    assert code != 0 and "备份写入失败" in output and "磁盘空间" in output
    assert os.listdir(tmp_path) == []

