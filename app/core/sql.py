"""Plain rows from the session's transaction without the ORM's execution layer.

`db.session.execute()` sends every statement through the ORM (its compile state, events and result set-up) even
when the statement only selects columns. For the statements a list page runs on every view — the light counts,
a page's ids, the rows of a task list, the calendar, the unread count — that layer cost more than the database's
answer: about 90 µs of CPU a statement, a tenth of an inbox page (issue #13). `select_rows()` runs such a
statement on the session's own connection, in its transaction, after flushing what is pending as the ORM's
autoflush would. Mapped objects are still loaded through the session (`db.session.scalars(select(Model))`).
"""

from app.extensions import db


def select_rows(statement, params=None):
    """The result of a statement that selects columns (not mapped objects), in the session's transaction. Take its
    rows with `.all()` / `.scalars().all()` (one fetch) rather than by iterating it (a fetch per row)."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params)
