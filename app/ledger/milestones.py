"""Milestone lights of projects (issue #14 part 2), on Chinese working days.

A milestone (one stage of 签约 → 开工 → 在建 → 竣工 → 投产 → 达产) with a planned date is:
  done    reached (it has an actual date), whatever the planned date;
  red     not reached and its planned date has passed (planned date before today);
  yellow  not reached and due within 10 working days: planned on or before the yellow limit, the day before the
          11th working day after today (as tasks count their 3 days), so a planned date on the holiday or weekend
          right after the 10th working day is yellow too;
  green   not reached and due later;
  none    no planned date (nothing to judge).
A project's light is the worst of its milestones (red, yellow, green, then done; none when it has no milestone to
judge). Only the earliest planned date among the unreached milestones matters for the project, so lists compute it
with one aggregate (`min(planned_on) where actual_on is null`): `project_light`.

Time and the calendar are injected: `Window.for_day(today, calendar)`.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from app.core.models import LabelledEnum

YELLOW_WORKDAYS = 10


class MilestoneLight(LabelledEnum):
    red = "red", "红灯"
    yellow = "yellow", "黄灯"
    green = "green", "绿灯"
    done = "done", "已完成"
    none = "none", "未排期"


# worst first: a project's light is the first of these that any of its milestones has
SEVERITY = (MilestoneLight.red, MilestoneLight.yellow, MilestoneLight.green, MilestoneLight.done,
            MilestoneLight.none)
FILTER_LIGHTS = (MilestoneLight.red, MilestoneLight.yellow, MilestoneLight.green)
BADGE = {MilestoneLight.red: "text-bg-danger", MilestoneLight.yellow: "text-bg-warning",
         MilestoneLight.green: "text-bg-success", MilestoneLight.done: "text-bg-secondary",
         MilestoneLight.none: "text-bg-light border"}


@dataclass(frozen=True)
class Window:
    """The thresholds of one day: red before `today`, yellow up to `yellow_limit`."""

    today: date
    yellow_limit: date

    @classmethod
    def for_day(cls, today: date, calendar, workdays: int = YELLOW_WORKDAYS):
        return cls(today, calendar.add_workdays(today, workdays + 1) - timedelta(days=1))

    def of(self, planned_on: date | None, actual_on: date | None) -> MilestoneLight:
        if actual_on is not None:
            return MilestoneLight.done
        if planned_on is None:
            return MilestoneLight.none
        if planned_on < self.today:
            return MilestoneLight.red
        if planned_on <= self.yellow_limit:
            return MilestoneLight.yellow
        return MilestoneLight.green

    def project_light(self, earliest_open_planned: date | None, any_reached: bool) -> MilestoneLight:
        """A project's light from the earliest planned date of its unreached milestones (None: no such milestone)
        and whether any milestone is reached."""
        if earliest_open_planned is not None:
            return self.of(earliest_open_planned, None)
        return MilestoneLight.done if any_reached else MilestoneLight.none


def worst(lights) -> MilestoneLight:
    found = set(lights)
    return next((light for light in SEVERITY if light in found), MilestoneLight.none)
