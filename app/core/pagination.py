"""Pagination of a select() with the page number from the query string (bad values fall back to 1)."""

from flask import current_app, request

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
