"""Commit or refuse: the one shape of an action view, written once.

An action view calls one service (or a few, as one unit of work). Either the service refuses with a
:class:`~app.core.errors.ServiceError` — then nothing of the unit of work is kept (rollback), the Chinese
message is shown (on the form's field it names, else flashed) and the view shows its page again — or it
succeeds, and the view commits once, flashes what was done and redirects. In the spirit of Indico's
``RH.process``, which commits once per request::

    done = perform(lambda: services.update_unit(current_user, unit, ...), "单位信息已保存。", form=form)
    if done:
        return redirect(url_for("org.unit", unit_id=unit.id))
    return render_template("org/unit_form.html", form=form, unit=unit), 400 if form.errors else 200

Anything the view must do before the service (reading what it needs, :func:`app.core.transactions.
end_before_slow_work` before a password hash) stays in the view, before ``perform``.
"""

from dataclasses import dataclass

from flask import flash

from app.core.errors import ServiceError
from app.core.forms import apply_service_error
from app.extensions import db


@dataclass(frozen=True)
class Outcome:
    """What :func:`perform` did: true when committed (``value`` is what the action returned), false when refused
    (``error`` says why)."""

    value: object = None
    error: ServiceError | None = None

    def __bool__(self):
        return self.error is None

    @property
    def status(self):
        """The refusal's HTTP status (the service's own), 200 when committed."""
        return 200 if self.error is None else self.error.status


def perform(action, success=None, *, form=None, on_refusal=None, category="danger", prefix=""):
    """Run ``action()``; commit and flash ``success``, or roll back and show the refusal. Returns an Outcome.

    ``success`` is the flashed message (category "success"): a string, or a function of the action's result
    returning one (None: nothing flashed). A refusal is shown by ``on_refusal(error)`` when given, else on
    ``form`` (on the field the error names, else as a form-level error), else flashed as ``prefix`` + message
    in ``category``.
    """
    try:
        value = action()
    except ServiceError as error:
        db.session.rollback()
        if on_refusal is not None:
            on_refusal(error)
        elif form is not None:
            apply_service_error(form, error)
        else:
            flash(prefix + error.message, category)
        return Outcome(error=error)
    db.session.commit()
    message = success(value) if callable(success) else success
    if message:
        flash(message, "success")
    return Outcome(value=value)
