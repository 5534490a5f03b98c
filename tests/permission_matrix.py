"""The permission matrix: every route of the app (pages and API) x nine roles, with the expected answer.

ROUTES has one line per (endpoint, method): the expected answer of each role column, the endpoint, the method and
a sample URL. When you add a route, add its line here: `test_the_matrix_lists_every_route` fails until you do and
prints the line to start from.

The columns (ROLES; each a demo account of the seeded organisation, see app/demo/org.py):
  anon   not signed in (API: no bearer token)
  A      staff of unit A, 市工信局, which leads the sample task {task} (gxj; 工信局 also scores every unit's 工信局 part)
  B      staff of unit B, 湘潭县人民政府: no part in the sample task, no assessor (xtx)
  asr    assessor: staff of 市发改委, which enters the 发改委 component of counties and parks and is not on the task (fgw)
  vm+    vice mayor whose portfolio holds unit A (丁诚, fushizhang2)
  vm-    vice mayor whose portfolio does not (杨晓军, fushizhang)
  myr    the mayor (胡贺波, shizhang)
  adm    the office administrator (admin)
  obs    the read-only observer (guancha)
The answers:
  200, 302, 400, 401, 403, 404 ...   exactly this status
  L      302 to the sign-in page (anonymous on a page or a form)
  +      allowed: not 401, 403 or 404 and not 5xx (an empty form may well be a 400, a refused action a redirect)
  X      403 from an object rule: the view's declared permission lets the role in, this object does not
A 404 for a role the declared permission lets in is an object rule too: the same answer as for an absent id, so
ids cannot be probed. API routes (endpoint api.*) are called with a bearer token of the role's account; an API
write is sent an empty JSON object. What a POST does when it is sent a valid form (does the action take effect,
for whom) is checked action by action in tests/test_permissions.py, with the id-guessing probes.

URL samples use placeholders such as {task} that are resolved at test time (SAMPLES) to rows of the seeded
organisation, or to rows a sample creates through the services where nothing is seeded.
"""
# ruff: noqa: E501  (one line per route keeps the table readable)

import io
import re
import string
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.auth import services as auth_services
from app.core.calendar import set_override
from app.core.clock import today
from app.extensions import db
from app.meetings import ical
from app.meetings import services as meeting_services
from app.meetings.cadence import period_of
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Chain, Person, Plan, Position
from app.reminders.models import Channel, Notification, OutboxMessage
from app.tasks import services as task_services
from app.tasks.files import store_evidence
from app.tasks.models import Task
from tests.factories import account as user_named
from tests.factories import person as person_named
from tests.factories import unit as unit_named

LOGIN, DONE, OBJECT_403 = "L", "+", "X"

# column -> demo account (None: not signed in); the order of the columns of ROUTES
ROLES = {
    "anonymous": None, "staff_a": "gxj", "staff_b": "xtx", "assessor": "fgw", "vice_mayor_in": "fushizhang2",
    "vice_mayor_out": "fushizhang", "mayor": "shizhang", "admin": "admin", "observer": "guancha",
}
UNIT_A, UNIT_B, ASSESSOR_UNIT = "市工信局", "湘潭县人民政府", "市发改委"
VICE_MAYOR_IN, VICE_MAYOR_OUT = "丁诚", "杨晓军"

# What unit A's objects carry: no response to a role outside unit A's task may contain any of these.
TASK_TITLE = "权限矩阵样例事项（市工信局牵头）"
TASK_CONTENT = "只有牵头单位和全市查看者能读到的内容"
FOLLOW_UP_TEXT = "市工信局本旬进展：已完成现场核查"
EVIDENCE_NAME = "工信局佐证材料.pdf"
SECRETS = (TASK_TITLE, TASK_CONTENT, FOLLOW_UP_TEXT, EVIDENCE_NAME)
# Unit A's 周会商 record: everyone signed in reads records, but its attachments are unit A's own material.
MEETING_FILE = "工信局周会商会议签到表.pdf"
MEETING_FILE_BYTES = b"%PDF-1.4\n% weekly attachment of unit A\n%%EOF\n"

# (answers: anon A B asr vm+ vm- myr adm obs, endpoint, method, sample URL)
ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 200 200 200 200 200 200 200", "home.index", "GET", "/"),
    # auth: sign-in, own account and tokens
    ("200 302 302 302 302 302 302 302 302", "auth.login", "GET", "/auth/login"),
    ("+   +   +   +   +   +   +   +   +  ", "auth.login", "POST", "/auth/login"),
    ("L   +   +   +   +   +   +   +   +  ", "auth.logout", "POST", "/auth/logout"),
    ("L   200 200 200 200 200 200 200 200", "auth.account", "GET", "/auth/account"),
    ("L   +   +   +   +   +   +   +   +  ", "auth.account", "POST", "/auth/account"),
    ("L   +   +   +   +   +   +   +   +  ", "auth.create_token", "POST", "/auth/tokens"),
    ("L   +   404 404 404 404 404 +   404", "auth.revoke_token", "POST", "/auth/tokens/{token}/revoke"),
    ("L   +   404 404 404 404 404 404 404", "auth.revoke_session", "POST", "/auth/sessions/{session}/revoke"),
    ("L   +   +   +   +   +   +   +   +  ", "auth.revoke_other_sessions", "POST", "/auth/sessions/revoke-others"),
    # auth: user administration
    ("L   403 403 403 403 403 403 200 403", "auth.users", "GET", "/auth/users"),
    ("L   403 403 403 403 403 403 200 403", "auth.create_user", "GET", "/auth/users/new"),
    ("L   403 403 403 403 403 403 +   403", "auth.create_user", "POST", "/auth/users/new"),
    ("L   403 403 403 403 403 403 200 403", "auth.edit_user", "GET", "/auth/users/{user}"),
    ("L   403 403 403 403 403 403 +   403", "auth.edit_user", "POST", "/auth/users/{user}"),
    ("L   403 403 403 403 403 403 +   403", "auth.reset_password", "POST", "/auth/users/{user}/password"),
    ("L   403 403 403 403 403 403 +   403", "auth.set_active", "POST", "/auth/users/{user}/active"),
    ("L   403 403 403 403 403 403 +   403", "auth.unlock_user", "POST", "/auth/users/{user}/unlock"),
    ("L   403 403 403 403 403 403 200 403", "auth.sign_in_failures", "GET", "/auth/sign-in-failures"),
    # org: pages everyone signed in reads
    ("L   200 200 200 200 200 200 200 200", "org.units", "GET", "/org/units"),
    ("L   200 200 200 200 200 200 200 200", "org.unit", "GET", "/org/units/{unit}"),
    ("L   200 200 200 200 200 200 200 200", "org.plans", "GET", "/org/plans"),
    ("L   200 200 200 200 200 200 200 200", "home.plan", "GET", "/org/plans/{plan}"),
    ("L   200 200 200 200 200 200 200 200", "org.leadership", "GET", "/org/leadership"),
    # org: administration
    ("L   403 403 403 403 403 403 200 403", "org.edit_unit", "GET", "/org/units/{unit}/edit"),
    ("L   403 403 403 403 403 403 +   403", "org.edit_unit", "POST", "/org/units/{unit}/edit"),
    ("L   403 403 403 403 403 403 200 403", "org.people", "GET", "/org/people"),
    ("L   403 403 403 403 403 403 200 403", "org.create_person", "GET", "/org/people/new"),
    ("L   403 403 403 403 403 403 +   403", "org.create_person", "POST", "/org/people/new"),
    ("L   403 403 403 403 403 403 200 403", "org.person", "GET", "/org/people/{person}"),
    ("L   403 403 403 403 403 403 +   403", "org.person", "POST", "/org/people/{person}"),
    ("L   403 403 403 403 403 403 +   403", "org.add_position", "POST", "/org/people/{person}/positions"),
    ("L   403 403 403 403 403 403 +   403", "org.add_membership", "POST", "/org/people/{person}/memberships"),
    ("L   403 403 403 403 403 403 +   403", "org.add_portfolio", "POST", "/org/people/{person}/portfolio"),
    ("L   403 403 403 403 403 403 +   403", "org.end_record", "POST", "/org/people/{person}/position/{position}/end"),
    ("L   403 403 403 403 403 403 200 403", "org.edit_chain", "GET", "/org/chains/{chain}"),
    ("L   403 403 403 403 403 403 +   403", "org.edit_chain", "POST", "/org/chains/{chain}"),
    # core: working-day calendar administration
    ("L   403 403 403 403 403 403 200 403", "core.calendar", "GET", "/admin/calendar"),
    ("L   403 403 403 403 403 403 +   403", "core.calendar", "POST", "/admin/calendar"),
    ("L   403 403 403 403 403 403 +   403", "core.calendar_import", "POST", "/admin/calendar/import"),
    ("L   403 403 403 403 403 403 +   403", "core.calendar_delete", "POST", "/admin/calendar/{override}/delete"),
    # tasks: lists, assigning, import, dispatch list ({task}: a task of unit A assigned by the office; {vice_mayor}:
    # 丁诚, whose portfolio holds unit A: a vice mayor sees only his own list (X), the office, the observers, the
    # mayor and the party secretary any; 催办 from the list: an empty form is refused with a flash (+))
    ("L   200 200 200 403 403 403 200 403", "tasks.inbox", "GET", "/tasks/inbox"),
    ("L   200 403 200 200 200 200 200 200", "tasks.overview", "GET", "/tasks/"),  # A and asr: the units they assess (附件2 六(二))
    ("L   200 403 200 200 200 200 200 200", "tasks.export_excel", "GET", "/tasks/export.xlsx"),  # the overview's list, same scope
    ("L   403 403 403 200 200 200 200 403", "tasks.assign", "GET", "/tasks/new"),
    ("L   403 403 403 +   +   +   +   403", "tasks.assign", "POST", "/tasks/new"),
    ("L   200 200 200 200 200 200 200 200", "tasks.workday", "GET", "/tasks/workday?date=2026-03-10"),
    ("L   403 403 403 X   X   X   200 403", "tasks.edit", "GET", "/tasks/{task}/edit"),
    ("L   403 403 403 X   X   X   +   403", "tasks.edit", "POST", "/tasks/{task}/edit"),
    ("L   403 403 403 200 200 200 200 403", "tasks.import_tasks", "GET", "/tasks/import"),
    ("L   403 403 403 +   +   +   +   403", "tasks.import_tasks", "POST", "/tasks/import"),
    ("L   403 403 403 200 200 200 200 403", "tasks.import_template", "GET", "/tasks/import/template.xlsx"),
    ("L   403 403 403 200 X   200 200 200", "tasks.dispatch", "GET", "/tasks/dispatch?person={vice_mayor}"),
    ("L   403 403 403 200 X   200 200 200", "tasks.dispatch_excel", "GET", "/tasks/dispatch.xlsx?person={vice_mayor}"),
    ("L   403 403 403 200 X   200 200 200", "tasks.dispatch_sheet", "GET", "/tasks/dispatch/sheet?person={vice_mayor}"),
    ("L   403 403 403 +   +   +   +   403", "tasks.dispatch_urge", "POST", "/tasks/dispatch/urge"),
    ("L   403 403 403 403 403 403 +   403", "tasks.dispatch_issue", "POST", "/tasks/dispatch/issue"),
    # tasks: one task (object rules are checked by the services: 404 or a flashed refusal, never 403)
    ("L   200 404 404 200 200 200 200 200", "tasks.detail", "GET", "/tasks/{task}"),
    ("L   200 404 404 200 200 200 200 200", "tasks.evidence", "GET", "/tasks/{task}/files/{file}"),
    ("L   +   404 404 X   X   X   X   X  ", "tasks.accept", "POST", "/tasks/{task}/accept"),
    ("L   +   404 404 +   +   +   +   +  ", "tasks.follow_up", "POST", "/tasks/{task}/follow-up"),
    ("L   +   404 404 +   +   +   +   +  ", "tasks.request_completion", "POST", "/tasks/{task}/request-completion"),
    ("L   X   404 404 X   X   X   +   X  ", "tasks.approve_completion", "POST", "/tasks/{task}/approve-completion"),
    ("L   X   404 404 X   X   X   +   X  ", "tasks.return_task", "POST", "/tasks/{task}/return"),
    ("L   +   404 404 +   +   +   +   +  ", "tasks.request_extension", "POST", "/tasks/{task}/request-extension"),
    ("L   X   404 404 X   X   X   +   X  ", "tasks.approve_extension", "POST", "/tasks/{task}/approve-extension"),
    ("L   X   404 404 X   X   X   +   X  ", "tasks.refuse_extension", "POST", "/tasks/{task}/refuse-extension"),
    ("L   X   404 404 +   X   X   +   X  ", "tasks.urge", "POST", "/tasks/{task}/urge"),
    ("L   +   404 404 +   +   +   +   +  ", "tasks.cancel", "POST", "/tasks/{task}/cancel"),
    # scoring ({year}: this year, {quarter}: its first quarter, {unit}: 市工信局, gxj's own unit)
    ("L   200 200 200 200 200 200 200 200", "scoring.index", "GET", "/scoring/"),
    ("L   200 200 200 403 403 403 200 403", "scoring.entry", "GET", "/scoring/{year}/q{quarter}/entry"),
    ("L   +   +   +   403 403 403 +   403", "scoring.entry", "POST", "/scoring/{year}/q{quarter}/entry"),
    ("L   200 302 200 403 403 403 200 403", "scoring.entry_excel", "GET", "/scoring/{year}/q{quarter}/entry.xlsx?unit={unit}"),
    ("L   +   +   +   403 403 403 +   403", "scoring.entry_upload", "POST", "/scoring/{year}/q{quarter}/entry/upload"),
    ("L   403 403 403 200 200 200 200 200", "scoring.rules", "GET", "/scoring/{year}/rules"),
    ("L   403 403 403 403 403 403 +   403", "scoring.start_rules", "POST", "/scoring/{year}/rules/start"),
    ("L   403 403 403 403 403 403 200 403", "scoring.edit_rules", "GET", "/scoring/{year}/rules/edit"),
    ("L   403 403 403 403 403 403 +   403", "scoring.edit_rules", "POST", "/scoring/{year}/rules/edit"),
    ("L   403 403 403 403 403 403 200 403", "scoring.year_admin", "GET", "/scoring/{year}/admin"),
    ("L   403 403 403 403 403 403 +   403", "scoring.year_admin", "POST", "/scoring/{year}/admin"),
    ("L   403 403 403 200 200 200 200 200", "scoring.quarter", "GET", "/scoring/{year}/q{quarter}"),
    ("L   403 403 403 200 200 200 200 200", "scoring.quarter_xlsx", "GET", "/scoring/{year}/q{quarter}.xlsx"),
    ("L   403 403 403 403 403 403 +   403", "scoring.finalize_quarter", "POST", "/scoring/{year}/q{quarter}/finalize"),
    ("L   403 403 403 403 403 403 +   403", "scoring.reopen_quarter", "POST", "/scoring/{year}/q{quarter}/reopen"),
    ("L   403 403 403 200 200 200 200 200", "scoring.year", "GET", "/scoring/{year}"),
    ("L   403 403 403 200 200 200 200 200", "scoring.year_xlsx", "GET", "/scoring/{year}.xlsx"),
    ("L   200 404 404 200 200 200 200 200", "scoring.unit", "GET", "/scoring/units/{unit}"),
    ("L   200 404 404 200 200 200 200 200", "scoring.unit_trend", "GET", "/scoring/units/{unit}/trend.svg"),
    ("L   200 404 404 200 200 200 200 200", "scoring.office_explain", "GET", "/scoring/{year}/q{quarter}/units/{unit}/office"),
    # reminders ({notification}: one of gxj's; {message}: an outbox message to gxj)
    ("L   200 200 200 200 200 200 200 200", "reminders.index", "GET", "/reminders/"),
    ("L   +   404 404 404 404 404 404 404", "reminders.read", "POST", "/reminders/{notification}/read"),
    ("L   +   +   +   +   +   +   +   +  ", "reminders.read_all", "POST", "/reminders/read-all"),
    ("L   200 200 200 200 200 200 200 200", "reminders.preferences", "GET", "/reminders/preferences"),
    ("L   +   +   +   +   +   +   +   +  ", "reminders.preferences", "POST", "/reminders/preferences"),
    ("L   403 403 403 403 403 403 200 403", "reminders.units", "GET", "/reminders/units"),
    ("L   403 403 403 403 403 403 200 403", "reminders.unit_channels", "GET", "/reminders/units/{unit}/channels"),
    ("L   403 403 403 403 403 403 +   403", "reminders.unit_channels", "POST", "/reminders/units/{unit}/channels"),
    ("L   403 403 403 403 403 403 200 403", "reminders.office", "GET", "/reminders/office"),
    ("L   403 403 403 403 403 403 +   403", "reminders.retry", "POST", "/reminders/outbox/{message}/retry"),
    ("L   403 403 403 403 403 403 +   403", "reminders.cancel", "POST", "/reminders/outbox/{message}/cancel"),
    ("L   403 403 403 403 403 403 200 403", "reminders.rules", "GET", "/reminders/rules"),
    ("L   403 403 403 403 403 403 +   403", "reminders.rules", "POST", "/reminders/rules"),
    # meetings ({expected}: unit A's 周会商 of this week, no record yet; {record}: unit A's 周会商 record of two
    # weeks ago with a decision {item} and an attachment: a unit's records are read by everyone signed in, their
    # files only by the units with a part in them; who reads the leaders' meeting records: test_permissions.py)
    ("L   200 200 200 200 200 200 200 200", "meetings.index", "GET", "/meetings/"),
    ("L   200 200 200 200 200 200 200 200", "meetings.compliance_view", "GET", "/meetings/compliance"),
    ("L   200 200 200 200 200 200 200 200", "meetings.calendar_view", "GET", "/meetings/calendar"),
    ("L   200 200 200 200 200 200 200 200", "meetings.rules", "GET", "/meetings/rules"),
    ("L   403 403 403 403 403 403 +   403", "meetings.save_rule", "POST", "/meetings/rules/{meeting_type}"),
    ("L   200 200 200 200 200 200 200 200", "meetings.feed", "GET", "/meetings/feed"),
    ("L   200 200 200 200 200 200 200 200", "meetings.create_feed", "POST", "/meetings/feed"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.revoke_feed", "POST", "/meetings/feed/revoke"),
    ("200 200 200 200 200 200 200 200 200", "meetings.ical_feed", "GET", "/meetings/feed/{feed_token}.ics"),
    ("L   403 403 403 200 200 200 200 200", "meetings.analysis", "GET", "/meetings/analysis"),
    ("L   403 403 403 200 200 200 200 200", "meetings.analysis_excel", "GET", "/meetings/analysis.xlsx"),
    ("L   200 X   X   X   X   X   200 X  ", "meetings.new_record", "GET", "/meetings/expected/{expected}/record"),
    ("L   +   X   X   X   X   X   +   X  ", "meetings.new_record", "POST", "/meetings/expected/{expected}/record"),
    ("L   200 200 200 200 200 200 200 200", "meetings.record", "GET", "/meetings/records/{record}"),
    ("L   200 X   X   X   X   X   200 X  ", "meetings.edit_record", "GET", "/meetings/records/{record}/edit"),
    ("L   +   X   X   X   X   X   +   X  ", "meetings.edit_record", "POST", "/meetings/records/{record}/edit"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.sign_record", "POST", "/meetings/records/{record}/sign"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.add_decisions", "POST", "/meetings/records/{record}/decisions"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.add_instruction", "POST", "/meetings/records/{record}/instructions"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.add_visit", "POST", "/meetings/records/{record}/visits"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.submit_explanation", "POST", "/meetings/items/{item}/explanation"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.escalate_item", "POST", "/meetings/items/{item}/escalate"),
    ("L   +   +   +   +   +   +   +   +  ", "meetings.upload_attachment", "POST", "/meetings/records/{record}/attachments"),
    ("L   200 404 404 200 200 200 200 200", "meetings.attachment", "GET", "/meetings/records/{record}/attachments/{attachment}"),
    ("L   200 200 200 200 200 200 200 200", "meetings.record_xlsx", "GET", "/meetings/records/{record}.xlsx"),
    # JSON API v1 (bearer tokens)
    ("200 200 200 200 200 200 200 200 200", "api.openapi", "GET", "/api/v1/openapi.json"),
    ("401 200 200 200 200 200 200 200 200", "api.me", "GET", "/api/v1/me"),
    ("401 200 200 200 200 200 200 200 200", "api.units", "GET", "/api/v1/units"),
    ("401 200 200 200 200 200 200 200 200", "api.unit", "GET", "/api/v1/units/{unit}"),
    ("401 200 200 200 200 200 200 200 200", "api.plans", "GET", "/api/v1/plans"),
    ("401 200 200 200 200 200 200 200 200", "api.people", "GET", "/api/v1/people"),
    ("401 403 403 403 403 403 403 +   403", "api.people_create_post", "POST", "/api/v1/people"),
    ("401 200 200 200 200 200 200 200 200", "api.task_list", "GET", "/api/v1/tasks"),
    ("401 403 403 403 +   +   +   +   403", "api.task_create_post", "POST", "/api/v1/tasks"),
    ("401 200 404 404 200 200 200 200 200", "api.task_detail", "GET", "/api/v1/tasks/{task}"),
    ("401 200 404 404 200 200 200 200 200", "api.task_follow_ups", "GET", "/api/v1/tasks/{task}/follow-ups"),
    ("401 +   404 404 403 403 403 +   403", "api.task_follow_up_create_post", "POST", "/api/v1/tasks/{task}/follow-ups"),
    ("401 +   404 404 403 403 403 X   403", "api.task_accept_post", "POST", "/api/v1/tasks/{task}/accept"),
    ("401 +   404 404 403 403 403 +   403", "api.task_request_completion_post", "POST", "/api/v1/tasks/{task}/request-completion"),
    ("401 403 403 403 X   X   X   +   403", "api.task_approve_completion_post", "POST", "/api/v1/tasks/{task}/approve-completion"),
    ("401 403 403 403 +   +   +   +   403", "api.task_return_post", "POST", "/api/v1/tasks/{task}/return"),
    ("401 +   404 404 403 403 403 +   403", "api.task_request_extension_post", "POST", "/api/v1/tasks/{task}/request-extension"),
    ("401 403 403 403 X   X   X   +   403", "api.task_approve_extension_post", "POST", "/api/v1/tasks/{task}/approve-extension"),
    ("401 403 403 403 +   +   +   +   403", "api.task_refuse_extension_post", "POST", "/api/v1/tasks/{task}/refuse-extension"),
    ("401 403 403 403 +   +   +   +   403", "api.task_urge_post", "POST", "/api/v1/tasks/{task}/urge"),
    ("401 403 403 403 +   +   +   +   403", "api.task_cancel_post", "POST", "/api/v1/tasks/{task}/cancel"),
    ("401 200 200 200 200 200 200 200 200", "api.scoring_rules", "GET", "/api/v1/scoring/{year}/rules"),
    ("401 200 200 200 200 200 200 200 200", "api.scoring_entries", "GET", "/api/v1/scoring/{year}/q/{quarter}/entries"),
    ("401 +   +   +   403 403 403 +   403", "api.scoring_entries_save_post", "POST", "/api/v1/scoring/{year}/q/{quarter}/entries"),
    ("401 200 200 200 200 200 200 200 200", "api.scoring_quarter", "GET", "/api/v1/scoring/{year}/q/{quarter}"),
    ("401 200 404 404 200 200 200 200 200", "api.scoring_explanation", "GET", "/api/v1/scoring/{year}/q/{quarter}/units/{unit}/explanation"),
    ("401 403 403 403 403 403 403 +   403", "api.scoring_finalize_post", "POST", "/api/v1/scoring/{year}/q/{quarter}/finalize"),
    ("401 403 403 403 403 403 403 +   403", "api.scoring_reopen_post", "POST", "/api/v1/scoring/{year}/q/{quarter}/reopen"),
    ("401 200 200 200 200 200 200 200 200", "api.scoring_year", "GET", "/api/v1/scoring/{year}"),
    ("401 403 403 403 200 X   200 200 200", "api.dispatch", "GET", "/api/v1/dispatch?person_id={vice_mayor}"),
    ("401 200 200 200 200 200 200 200 200", "api.meeting_list", "GET", "/api/v1/meetings"),
    ("401 200 200 200 200 200 200 200 200", "api.meeting_detail", "GET", "/api/v1/meetings/{meeting}"),
    ("401 +   X   X   X   X   X   +   X  ", "api.record_create_post", "POST", "/api/v1/meetings/{meeting}/record"),
    ("401 200 200 200 200 200 200 200 200", "api.record_list", "GET", "/api/v1/meeting-records"),
    ("401 200 200 200 200 200 200 200 200", "api.record_detail", "GET", "/api/v1/meeting-records/{record}"),
    ("401 +   X   X   X   X   X   +   X  ", "api.record_update_patch", "PATCH", "/api/v1/meeting-records/{record}"),
    ("401 +   X   X   X   X   X   +   X  ", "api.record_sign_off_post", "POST", "/api/v1/meeting-records/{record}/sign-off"),
    ("401 +   X   X   X   X   X   +   X  ", "api.record_decision_create_post", "POST", "/api/v1/meeting-records/{record}/decisions"),
    ("401 +   X   X   X   X   X   +   X  ", "api.item_escalate_post", "POST", "/api/v1/meeting-record-items/{item}/escalate"),
    ("401 200 200 200 200 200 200 200 200", "api.compliance", "GET", "/api/v1/compliance"),
    ("401 403 403 403 200 200 200 200 200", "api.analysis", "GET", "/api/v1/analysis/{month}"),
]

IGNORED_ENDPOINTS = {"static", "bootstrap.static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _first(statement):
    found = db.session.scalar(statement.limit(1))
    assert found is not None, f"the seeded data has no row for {statement}"
    return found


def make_task(title=TASK_TITLE):
    """Unit A's task, assigned by the office through the service (no task is seeded)."""
    return task_services.assign_task(user_named("admin"), title=title, content=TASK_CONTENT,
                                     lead_unit=unit_named(UNIT_A), due_on=today() + timedelta(days=30),
                                     today=today())


def _evidence_id(get):
    """Evidence attached to unit A's follow-up on the sample task."""
    task = db.session.get(Task, get("task"))
    staff_a = user_named(ROLES["staff_a"])
    task_services.accept_task(staff_a, task)
    follow_up = task_services.record_follow_up(staff_a, task, FOLLOW_UP_TEXT, 40, today())
    upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename=EVIDENCE_NAME, content_type="application/pdf")
    return store_evidence(staff_a, task, follow_up, upload).id


def _token_id(get):
    staff_a = user_named(ROLES["staff_a"])
    token, _ = auth_services.create_token(staff_a, staff_a, "权限矩阵")
    db.session.flush()
    return token.id


def _session_id(get):
    """Another signed-in browser of unit A's staff: only its owner may end it."""
    row, _ = auth_services.open_session(user_named(ROLES["staff_a"]), address="10.0.0.9", user_agent="pytest")
    return row.id


def _override_id(get):
    return set_override(user_named("admin"), date(2031, 10, 11), True, "调休上班").id


def _notification_id(get):
    notification = Notification(user_id=user_named(ROLES["staff_a"]).id, title="事项即将到期", body="请及时办理。",
                                link="/tasks/")
    db.session.add(notification)
    db.session.flush()
    return notification.id


def _outbox_id(get):
    staff_a = user_named(ROLES["staff_a"])
    message = OutboxMessage(rule="task_due_soon", subject_type="task", subject_id="0",
                            recipient_key=f"user:{staff_a.id}", user_id=staff_a.id, occasion="权限矩阵",
                            channel=Channel.email, title="事项即将到期", body="请及时办理。")
    db.session.add(message)
    db.session.flush()
    return message.id


def weekly_of_unit_a(day):
    """The expected 周会商 of unit A for the week of `day` (made directly: the cadence job has its own tests)."""
    period, unit = period_of(MeetingType.weekly, day), unit_named(UNIT_A)
    key = f"unit:{unit.id}"
    found = db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.period_key == period.key,
        ExpectedMeeting.convener_key == key))
    if found is None:
        found = ExpectedMeeting(type=MeetingType.weekly, period_key=period.key, period_start=period.start,
                                period_end=period.end, convener_key=key, convener_unit_id=unit.id,
                                scheduled_on=period.start, record_due_on=period.start + timedelta(days=3))
        db.session.add(found)
        db.session.flush()
    return found


def weekly_record_of_unit_a():
    """Unit A's 周会商 record of two weeks ago, logged by unit A, with a decision and an attachment."""
    staff_a = user_named(ROLES["staff_a"])
    expected = weekly_of_unit_a(today() - timedelta(days=14))
    if expected.record is not None:
        return expected.record
    record = meeting_services.create_record(staff_a, expected, meeting_services.RecordInput(
        held_on=expected.period_start, minutes="工信局周会商纪要正文"), today())
    meeting_services.add_decision(staff_a, record, "工信局周会商决定事项", unit_named(UNIT_A), [],
                                  today() + timedelta(days=20), today())
    upload = FileStorage(io.BytesIO(MEETING_FILE_BYTES), filename=MEETING_FILE, content_type="application/pdf")
    meeting_services.store_attachment(staff_a, record, upload)
    db.session.flush()
    return record


# placeholder -> function(get) returning the value of a real row, called only when a URL needs it;
# get(name) gives another placeholder's value for the same URL (a task's file belongs to that task)
SAMPLES = {
    "unit": lambda get: unit_named(UNIT_A).id,
    "plan": lambda get: _first(sa.select(Plan.code).order_by(Plan.sort_order)),
    "person": lambda get: person_named(VICE_MAYOR_OUT).id,
    "position": lambda get: _first(sa.select(Position.id).join(Person).where(Person.name == VICE_MAYOR_OUT)),
    "vice_mayor": lambda get: person_named(VICE_MAYOR_IN).id,
    "chain": lambda get: _first(sa.select(Chain.id).order_by(Chain.sort_order)),
    "user": lambda get: user_named("kjj").id,
    "token": _token_id,
    "session": _session_id,
    "task": lambda get: make_task().id,
    "file": _evidence_id,
    "override": _override_id,
    "notification": _notification_id,
    "message": _outbox_id,
    "expected": lambda get: weekly_of_unit_a(today()).id,
    "record": lambda get: weekly_record_of_unit_a().id,
    "attachment": lambda get: db.session.get(type(weekly_record_of_unit_a()), get("record")).attachments[0].id,
    "item": lambda get: weekly_record_of_unit_a().items[0].id,
    "meeting": lambda get: weekly_of_unit_a(today()).id,
    "month": lambda get: today().strftime("%Y-%m"),
    "meeting_type": lambda get: MeetingType.weekly.value,
    "feed_token": lambda get: ical.create_feed(user_named(ROLES["staff_a"])),
    "year": lambda get: today().year,
    "quarter": lambda get: 1,
}


def resolve(template, values=None):
    """The sample URL with its placeholders replaced by ids of real rows (`values` may give some of them)."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    unknown = names - set(SAMPLES)
    assert not unknown, f"add a sample for {sorted(unknown)} to SAMPLES in tests/permission_matrix.py"
    values = {} if values is None else values

    def get(name):
        if name not in values:
            values[name] = SAMPLES[name](get)
        return values[name]

    return template.format(**{name: get(name) for name in names})


def answers(line):
    """{role: answer} of a ROUTES line: "L   200 404 ..." -> {"anonymous": "L", "staff_a": 200, ...}."""
    tokens = line.split()
    assert len(tokens) == len(ROLES), f"{line!r} has {len(tokens)} answers, not one per role ({len(ROLES)})"
    return {role: int(token) if token.isdigit() else token for role, token in zip(ROLES, tokens, strict=True)}


def line_to_paste(endpoint, method, rule):
    """/tasks/<int:task_id>/files/<int:file_id> -> a ROUTES line to start from, with the answers to fill in."""
    url = re.sub(r"<(?:[^<>:]+:)?([^<>:]+?)(?:_id)?>", r"{\1}", rule)
    return f'    ("?   ?   ?   ?   ?   ?   ?   ?   ?  ", "{endpoint}", "{method}", "{url}"),'


# The ledger's routes and samples (issue #14), one file per part under tests/ledger/.
from tests.ledger.matrix import LEDGER_ROUTES, LEDGER_SAMPLES  # noqa: E402

ROUTES += LEDGER_ROUTES
SAMPLES.update(LEDGER_SAMPLES)

from tests.scoring.matrix import SCORING_ROUTES, SCORING_SAMPLES  # noqa: E402

ROUTES += SCORING_ROUTES
SAMPLES.update(SCORING_SAMPLES)
