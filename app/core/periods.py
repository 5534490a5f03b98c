"""Periods the programme counts in: the 旬 (days 1–10, 11–20, 21–month end), the month and the quarter.

Pure date arithmetic, no database and no clock: every function takes the dates it works on.
"""

import calendar as pycalendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


# --- the 旬 ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Xun:
    """A 旬: days 1–10, 11–20 or 21–month end."""

    year: int
    month: int
    index: int  # 1 上旬, 2 中旬, 3 下旬

    LABELS = {1: "上旬", 2: "中旬", 3: "下旬"}

    @classmethod
    def of(cls, day: date):
        return cls(day.year, day.month, 1 if day.day <= 10 else 2 if day.day <= 20 else 3)

    @classmethod
    def parse(cls, text: str):
        """'2026-11-3' → the 下旬 of November 2026; None when malformed."""
        try:
            year, month, index = (int(x) for x in text.split("-"))
            if not (2000 <= year <= 2100 and 1 <= month <= 12 and index in (1, 2, 3)):
                return None
        except (ValueError, AttributeError):
            return None
        return cls(year, month, index)

    @property
    def start(self):
        return date(self.year, self.month, (self.index - 1) * 10 + 1)

    @property
    def end(self):
        if self.index < 3:
            return date(self.year, self.month, self.index * 10)
        return month_end(self.year, self.month)

    @property
    def code(self):
        return f"{self.year}-{self.month:02d}-{self.index}"

    @property
    def label(self):
        return f"{self.year}年{self.month}月{self.LABELS[self.index]}"

    def previous(self):
        return Xun.of(self.start - timedelta(days=1))

    def next(self):
        return Xun.of(self.end + timedelta(days=1))


# --- months ---------------------------------------------------------------------------------------------------

def month_end(year: int, month: int) -> date:
    """The last day of the month."""
    return date(year, month, pycalendar.monthrange(year, month)[1])


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of the month."""
    return date(year, month, 1), month_end(year, month)


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) moved by `delta` months."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_key(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def parse_month(text):
    """'2026-11' → (2026, 11); None when malformed or out of range."""
    if not isinstance(text, str):
        return None
    match = MONTH_PATTERN.fullmatch(text.strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


# --- quarters -------------------------------------------------------------------------------------------------

def quarter_of(day: date) -> int:
    """1 to 4: the quarter `day` falls in."""
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of quarter 1 to 4 of `year`."""
    return date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter)
