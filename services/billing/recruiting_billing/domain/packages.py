"""License packages: what a company can book. The catalogue comes from configuration (see config.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Cycle = Literal["monthly", "yearly"]


class Package(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str
    max_active_postings: int = Field(ge=0)
    monthly_net_cents: int = Field(ge=0)
    yearly_net_cents: int = Field(ge=0)
    currency: str = "EUR"

    def net_cents(self, cycle: Cycle) -> int:
        return self.monthly_net_cents if cycle == "monthly" else self.yearly_net_cents
