"""Billing periods. A period is a closed range of days [start, end]: a monthly period starting on 3 March ends on
2 April. Months are added calendar-wise; a start on the 29th to 31st is clamped to the month's last day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .packages import Cycle

MONTHS = {"monthly": 1, "yearly": 12}


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def starting(cls, start: date, cycle: Cycle) -> "Period":
        return cls(start, add_months(start, MONTHS[cycle]) - timedelta(days=1))

    def next(self, cycle: Cycle) -> "Period":
        return Period.starting(self.end + timedelta(days=1), cycle)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def days_from(self, day: date) -> int:
        """Days of the period from `day` to the end, both included."""
        return (self.end - day).days + 1

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def german(self) -> str:
        return f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"
