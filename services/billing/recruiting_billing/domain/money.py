"""Money is an integer number of cents everywhere. The one rounding rule: commercial rounding (half away from zero,
`ROUND_HALF_UP` on the absolute value) to whole cents, applied once per computed amount (a pro-rata line, the VAT
of an invoice), never to intermediate values."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_cents(value: Decimal) -> int:
    """Commercial rounding of an exact amount in cents to whole cents."""
    rounded = abs(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(rounded if value >= 0 else -rounded)


def percent_of(cents: int, rate_percent: Decimal) -> int:
    return round_cents(Decimal(cents) * rate_percent / Decimal(100))


def decimal_amount(cents: int) -> str:
    """12345 -> '123.45', the form EN 16931 amounts take."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


def german_amount(cents: int, currency: str = "EUR") -> str:
    """12345 -> '123,45 EUR', for the printed invoice and e-mails."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{fraction:02d} {currency}"
