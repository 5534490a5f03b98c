"""The one list contract of the API: paging by cursor (or page), the total, the `next` link, and conditional
answers (ETag, 304) decided before any row is loaded.

A list is ordered by a `SortKey`: a few columns ending with the row's id, so that the order is total. The
`next` link of every page carries an opaque `cursor`: the sort key of the page's last row, signed with the
application's secret (a changed or made-up cursor is refused, 400). The next page starts strictly after that
key, so rows added or removed meanwhile neither shift nor repeat the rows still to come (keyset paging).
`page` (offset paging) stays accepted; a page number counts rows, so its pages shift while rows are added.

Conditional requests: each list computes a cheap validator (count and newest change of the filtered rows, in
one aggregate statement that also gives the total); the ETag hashes it with who asks, the query string and
today's date (lights change with the day). A matching `If-None-Match` is answered 304 before the page's rows
are loaded or serialised.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from enum import Enum
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, g, jsonify, make_response, request
from itsdangerous import BadData, URLSafeSerializer

from app.api.params import MAX_PAGE, MAX_PER_PAGE, arg_int, bad_parameter
from app.core.clock import today, utcnow
from app.extensions import db

# Part of every ETag: bump when the JSON of a list or detail changes shape, so clients do not keep old bodies.
REPRESENTATION = "2"
CURSOR_MAX = 500  # characters; a longer cursor is no cursor of ours


# --- sort keys ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a sort key: the SQL expression, the row attribute it is read from, how its value is kept
    in a cursor (`int`, `str`, `date`, `datetime` or a labelled enum class) and the direction."""

    expression: object
    attribute: str
    kind: object = int
    descending: bool = False


@dataclass(frozen=True)
class SortKey:
    """The total order of a list; `name` ties a cursor to it (a cursor of another list or order is refused)."""

    name: str
    columns: tuple

    def order_by(self):
        return [c.expression.desc() if c.descending else c.expression for c in self.columns]

    def values(self, row):
        return tuple(getattr(row, c.attribute) for c in self.columns)

    def after(self, values):
        """SQL: the rows strictly after `values` in this order (written out, so mixed directions work and the
        planner can use an index on the leading column)."""
        clauses = []
        for i, column in enumerate(self.columns):
            equal = [c.expression == v for c, v in zip(self.columns[:i], values[:i], strict=True)]
            beyond = column.expression < values[i] if column.descending else column.expression > values[i]
            clauses.append(sa.and_(*equal, beyond))
        first, value = self.columns[0].expression, values[0]
        # the redundant bound on the first column is what lets an index on it start at the cursor
        return sa.and_(first <= value if self.columns[0].descending else first >= value, sa.or_(*clauses))

    def comparable(self, values):
        """A Python tuple ordered as this key orders rows (descending columns are inverted)."""
        out = []
        for column, value in zip(self.columns, values, strict=True):
            if isinstance(value, Enum):
                value = value.value  # as the VARCHAR column sorts it
            if column.descending:
                value = _Reversed(value)
            out.append(value)
        return tuple(out)


class _Reversed:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value


def _encode(kind, value):
    if kind in (date, datetime):
        return value.isoformat()
    if kind in (int, str):
        return value
    return value.value  # a labelled enum


def _decode(kind, value):
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    if kind is str:
        return value
    if kind is date:
        return date.fromisoformat(value)
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed
    return kind(value)


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-list-cursor")


def encode_cursor(sort, values):
    return _serializer().dumps([sort.name, [_encode(c.kind, v) for c, v in zip(sort.columns, values, strict=True)]])


def _bad_cursor():
    return bad_parameter("cursor", "参数 cursor（翻页游标）无效或已被修改：请原样使用上一页答复中 next 链接里的"
                                   "游标，或去掉 cursor 从第一页开始。")


def decode_cursor(sort, text):
    if len(text) > CURSOR_MAX:
        raise _bad_cursor()
    try:
        name, raw = _serializer().loads(text)
        if name != sort.name or not isinstance(raw, list) or len(raw) != len(sort.columns):
            raise ValueError
        return tuple(_decode(c.kind, v) for c, v in zip(sort.columns, raw, strict=True))
    except (BadData, ValueError, TypeError):
        raise _bad_cursor() from None


# --- the arguments ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paging:
    """What the client asked for: `per_page`, and either a `cursor` (the key to start after) or a `page`."""

    sort: SortKey
    per_page: int
    page: int | None = None
    after: tuple | None = None

    @property
    def offset(self):
        return (self.page - 1) * self.per_page if self.page else 0


def paging_args(sort):
    """Read per_page, page and cursor (400 in Chinese when bad; page and cursor together are refused)."""
    per_page = arg_int("per_page", "每页条数", maximum=MAX_PER_PAGE) or \
        min(current_app.config.get("PAGE_SIZE", 50), MAX_PER_PAGE)
    page = arg_int("page", "页码", maximum=MAX_PAGE)
    cursor = request.args.get("cursor", "").strip()
    if cursor and page:
        raise bad_parameter("page", "参数 page（页码）和 cursor（翻页游标）只能用一个：按 next 链接翻页时"
                                    "不要再加 page。")
    return Paging(sort, per_page, page, decode_cursor(sort, cursor) if cursor else None)


# --- one page -----------------------------------------------------------------------------------------------

@dataclass
class Page:
    rows: list
    total: int
    paging: Paging
    next_values: tuple | None  # the sort key of the last row when more rows follow, else None

    def envelope(self, items, **extra):
        """{items, total, per_page, page, next} and any `extra` keys of the list."""
        first = self.paging.after is None and self.paging.page is None
        return dict(extra, items=items, total=self.total, per_page=self.paging.per_page,
                    page=1 if first else self.paging.page, next=self.next_link())

    def next_link(self):
        if self.next_values is None:
            return None
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "page")]
        args.append(("cursor", encode_cursor(self.paging.sort, self.next_values)))
        return f"{request.script_root}{request.path}?{urlencode(args)}"


def sql_page(select, paging, total, scalars=True, keys=None):
    """The page of `select` (rows or, with `scalars`, the first column of each) in the paging's order: the rows
    after the cursor, or at the page's offset; one statement, one row more than asked to know whether more
    follow.

    `keys`: a narrow select of the same rows whose first column is the id (and which can order them): the page's
    ids are picked from it in a subquery, so that only the page's rows are read in full and joined."""
    sort = paging.sort
    query = keys if keys is not None else select
    query = query.order_by(*sort.order_by()).limit(paging.per_page + 1)
    if paging.after is not None:
        query = query.where(sort.after(paging.after))
    elif paging.offset:
        query = query.offset(paging.offset)
    if keys is not None:
        query = select.where(keys.selected_columns[0].in_(query.with_only_columns(keys.selected_columns[0])))\
            .order_by(*sort.order_by())
    result = db.session.scalars(query) if scalars else db.session.execute(query)
    rows = result.all()
    more = len(rows) > paging.per_page
    rows = rows[:paging.per_page]
    return Page(rows, total, paging, sort.values(rows[-1]) if more and rows else None)


def keys_page(keys, paging):
    """The page of `keys` (narrow rows already in memory, each with the sort key's attributes), sorted here."""
    sort = paging.sort
    ordered = sorted(keys, key=lambda k: sort.comparable(sort.values(k)))
    if paging.after is not None:
        start = sort.comparable(paging.after)
        ordered = [k for k in ordered if start < sort.comparable(sort.values(k))]
        rows = ordered[:paging.per_page + 1]
    else:
        rows = ordered[paging.offset:paging.offset + paging.per_page + 1]
    more = len(rows) > paging.per_page
    rows = rows[:paging.per_page]
    return Page(rows, len(keys), paging, sort.values(rows[-1]) if more and rows else None)


# --- conditional answers ------------------------------------------------------------------------------------

class Conditional:
    """The validators of one answer: an ETag from `parts` (what changes when the rows change) plus who asks,
    the query string and today's date; `last_modified` (aware UTC) when one timestamp covers every change.

        cond = Conditional(count, newest)
        if cond.fresh(): return cond.not_modified()
        ... load, serialise ...
        return cond.answer(payload)
    """

    def __init__(self, *parts, last_modified=None):
        user = getattr(g, "api_user", None)
        on = today()
        who = (user.id, user.role.value, user.unit_id, user.person_id) if user is not None else ()
        text = repr((REPRESENTATION, who, request.path, request.query_string, on.isoformat(),
                     [_encode(type(p), p) if isinstance(p, date | datetime) else p for p in parts]))
        self.etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
        self.last_modified = None
        if last_modified is not None:
            # Lights change at midnight; Last-Modified is never before today began (local day, as UTC).
            midnight = datetime.combine(on, datetime.min.time(), tzinfo=last_modified.tzinfo)
            stamp = max(last_modified, midnight).replace(microsecond=0)
            # A validator of one-second resolution is only sound once its second is over: a change later in
            # the same second would carry the same Last-Modified (so no Last-Modified until then).
            if stamp + timedelta(seconds=1) <= utcnow():
                self.last_modified = stamp

    def fresh(self):
        """Whether the client's copy is current: If-None-Match when sent (it wins), else If-Modified-Since."""
        match = request.headers.get("If-None-Match")
        if match is not None:
            tags = {t.strip().removeprefix("W/") for t in match.split(",")}
            return "*" in tags or self.etag in tags
        since = request.headers.get("If-Modified-Since")
        if since and self.last_modified is not None:
            try:
                since_at = parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                return False
            return since_at.tzinfo is not None and self.last_modified <= since_at
        return False

    def _headers(self, response):
        response.headers["ETag"] = self.etag
        if self.last_modified is not None:
            response.headers["Last-Modified"] = format_datetime(self.last_modified, usegmt=True)
        # per account (the token decides what is visible): never shared by a cache, always revalidated
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["Vary"] = "Authorization"
        return response

    def not_modified(self):
        return self._headers(make_response("", 304))

    def answer(self, payload, status=200):
        return self._headers(make_response(jsonify(payload), status))


def latest(*values):
    """The latest of the aware datetimes among `values` (validator parts of any kind), or None: the
    Last-Modified of an answer made of several rows."""
    times = [v for v in values if isinstance(v, datetime) and v.tzinfo is not None]
    return max(times) if times else None


def table_marks(*models):
    """Scalar subqueries of (count, sum of ids, newest updated_at) of each of these small tables: whatever is
    added, removed or changed in them changes one of the values. For lists of reference rows (units, plans,
    people) and the rows shown with them."""
    marks = []
    for model in models:
        marks += [sa.select(sa.func.count()).select_from(model).scalar_subquery(),
                  sa.select(sa.func.sum(model.id)).scalar_subquery(),
                  sa.select(sa.func.max(model.updated_at)).scalar_subquery()]
    return marks


def aggregate(model, where, *extra):
    """(count, newest updated_at, sum of ids, *extra) of the rows of `model` matching `where`, in one statement:
    the total of a list and the parts of its validator (a row added, removed or changed changes one of them)."""
    row = db.session.execute(sa.select(sa.func.count(), sa.func.max(model.updated_at), sa.func.sum(model.id),
                                       *extra).select_from(model).where(*where)).one()
    return tuple(row)
