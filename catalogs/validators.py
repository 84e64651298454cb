"""Checks of French company numbers (SIREN / SIRET) and NAF codes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalogs.reference import naf_codes, normalize_naf

# La Poste's establishments share one SIREN and do not follow the Luhn key: for them the sum of
# the 14 digits of the SIRET must be a multiple of 5 (INSEE rule).
LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siret(value: str) -> str:
    """Spaces, dots and dashes people type are dropped: ``732 829 320 00074`` → 14 digits."""
    return "".join(ch for ch in str(value) if ch not in " .-\u00a0\u202f\t")


def siret_is_valid(value: str) -> bool:
    siret = normalize_siret(value)
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret[:9] == LA_POSTE_SIREN:
        return luhn_valid(siret) or sum(int(c) for c in siret) % 5 == 0
    return luhn_valid(siret[:9]) and luhn_valid(siret)


def validate_siret(value: str) -> None:
    siret = normalize_siret(value)
    if not siret:
        return
    if not siret.isdigit() or len(siret) != 14:
        raise ValidationError(
            _("A SIRET number has exactly 14 digits (you typed %(count)d characters)."),
            code="siret_length",
            params={"count": len(siret)},
        )
    if not siret_is_valid(siret):
        raise ValidationError(
            _("This SIRET number is not valid: its check digit does not match. Check for a typo."),
            code="siret_checksum",
        )


def validate_naf_code(value: str) -> None:
    if value and normalize_naf(value) not in naf_codes():
        raise ValidationError(
            _("Unknown NAF code: give a sub-class such as 0113Z."), code="naf_unknown"
        )
