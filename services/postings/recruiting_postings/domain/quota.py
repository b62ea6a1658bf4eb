"""The license quota: how many postings a company may have published at the same time.

A company's allowance comes from its active subscriptions (billing's events). Publishing needs an active package
and a free place; when a package shrinks below the number already published, those stay online and only new
publishing is refused until the company is back under its allowance."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NoActiveLicense, QuotaExhausted


@dataclass(frozen=True)
class Allowance:
    package_id: str
    max_active_postings: int


def check_may_publish(allowance: Allowance | None, active_postings: int) -> None:
    if allowance is None:
        raise NoActiveLicense()
    if active_postings >= allowance.max_active_postings:
        raise QuotaExhausted(max_active_postings=allowance.max_active_postings, active_postings=active_postings)


def largest(allowances: list[Allowance]) -> Allowance | None:
    """Overlapping subscriptions (a new package booked before the old one ran out) do not add up: the largest
    package counts, so nobody gets more than they booked in one package."""
    return max(allowances, key=lambda a: a.max_active_postings, default=None)
