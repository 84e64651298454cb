from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel import money


def test_quantize_rounds_half_up_to_cents():
    assert money.quantize("2.675") == Decimal("2.68")
    assert money.quantize("2.665") == Decimal("2.67")
    assert money.quantize("-2.675") == Decimal("-2.68")


def test_line_total_rounds_per_line_then_total_sums():
    lines = [
        money.line_total("1.333", 3),
        money.line_total("0.125", 1),
        money.line_total("4.99", "0.455"),
    ]
    assert lines == [Decimal("4.00"), Decimal("0.13"), Decimal("2.27")]
    assert money.total(lines) == Decimal("6.40")


def test_line_total_with_a_fee_rounds_once_per_line():
    # 1.5 kg x 2.35 = 3.525; + 2 % = 3.5955 → 3.60 (not 3.53 + 0.07 rounded apart).
    assert money.line_total("2.35", "1.5", fee_percent="2") == Decimal("3.60")
    assert money.line_total("2.35", "1.5", fee_percent=0) == money.line_total("2.35", "1.5")
    assert money.with_fee("10", "5.5") == Decimal("10.55")
    assert money.line_total("499", 1, "JPY", fee_percent="5") == Decimal("524")


@given(
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.decimals(min_value=0, max_value=1_000, places=3),
    st.decimals(min_value=0, max_value=100, places=2),
)
def test_line_total_with_fee_is_the_spec_formula(unit_price, quantity, fee_percent):
    expected = money.quantize(quantity * unit_price * (100 + fee_percent) / 100)
    assert money.line_total(unit_price, quantity, fee_percent=fee_percent) == expected


def test_floats_are_refused():
    with pytest.raises(TypeError):
        money.quantize(0.1)


def test_bad_amount_is_a_value_error():
    with pytest.raises(ValueError):
        money.to_decimal("douze")


def test_comma_decimal_separator_is_accepted():
    assert money.to_decimal("12,50") == Decimal("12.50")


def test_minor_units_for_stripe():
    assert money.to_minor_units(Decimal("13.37")) == 1337
    assert money.to_minor_units("0.1") == 10
    assert money.from_minor_units(1337) == Decimal("13.37")
    assert money.to_minor_units(Decimal("500"), "JPY") == 500
    assert money.quantize("499.5", "JPY") == Decimal("500")


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_minor_units_round_trip(cents):
    assert money.to_minor_units(money.from_minor_units(cents)) == cents


def test_percentage():
    assert money.percentage("19.99", "5.5") == Decimal("1.10")


def test_format_money_by_locale():
    assert money.format_money(Decimal("1234.5"), "EUR", "fr") == "1\u202f234,50\xa0€"
    assert money.format_money(Decimal("1234.5"), "EUR", "en") == "€1,234.50"
    assert money.format_money(None) == ""


def test_money_template_filter_follows_active_language():
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load cagette_tags %}{{ amount|money:'EUR' }}")
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("3.5")})) == "€3.50"
    with translation.override("fr"):
        assert template.render(Context({"amount": Decimal("3.5")})) == "3,50\xa0€"


def test_format_money_matches_babel_and_never_shows_negative_zero():
    from babel.numbers import format_currency

    for locale in ("fr", "en"):
        for currency in ("EUR", "CHF", "JPY"):
            for value in ["0", "1", "-1", "12.5", "-1234.56", "1234567.891", "999.995"]:
                expected = format_currency(money.quantize(value, currency), currency, locale=locale)
                assert money.format_money(Decimal(value), currency, locale) == expected
    assert money.format_money(Decimal("-0.004"), "EUR", "en") == "€0.00"
