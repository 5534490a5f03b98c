"""Pagination of a select() with the page number from the query string (bad values fall back to 1)."""

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination

from app.core.sql import select_rows
from app.extensions import db


def page_number():
    try:
        page = int(request.args.get("page", 1))
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), 100000)


def paginate(query, per_page=None):
    return db.paginate(query, page=page_number(), per_page=per_page or current_app.config["PAGE_SIZE"],
                       error_out=False, count=True)


class RowsPagination(Pagination):
    """Pages a list in two steps: count and pick the page's ids on a narrow statement (which indexes can
    answer), then load only those rows with their eager loads, in the same order."""

    def _query_items(self):
        ids = select_rows(self._query_args["ids"].limit(self.per_page).offset(self._query_offset)).scalars().all()
        if not ids:
            return []
        position = {ident: n for n, ident in enumerate(ids)}
        return sorted(self._query_args["load"](ids), key=lambda row: position[row.id])

    def _query_count(self):
        if self._query_args.get("total") is not None:
            return self._query_args["total"]  # known already (e.g. the sum of the light counts)
        sub = self._query_args["ids"].order_by(None).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(sub))


def paginate_rows(ids, load, per_page=None, total=None):
    """`ids`: a select of the rows' ids with filters and order; `load(ids)`: the rows for those ids; `total`:
    the number of rows when the page already knows it (no count query then)."""
    return RowsPagination(page=page_number(), per_page=per_page or current_app.config["PAGE_SIZE"],
                          max_per_page=None, error_out=False, count=True, ids=ids, load=load, total=total)
