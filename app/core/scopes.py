"""Extension point: the units whose tasks and ledger rows a user reads besides the user's own.

附件2 六(二): “各考评责任单位,要加强对县市区(园区)推进‘千百十’工程的督促指导,及时掌握各地、各部门工作开展
情况。” The assessment (``app.scoring``) knows which units a unit assesses, but it sits above the tasks and the
ledger, which may not import it. So it registers a scope here — ``register_read_scope(app, key, scope)``, where
``scope(user)`` returns the ids of the units whose rows the user additionally reads — and the tasks and the ledger
ask ``extra_read_unit_ids(user)``. A scope grants reading only: no action follows from it.

Registration is plain data in ``app.extensions`` (like app/tasks/filters.py). The union of the scopes is computed
once per request and user (cached in ``flask.g``), so a page costs the scopes' statements once, whatever the
number of rows it checks.
"""

from collections.abc import Callable, Iterable

from flask import current_app, g, has_request_context, request

SCOPES_KEY = "read_scopes"
_CACHE = "_read_scopes"

Scope = Callable[[object], Iterable[int]]


def register_read_scope(app, key: str, scope: Scope) -> None:
    """Add (or replace) the scope ``key``: ``scope(user)`` → the unit ids the user also reads."""
    app.extensions.setdefault(SCOPES_KEY, {})[key] = scope


def registered_scopes(app=None) -> list[Scope]:
    return list((app or current_app).extensions.get(SCOPES_KEY, {}).values())


def _request_marker():
    # Production has a fresh `g` per request; the tests hold one app context across their requests, so the cache
    # also remembers the request it was filled in and starts again in the next one.
    return request._get_current_object() if has_request_context() else None


def extra_read_unit_ids(user) -> frozenset[int]:
    """The units whose tasks and ledger rows ``user`` reads through a registered scope (empty without one, and
    for an anonymous user)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "id", None) is None:
        return frozenset()
    marker = _request_marker()
    cache = g.get(_CACHE)
    if cache is None or cache[0] is not marker:
        cache = (marker, {})
        setattr(g, _CACHE, cache)
    key = (user.id, getattr(user, "unit_id", None), getattr(user, "role", None))
    if key not in cache[1]:
        ids: set[int] = set()
        for scope in registered_scopes():
            ids.update(scope(user))
        cache[1][key] = frozenset(ids)
    return cache[1][key]


def forget_read_scopes() -> None:
    """Drop the cached scopes (after a change of the data they come from, within the same request)."""
    g.pop(_CACHE, None)
