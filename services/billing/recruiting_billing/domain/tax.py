"""Which VAT an invoice carries. The seller is a German company selling a service to businesses (B2B):

- buyer in Germany: 19 % (category S);
- buyer in another EU member state with a valid VAT id: 0 %, reverse charge (§13b UStG, Art. 196 VAT directive;
  category AE) with the note "Steuerschuldnerschaft des Leistungsempfängers";
- buyer in another EU member state without a VAT id: treated as a domestic sale, 19 % (we cannot prove the
  buyer is a business);
- buyers outside the EU are not supported (their invoices would need another VAT category and note)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stdnum.eu import vat as eu_vat

from .errors import InvalidProfile, UnsupportedCountry

GERMAN_VAT_RATE = Decimal("19")
REVERSE_CHARGE_NOTE = "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, Art. 196 MwStSystRL)"
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
VAT_PREFIX = {"GR": "EL"}  # Greece's VAT ids start with EL, not its ISO code


@dataclass(frozen=True)
class VatTreatment:
    category: str  # EN 16931 VAT category code (UNCL5305): S standard rate, AE reverse charge
    rate: Decimal
    note: str | None = None
    exemption_code: str | None = None  # VATEX code, EN 16931 BT-121

    @property
    def reverse_charge(self) -> bool:
        return self.category == "AE"


STANDARD = VatTreatment("S", GERMAN_VAT_RATE)
REVERSE_CHARGE = VatTreatment("AE", Decimal("0"), REVERSE_CHARGE_NOTE, "VATEX-EU-AE")


def vat_treatment(buyer_country: str, buyer_vat_id: str | None) -> VatTreatment:
    if buyer_country not in EU_COUNTRIES:
        raise UnsupportedCountry("Billing is available for companies in the EU.")
    if buyer_country != "DE" and buyer_vat_id:
        return REVERSE_CHARGE
    return STANDARD


def normalise_vat_id(country: str, vat_id: str) -> str:
    """The compact form of a VAT id, checked for format and check digits (python-stdnum) and for matching the
    profile's country. Raises InvalidProfile with a message that names the rule, not the input."""
    try:
        compact = eu_vat.validate(vat_id)
    except Exception:
        raise InvalidProfile("vat_id is not a valid EU VAT identification number (format or check digits).",
                             errors=[{"loc": ["body", "vat_id"], "msg": "invalid VAT id", "type": "vat_id"}]) from None
    if compact[:2] != VAT_PREFIX.get(country, country):
        raise InvalidProfile("vat_id does not belong to the profile's country.",
                             errors=[{"loc": ["body", "vat_id"], "msg": "country mismatch", "type": "vat_id"}])
    return compact


def vat_rate_text(rate: Decimal) -> str:
    """19.00 -> '19', 7.50 -> '7.5': the rate as EN 16931 and the printed invoice show it."""
    return f"{rate.normalize():f}"
