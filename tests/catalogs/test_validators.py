from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalogs.reference import naf_codes, taxonomy
from catalogs.validators import siret_is_valid, validate_naf_code, validate_siret
from tests.catalogs.factories import make_siret


def test_siret_with_a_valid_check_digit_is_accepted():
    assert siret_is_valid("73282932000074")
    assert siret_is_valid("732 829 320 00074")  # spaces people type are dropped
    validate_siret("73282932000074")


def test_siret_with_a_wrong_check_digit_is_refused():
    assert not siret_is_valid("73282932000075")
    with pytest.raises(ValidationError) as exc:
        validate_siret("73282932000075")
    assert exc.value.code == "siret_checksum"


@pytest.mark.parametrize("value", ["7328293200007", "732829320000740", "7328293200007A"])
def test_siret_of_the_wrong_length_or_with_letters_is_refused(value):
    assert not siret_is_valid(value)
    with pytest.raises(ValidationError) as exc:
        validate_siret(value)
    assert exc.value.code == "siret_length"


def test_siret_whose_siren_fails_the_luhn_key_is_refused():
    # 14 digits passing the SIRET key, but the SIREN part (first 9 digits) does not.
    bad_siren = "123456780"
    from catalogs.validators import luhn_valid

    assert not luhn_valid(bad_siren)
    siret = next(
        bad_siren + "0001" + str(d) for d in range(10) if luhn_valid(bad_siren + "0001" + str(d))
    )
    assert not siret_is_valid(siret)


def test_la_poste_establishments_use_the_sum_of_digits_rule():
    # La Poste's SIREN 356000000: the head office passes Luhn, other establishments do not,
    # their digits summing to a multiple of 5 instead.
    assert siret_is_valid("35600000000048")
    assert siret_is_valid("35600000049837")
    from catalogs.validators import luhn_valid

    assert not luhn_valid("35600000049837")
    assert sum(map(int, "35600000049837")) % 5 == 0
    assert not siret_is_valid("35600000049838")


def test_generated_test_sirets_are_valid():
    assert all(siret_is_valid(make_siret(n)) for n in range(100))


def test_naf_codes_are_the_sub_classes_and_accept_dots():
    assert "0113Z" in naf_codes()
    assert all(len(code) == 5 for code in naf_codes())
    validate_naf_code("0113Z")
    validate_naf_code("01.13z")
    with pytest.raises(ValidationError):
        validate_naf_code("0113")  # a class, not a sub-class
    with pytest.raises(ValidationError):
        validate_naf_code("9999Z")


def test_taxonomy_matches_names_without_regard_to_case():
    kinds = taxonomy()
    carrot, _ = kinds.find("carottes")
    assert carrot is not None
    assert kinds.find("CAROTTES")[0] == carrot
    assert kinds.kind(carrot).category == "Fruits & Légumes"


def test_taxonomy_ambiguous_names_need_the_sub_category():
    kinds = taxonomy()
    found, candidates = kinds.find("Fenouil")
    assert found is None and len(candidates) == 2
    assert kinds.find("légumes > fenouil")[0] is not None
    # Every label written by an export resolves back to its kind.
    assert all(kinds.find(kinds.label(k))[0] == k for k in kinds.kinds)


def test_reference_price_per_kg_and_litre():
    from catalogs.models import Product

    assert Product(
        price=Decimal("4.20"), unit_type="g", unit_quantity=Decimal("500")
    ).reference_price == (
        Decimal("8.40"),
        "kg",
    )
    assert Product(
        price=Decimal("2.00"), unit_type="cl", unit_quantity=Decimal("75")
    ).reference_price == (
        Decimal("2.67"),
        "L",
    )
    assert (
        Product(price=Decimal("3"), unit_type="piece", unit_quantity=Decimal("6")).reference_price
        is None
    )
