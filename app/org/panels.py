"""Extension point of a unit's page (/org/units/<id>) for packages above `org`, which org may not import: a panel
is `fn(unit, on, viewer)` returning (template name, context) or None (nothing to show to this viewer), registered
with `register_unit_panel(app, key, order, fn)`; the page renders the panels by `order`. The home package registers
the unit's tasks, meetings and ledger figures.

Registration is plain data in `app.extensions` (as the task pages' panels), so it may happen at any time.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

PANELS_KEY = "unit_panels"


@dataclass(frozen=True)
class UnitPanel:
    key: str
    order: int
    render: Callable  # (unit, on, viewer) -> (template name, context) | None


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    template: str
    context: dict


def register_unit_panel(app, key, order, fn):
    """Add (or replace) the unit page's panel `key`, shown in ascending `order`."""
    app.extensions.setdefault(PANELS_KEY, {})[key] = UnitPanel(key, order, fn)


def unit_panels(unit, on, viewer):
    """[RenderedPanel] of the unit's page for `viewer`, in order (the panels returning None left out)."""
    panels = sorted(current_app.extensions.get(PANELS_KEY, {}).values(), key=lambda p: (p.order, p.key))
    result = []
    for panel in panels:
        answer = panel.render(unit, on, viewer)
        if answer is not None:
            result.append(RenderedPanel(panel.key, *answer))
    return result
