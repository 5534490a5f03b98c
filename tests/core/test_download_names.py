"""Every download's file name is cleaned where it is built (app.core.text.download_name): rows older than the
one-line rule may hold CR LF, quotes or slashes in a unit's or person's name or an uploaded file's name, and a
header cannot hold a line break (each of these downloads answered 500). The hostile values are written straight
into the database, past the services' checks, as old data would be."""

import io
import re
from datetime import date
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.core.text import download_name
from app.extensions import db
from app.meetings import services as meetings
from app.meetings.models import RecordAttachment
from app.meetings.services import RecordInput
from app.org.models import Person, Unit
from app.tasks import services as tasks
from app.tasks.files import store_evidence
from app.tasks.models import Evidence
from tests.factories import unit
from tests.meetings.records_helpers import weekly

TODAY = date(2026, 3, 10)
HOSTILE = '恶意\r\nSet-Cookie: a=b; "x"/..\\名'
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def rename(model, row_id, column, value):
    """Write a value as old data would hold it: an UPDATE past every check."""
    table = model.__table__
    db.session.execute(sa.update(table).where(table.c.id == row_id).values({column: value}))
    db.session.expire_all()


def clean_name(response, extension):
    """The response is a download whose Content-Disposition holds a clean name; returns that name."""
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    response.close()  # a file download holds the file open until closed
    header = response.headers["Content-Disposition"]
    assert not re.search(r"[\x00-\x1f\x7f]", header), header
    assert header.startswith("attachment;")
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    name = unquote(match.group(1)) if match else re.search(r'filename="?([^";]+)', header).group(1)
    assert not re.search(r'[\x00-\x1f\x7f\u2028\u2029/\\"\']', name), name
    assert name.endswith(extension) and not name.startswith("."), name
    return name


def test_the_helper_removes_controls_quotes_and_separators_and_falls_back():
    assert download_name("市科技局\r\n周会商.xlsx") == "市科技局周会商.xlsx"
    assert download_name('a/b\\c"d\'e.pdf') == "a_b_cde.pdf"
    assert download_name("\u202etxt.exe") == "txt.exe"  # no right-to-left override
    assert download_name("../../etc/passwd") == "etc_passwd"
    assert download_name("\r\n.xlsx", fallback="纪要.xlsx") == "纪要.xlsx"
    assert download_name(None, fallback="附件") == "附件"
    assert download_name("长" * 300 + ".xlsx").endswith(".xlsx") and len(download_name("长" * 300 + ".xlsx")) <= 120


def test_meeting_record_excel_of_a_unit_with_a_hostile_name(client, login_as, user):
    record = meetings.create_record(user("kjj"), weekly(), RecordInput(held_on=date(2026, 3, 9), topics="议题"),
                                    TODAY)
    rename(Unit, unit("市科技局").id, "name", "市科技局" + HOSTILE)
    login_as("kjj")
    name = clean_name(client.get(f"/meetings/records/{record.id}.xlsx"), ".xlsx")
    assert name.startswith("市科技局恶意")


def test_dispatch_list_excel_of_a_leader_with_a_hostile_name(client, login_as):
    leader = db.session.scalar(sa.select(Person).where(Person.name == "杨晓军"))
    rename(Person, leader.id, "name", "杨晓军" + HOSTILE)
    login_as("admin")
    clean_name(client.get(f"/tasks/dispatch.xlsx?person={leader.id}"), ".xlsx")


def test_evidence_download_with_a_hostile_file_name(client, login_as, user, folder):
    admin, kjj = user("admin"), user("kjj")
    task = tasks.assign_task(admin, title="证据文件名", lead_unit=unit("市科技局"), due_on=date(2026, 3, 31),
                             today=TODAY)
    tasks.accept_task(kjj, task)
    follow_up = tasks.record_follow_up(kjj, task, "已完成调研", 30, TODAY)
    evidence = store_evidence(kjj, task, follow_up, FileStorage(io.BytesIO(PDF), filename="报告.pdf"))
    rename(Evidence, evidence.id, "filename", HOSTILE + ".pdf")
    login_as("kjj")
    clean_name(client.get(f"/tasks/{task.id}/files/{evidence.id}"), ".pdf")
    rename(Evidence, evidence.id, "filename", "\r\n\"/.pdf")  # nothing usable left: the fallback name
    assert clean_name(client.get(f"/tasks/{task.id}/files/{evidence.id}"), ".pdf")


def test_meeting_attachment_download_with_a_hostile_file_name(client, login_as, user, folder):
    kjj = user("kjj")
    record = meetings.create_record(kjj, weekly(), RecordInput(held_on=date(2026, 3, 9), topics="议题"), TODAY)
    attachment = meetings.store_attachment(kjj, record, FileStorage(io.BytesIO(PDF), filename="纪要扫描.pdf"))
    rename(RecordAttachment, attachment.id, "filename", HOSTILE + ".pdf")
    login_as("kjj")
    clean_name(client.get(f"/meetings/records/{record.id}/attachments/{attachment.id}"), ".pdf")


def test_scoring_entry_sheet_of_a_unit_with_a_hostile_short_name(client, login_as):
    rename(Unit, unit("市工信局").id, "short_name", "工信" + HOSTILE)
    login_as("gxj")
    clean_name(client.get("/scoring/2026/q1/entry.xlsx"), ".xlsx")


@pytest.mark.parametrize("url", ["/meetings/analysis.xlsx?month=2026-02", "/scoring/2026/q1.xlsx",
                                 "/tasks/import/template.xlsx"])
def test_downloads_named_by_the_app_have_clean_names(client, login_as, url):
    login_as("admin")
    clean_name(client.get(url), ".xlsx")
