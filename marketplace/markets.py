"""Markets a policy can apply to: the EU-27 and the United Kingdom (ISO 3166-1)."""

from django.utils.translation import gettext_lazy as _

from core.api.text import either_case

EU_MARKETS = {
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "HR": _("Croatia"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "FI": _("Finland"),
    "FR": _("France"),
    "DE": _("Germany"),
    "GR": _("Greece"),
    "HU": _("Hungary"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LV": _("Latvia"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "MT": _("Malta"),
    "NL": _("Netherlands"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SK": _("Slovakia"),
    "SI": _("Slovenia"),
    "ES": _("Spain"),
    "SE": _("Sweden"),
}
UK_MARKETS = {"GB": _("United Kingdom")}
MARKETS = {**EU_MARKETS, **UK_MARKETS}
MARKET_CHOICES = sorted(MARKETS.items(), key=lambda item: item[0])
# People write "UK"; ISO 3166-1 says "GB".
ALIASES = {"UK": "GB", "EL": "GR"}
# What normalize_market accepts, in any letter case, for JSON Schema and Python alike.
MARKET_PATTERN = (
    "^(?:" + "|".join(either_case(code) for code in sorted({*MARKETS, *ALIASES})) + ")$"
)


def normalize_market(code: str) -> str | None:
    """The ISO code of a market we serve, or None."""
    code = (code or "").strip().upper()
    code = ALIASES.get(code, code)
    return code if code in MARKETS else None


def is_eu(code: str) -> bool:
    return code in EU_MARKETS
