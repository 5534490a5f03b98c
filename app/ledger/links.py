"""Tags from tasks and meeting decisions to chains, enterprises and projects (issue #14 part 7).

- Who tags: a task is tagged by the office or the city leaders (user.assigns) and by its lead unit's staff; a
  meeting decision (or a 季考核 project visit) by whoever may write its record — the meetings package, which
  knows that rule, says so (`may_write`): the ledger may not import it.
- A tag is refused for an object the user may not read (an enterprise or project of another county, as
  app.ledger.permissions says), for an enterprise or project no longer active, and when the same tag exists.
- Every tag and untag is audited (subject_link.create / subject_link.delete).
- Reads: `tagged_tasks` (TaskLine rows with their lights: the task table macro renders them), `tagged_decisions`,
  `tags_of_tasks` / `tags_of_items` for the task page, the record page and lists. Constant statements each.
- `register(app)` adds the task overview's filters (产业链, 企业, 项目) and the tag panel of the task page.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from app.core.audit import record_change
from app.core.clock import today as clock_today
from app.core.errors import PermissionDenied, ServiceError
from app.extensions import db
from app.ledger.models import Enterprise, Project, SubjectLink
from app.ledger.permissions import visible_unit_ids
from app.org.models import Chain
from app.tasks import queries as task_queries
from app.tasks import services as task_services
from app.tasks.filters import register_task_filter
from app.tasks.models import OPEN_STATES, Task

KINDS = ("chain", "enterprise", "project")
KIND_LABELS = {"chain": "产业链", "enterprise": "企业", "project": "项目"}
MODELS = {"chain": Chain, "enterprise": Enterprise, "project": Project}
COLUMNS = {"chain": SubjectLink.chain_id, "enterprise": SubjectLink.enterprise_id, "project": SubjectLink.project_id}
# the pages of the objects (built by the enterprises, projects and chains parts); no link while absent
ENDPOINTS = {"chain": ("ledger.chain", "chain_id"), "enterprise": ("ledger.enterprise", "enterprise_id"),
             "project": ("ledger.project", "project_id")}
SUBJECT_TEXT_MAX = 200
# a meeting record's items that may carry tags (ItemKind values): decisions, and the 季考核's project visits
TAGGABLE_ITEMS = ("decision", "visit")
# the meetings' types whose records only the office, leaders, observers and the units with a line read
# (app.meetings.permissions.LEADER_TYPES, which the ledger may not import)
LEADER_MEETING_TYPES = ("dispatch", "monthly", "quarterly", "consultation")


def subject_url(kind, subject_id):
    endpoint, arg = ENDPOINTS[kind]
    try:
        return url_for(endpoint, **{arg: subject_id})
    except BuildError:
        return None


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag as pages show it."""

    id: int  # the SubjectLink's id
    task_id: int | None
    record_item_id: int | None
    kind: str  # chain / enterprise / project
    subject_id: int
    name: str

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def label(self):
        return f"{KIND_LABELS[self.kind]}：{self.name}"

    @property
    def url(self):
        return subject_url(self.kind, self.subject_id)


# --- who may -------------------------------------------------------------------------------------------------

def can_tag_task(user, task) -> bool:
    """The office and the city leaders; the lead unit's staff for its own task."""
    return bool(user.is_authenticated and (user.assigns or task_services.is_lead_staff(user, task)))


def _readable_subject(user, kind, subject) -> bool:
    if kind == "chain":
        return True  # the 12 chains are the programme's own list: everyone signed in reads them
    visible = visible_unit_ids(user)
    if visible is None:
        return True
    units = {subject.unit_id} | ({subject.lead_unit_id} if kind == "project" else set())
    return bool(units & visible)


def _usable_subject(user, kind, subject):
    if subject is None or not _readable_subject(user, kind, subject):
        raise ServiceError(f"没有找到该{KIND_LABELS[kind]}，或您无权查看。", field="subject")
    if kind != "chain" and not subject.is_active:
        raise ServiceError(f"{KIND_LABELS[kind]}“{subject.name}”已不在册，不能关联。", field="subject")
    return subject


def _kind(kind):
    if kind not in KINDS:
        raise ServiceError("请选择关联对象的类型：产业链、企业或项目。", field="kind")
    return kind


def get_subject(user, kind, subject_id):
    """The chain, enterprise or project `subject_id` if the user may tag with it (ServiceError otherwise)."""
    kind = _kind(kind)
    subject = db.session.get(MODELS[kind], subject_id) if subject_id is not None else None
    return _usable_subject(user, kind, subject)


def find_subject(user, kind, text):
    """The chain, enterprise or project named by `text`: an exact code (统一社会信用代码, 项目编号) or name, else
    the only one whose name contains it, among those the user may read. ServiceError naming the field otherwise."""
    kind = _kind(kind)
    text = (text or "").strip()
    label = KIND_LABELS[kind]
    if not text:
        raise ServiceError(f"请填写{label}的名称或代码。", field="subject")
    if len(text) > SUBJECT_TEXT_MAX:
        raise ServiceError(f"{label}名称或代码不能超过 {SUBJECT_TEXT_MAX} 个字符。", field="subject")
    model = MODELS[kind]
    exact = [model.name == text]
    if kind == "enterprise":
        exact.append(Enterprise.uscc == text.upper())
    elif kind == "project":
        exact.append(Project.code == text)
    where = []  # an inactive one is found, then refused by name (_usable_subject)
    visible = visible_unit_ids(user)
    if kind != "chain" and visible is not None:
        units = list(visible)
        where.append(model.unit_id.in_(units) if kind == "enterprise"
                     else sa.or_(Project.unit_id.in_(units), Project.lead_unit_id.in_(units)))
    found = db.session.scalars(sa.select(model).where(sa.or_(*exact), *where).limit(2)).all()
    if len(found) != 1:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = db.session.scalars(sa.select(model).where(model.name.ilike(pattern, escape="\\"), *where)
                                   .order_by(model.id).limit(6)).all()
    if not found:
        raise ServiceError(f"没有找到名称或代码为“{text}”的{label}（或您无权查看）。", field="subject")
    if len(found) > 1:
        more = "等" if len(found) > 5 else ""
        names = "、".join(s.name for s in found[:5])
        raise ServiceError(f"名称包含“{text}”的{label}不止一个（{names}{more}），请填写完整名称或代码。",
                           field="subject")
    return _usable_subject(user, kind, found[0])


def project_choices(user):
    """(id, "编号 名称") of the active projects the user may read, by name: the 季考核's visits pick from these."""
    where = [Project.is_active]
    visible = visible_unit_ids(user)
    if visible is not None:
        where.append(sa.or_(Project.unit_id.in_(list(visible)), Project.lead_unit_id.in_(list(visible))))
    return [(pid, f"{code} {name}") for pid, code, name in db.session.execute(
        sa.select(Project.id, Project.code, Project.name).where(*where).order_by(Project.name, Project.id))]


def kind_of(subject):
    for kind, model in MODELS.items():
        if isinstance(subject, model):
            return kind
    raise TypeError(subject)


# --- tag and untag ---------------------------------------------------------------------------------------------

def _snapshot(link):
    return {name: getattr(link, name) for name in ("task_id", "record_item_id", "chain_id", "enterprise_id",
                                                   "project_id")}


def _add(actor, owner_column, owner_id, subject, owner_label):
    kind = kind_of(subject)
    _usable_subject(actor, kind, subject)
    duplicate = db.session.scalar(sa.select(SubjectLink.id).where(owner_column == owner_id,
                                                                   COLUMNS[kind] == subject.id))
    if duplicate is not None:
        raise ServiceError(f"该{owner_label}已关联{KIND_LABELS[kind]}“{subject.name}”，不能重复关联。",
                           field="subject", code="duplicate")
    link = SubjectLink(**{owner_column.key: owner_id, COLUMNS[kind].key: subject.id},
                       created_by_id=getattr(actor, "id", None))
    db.session.add(link)
    db.session.flush()
    record_change(actor, "subject_link.create", link, None, _snapshot(link))
    return link


def _remove(actor, link):
    record_change(actor, "subject_link.delete", link, _snapshot(link), None)
    db.session.delete(link)
    db.session.flush()


def tag_task(actor, task, subject):
    """Tag `task` with a chain, an enterprise or a project (the object itself)."""
    if not can_tag_task(actor, task):
        raise PermissionDenied("只有千百十办、市领导或该事项的牵头单位可以关联产业链、企业或项目。")
    return _add(actor, SubjectLink.task_id, task.id, subject, "事项")


def _link_of(owner_column, owner_id, link_id):
    link = db.session.get(SubjectLink, link_id) if link_id is not None else None
    if link is None or getattr(link, owner_column.key) != owner_id:
        raise ServiceError("没有找到这条关联，可能已被取消。", code="not_found", status=404)
    return link


def untag_task(actor, task, link_id):
    if not can_tag_task(actor, task):
        raise PermissionDenied("只有千百十办、市领导或该事项的牵头单位可以取消关联。")
    _remove(actor, _link_of(SubjectLink.task_id, task.id, link_id))


def _check_item(item, may_write):
    if not may_write:
        raise PermissionDenied("只有纪要的填写方（会议召集方或千百十办）可以关联产业链、企业或项目。")
    if getattr(item.kind, "value", item.kind) not in TAGGABLE_ITEMS:
        raise ServiceError("只有会议决定和项目观摩可以关联产业链、企业或项目。", code="bad_type")


def tag_item(actor, item, subject, *, may_write):
    """Tag a meeting record's decision (or project visit). `may_write`: the meetings package's answer to “may the
    actor write this record?”."""
    _check_item(item, may_write)
    return _add(actor, SubjectLink.record_item_id, item.id, subject, "会议决定")


def untag_item(actor, item, link_id, *, may_write):
    _check_item(item, may_write)
    _remove(actor, _link_of(SubjectLink.record_item_id, item.id, link_id))


# --- reads -------------------------------------------------------------------------------------------------------

def _user(user):
    if user is not None:
        return user
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def _subject_clause(chain_id, enterprise_id, project_id):
    given = [(c, v) for c, v in ((SubjectLink.chain_id, chain_id), (SubjectLink.enterprise_id, enterprise_id),
                                 (SubjectLink.project_id, project_id)) if v is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of chain_id, enterprise_id, project_id")
    column, value = given[0]
    return column == value


class TaggedTasks(list):
    """TaskLine rows, open first by due date then the closed ones (latest due first), with what the task table needs:
    `window` (the lights' thresholds of `today`)."""

    window = None


def tagged_tasks(*, chain_id=None, enterprise_id=None, project_id=None, today=None, user=None):
    """The tasks tagged with the object, as app.tasks.queries.TaskLine rows with their lights, open first.
    `user` (default: the signed-in user of the request) restricts them to the tasks the user may see.
    Two statements whatever the number of tasks (the tasks with their co-units, the calendar)."""
    on = today or clock_today()
    ids = sa.select(SubjectLink.task_id).where(_subject_clause(chain_id, enterprise_id, project_id),
                                               SubjectLink.task_id.is_not(None))
    where = [Task.id.in_(ids)]
    viewer = _user(user)
    if viewer is not None:
        visible = task_services.visible_to(viewer)
        if visible is not None:
            where.append(visible)
    lines = task_queries.load_task_lines(where=where)
    open_lines = sorted((t for t in lines if t.state in OPEN_STATES), key=lambda t: (t.due_on, t.id))
    closed = sorted((t for t in lines if t.state not in OPEN_STATES), key=lambda t: (t.due_on, t.id), reverse=True)
    result = TaggedTasks(open_lines + closed)
    result.window = task_queries.light_window(on)
    return result


@dataclass(frozen=True, slots=True)
class RecordRef:
    """The record of a DecisionLine (what a page shows of it)."""

    id: int
    type: object  # app.meetings.models.MeetingType
    held_on: date


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """A tagged meeting decision (or project visit) as a list shows it."""

    id: int  # the RecordItem's id
    record_id: int
    kind: object  # app.meetings.models.ItemKind (has .value and .label)
    text: str
    due_on: date | None
    task_id: int | None
    unit_name: str | None
    meeting_type: object  # app.meetings.models.MeetingType (has .value and .label)
    held_on: date

    @property
    def url(self):
        return url_for("meetings.record", record_id=self.record_id, _anchor=f"item-{self.id}")

    @property
    def record(self):
        return RecordRef(self.record_id, self.meeting_type, self.held_on)

    @property
    def meeting_label(self):
        return f"{self.held_on.isoformat()} {self.meeting_type.label}"


def _meeting_tables():
    tables = db.metadata.tables
    return tables["meeting_record_items"], tables["meeting_records"]


def tagged_decisions(*, chain_id=None, enterprise_id=None, project_id=None, user=None):
    """The meeting decisions (RecordItem) tagged with the object, newest first, as DecisionLine rows; `user`
    (default: the signed-in user of the request) restricts them to the records the user may read (the rule of
    app.meetings.permissions.can_read_record). One statement."""
    from app.org.models import Unit

    items, records = _meeting_tables()
    statement = (sa.select(items.c.id, items.c.record_id, items.c.kind, items.c.text, items.c.due_on,
                           items.c.task_id, Unit.short_name, records.c.type, records.c.held_on)
                 .join(records, records.c.id == items.c.record_id)
                 .outerjoin(Unit, Unit.id == items.c.unit_id)
                 .where(items.c.id.in_(sa.select(SubjectLink.record_item_id).where(
                     _subject_clause(chain_id, enterprise_id, project_id),
                     SubjectLink.record_item_id.is_not(None))))
                 .order_by(records.c.held_on.desc(), items.c.id.desc()))
    viewer = _user(user)
    if viewer is not None and not viewer.reads_all:
        mine = items.alias("mine")
        line = sa.exists().where(mine.c.record_id == records.c.id, mine.c.unit_id == viewer.unit_id) \
            if viewer.unit_id else sa.false()
        statement = statement.where(sa.or_(sa.cast(records.c.type, sa.String).not_in(LEADER_MEETING_TYPES), line))
    return [DecisionLine(*row) for row in db.session.execute(statement)]


def _tags(owner_column, owner_ids, user):
    owner_ids = list(owner_ids)
    if not owner_ids:
        return {}
    statement = (sa.select(SubjectLink.id, SubjectLink.task_id, SubjectLink.record_item_id, SubjectLink.chain_id,
                           SubjectLink.enterprise_id, SubjectLink.project_id, Chain.name, Enterprise.name,
                           Enterprise.unit_id, Project.name, Project.unit_id, Project.lead_unit_id)
                 .outerjoin(Chain, Chain.id == SubjectLink.chain_id)
                 .outerjoin(Enterprise, Enterprise.id == SubjectLink.enterprise_id)
                 .outerjoin(Project, Project.id == SubjectLink.project_id)
                 .where(owner_column.in_(owner_ids))
                 .order_by(SubjectLink.id))
    viewer = _user(user)
    visible = visible_unit_ids(viewer) if viewer is not None else None
    result = {}
    for (link_id, task_id, item_id, chain_id, enterprise_id, project_id, chain_name, enterprise_name,
         enterprise_unit, project_name, project_unit, project_lead) in db.session.execute(statement):
        if chain_id is not None:
            tag = Tag(link_id, task_id, item_id, "chain", chain_id, chain_name)
        elif enterprise_id is not None:
            if visible is not None and enterprise_unit not in visible:
                continue  # another county's enterprise: not shown to this user
            tag = Tag(link_id, task_id, item_id, "enterprise", enterprise_id, enterprise_name)
        else:
            if visible is not None and not ({project_unit, project_lead} & visible):
                continue
            tag = Tag(link_id, task_id, item_id, "project", project_id, project_name)
        result.setdefault(task_id if task_id is not None else item_id, []).append(tag)
    return result


def tags_of_tasks(task_ids, user=None):
    """{task id: [Tag]} of these tasks, in one statement; tags to objects the user may not read are left out."""
    return _tags(SubjectLink.task_id, task_ids, user)


def tags_of_items(item_ids, user=None):
    """{record item id: [Tag]} of these meeting record items, in one statement."""
    return _tags(SubjectLink.record_item_id, item_ids, user)


# --- what the ledger registers on the task pages --------------------------------------------------------------------

def _filter_clause(column):
    def build(subject_id):
        return Task.id.in_(sa.select(SubjectLink.task_id).where(column == subject_id,
                                                                SubjectLink.task_id.is_not(None)))
    return build


def _tagged_options(kind):
    """(id, name) of the enterprises or projects some task is tagged with: a select of every enterprise of the city
    would be thousands of lines. Chains: all twelve."""
    model = MODELS[kind]
    if kind == "chain":
        return [tuple(row) for row in db.session.execute(sa.select(Chain.id, Chain.name).order_by(Chain.sort_order,
                                                                                                   Chain.id))]
    column = COLUMNS[kind]
    return [tuple(row) for row in db.session.execute(
        sa.select(model.id, model.name).where(model.id.in_(sa.select(column).where(SubjectLink.task_id.is_not(None))))
        .order_by(model.name, model.id))]


def register(app):
    """The task overview's filters by chain, enterprise and project (the tag panel of the task page is the
    view's: app.ledger.views.links.register_panel)."""
    register_task_filter(app, "chain", "全部产业链", _filter_clause(SubjectLink.chain_id),
                         lambda: _tagged_options("chain"))
    register_task_filter(app, "enterprise", "全部关联企业", _filter_clause(SubjectLink.enterprise_id),
                         lambda: _tagged_options("enterprise"))
    register_task_filter(app, "project", "全部关联项目", _filter_clause(SubjectLink.project_id),
                         lambda: _tagged_options("project"))
