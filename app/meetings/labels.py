"""How a meeting and its record are named: the period in words, the record's title, a decision task's 来源说明."""

from app.meetings.cadence import key_period_label
from app.meetings.models import MeetingType


def period_label(expected) -> str:
    """The period in words (2026年第11周, 2026年3月上旬, 2026年第一季度 ...), as the cadence names it."""
    return key_period_label(expected.type, expected.period_key)


def record_title(expected) -> str:
    noun = "述职报告" if expected.type is MeetingType.semiannual else "纪要"
    return f"{expected.convener_label} {period_label(expected)}{expected.type.label}{noun}"


def source_ref(expected) -> str:
    """The task's 来源说明 for a decision of this meeting."""
    return f"{expected.type.label} {period_label(expected)}（{expected.convener_label}）"[:200]
