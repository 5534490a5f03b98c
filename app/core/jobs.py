"""The scheduler's job registry: each package registers its jobs when the app is created (its `register(app)`,
called by create_app), and `flask scheduler` runs what is registered. Nothing runs here, and no package needs
to know the scheduler process (app.reminders.scheduler) to add a job."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    """`func(now) -> dict | None` runs every `seconds` inside an app context and the scheduler's transaction;
    `label` and `result_labels` ({key of the result dict: Chinese}) are how the office page names the job and
    its last result."""

    name: str
    func: object
    seconds: int
    label: str | None = None
    result_labels: dict = field(default_factory=dict)


def register_job(app, name, func, seconds, label=None, result_labels=None):
    """Add (or, when the app registers it again, replace) the job `name`."""
    jobs = app.extensions.setdefault("scheduler_jobs", {})
    jobs[name] = Job(name, func, int(seconds), label, dict(result_labels or {}))
    return jobs[name]


def registered_jobs(app) -> list[Job]:
    """The jobs, in the order they were registered."""
    return list(app.extensions.get("scheduler_jobs", {}).values())
