"""Extension points of the task pages for packages above `tasks` (which tasks may not import):

- extra filters of the overview (/tasks/): `register_task_filter(app, name, label, build, options)`. The query
  string argument `name` holds an id; `build(id)` returns a WHERE clause on Task; `options()` the (id, label) pairs
  of the filter's select. The overview applies every registered filter found in the request's arguments.
- panels on a task's page: `register_task_panel(app, render)`; `render(task, user)` returns HTML (Markup) or "".

Registration is plain data in `app.extensions` (no setup method), so it may happen at any time.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request

from app.core.input_guards import ID_MAX

FILTERS_KEY = "task_filters"
PANELS_KEY = "task_panels"


@dataclass(frozen=True)
class ExtraFilter:
    name: str  # the query string argument
    label: str  # the select's first option, e.g. 全部产业链
    build: Callable  # id -> a WHERE clause on Task
    options: Callable | None = None  # () -> [(id, label)]


@dataclass(frozen=True)
class ActiveFilter:
    spec: ExtraFilter
    value: int | None  # None: not asked for

    @property
    def name(self):
        return self.spec.name

    @property
    def label(self):
        return self.spec.label

    def options(self):
        return list(self.spec.options()) if self.spec.options else []


def register_task_filter(app, name, label, build, options=None):
    """Add (or replace) the overview filter `name`."""
    app.extensions.setdefault(FILTERS_KEY, {})[name] = ExtraFilter(name, label, build, options)


def register_task_panel(app, key, render):
    """Add (or replace) the task page panel `key`."""
    app.extensions.setdefault(PANELS_KEY, {})[key] = render


def registered_filters(app=None):
    return list((app or current_app).extensions.get(FILTERS_KEY, {}).values())


def _id_arg(name):
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if -ID_MAX <= value <= ID_MAX else -1


def active_filters():
    """Each registered filter with the id the request asks for (None when absent or not a number)."""
    return [ActiveFilter(spec, _id_arg(spec.name)) for spec in registered_filters()]


def clauses(filters):
    """The WHERE clauses of the filters that have a value."""
    return [f.spec.build(f.value) for f in filters if f.value is not None]


def task_panels(task, user):
    """The HTML of every registered panel for this task's page."""
    return [html for render in current_app.extensions.get(PANELS_KEY, {}).values() if (html := render(task, user))]
