"""kernel.numbers: one parser for what people type, French or English, bounded and finite."""

from decimal import Decimal

import pytest

from kernel.numbers import DecimalInputField, NumberError, parse_decimal

BOUNDS = {"places": 3, "maximum": Decimal("9999")}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,5", Decimal("1.5")),
        ("1.5", Decimal("1.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,500", Decimal("1234.500")),
        ("  12 ", Decimal("12")),
        ("12\r\n", Decimal("12")),  # a pasted cell's line end around the number
        ("1\u202f234", Decimal("1234")),
        (",5", Decimal("0.5")),
        ("", None),
        (None, None),
        (Decimal("2.25"), Decimal("2.25")),
        (7, Decimal("7")),
    ],
)
def test_french_and_english_typing_give_the_same_number(raw, expected):
    assert parse_decimal(raw, **BOUNDS) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1e30",
        "1E3",
        "99999999999",
        "12,5,3",
        "1.2.3",
        "abc",
        "0x10",
        "١٢",
        "1.2345",
        "-1",
        "\x001",
        "1\r\n2",  # a line break inside is not a thousands space: not 12
        "1\t2",
        "9" * 400,
        Decimal("NaN"),
    ],
)
def test_anything_else_is_refused_with_a_message(raw):
    with pytest.raises(NumberError) as refused:
        parse_decimal(raw, **BOUNDS)
    assert str(refused.value)


def test_the_messages_are_french_by_default():
    with pytest.raises(NumberError, match="au plus"):
        parse_decimal("10000", **BOUNDS)
    with pytest.raises(NumberError, match="nombre entier"):
        parse_decimal("1,5", places=0, maximum=Decimal(10))


def test_the_form_field_reports_next_to_the_field():
    field = DecimalInputField(places=2, maximum=Decimal("100"), required=False)
    assert field.clean("12,34") == Decimal("12.34")
    with pytest.raises(Exception, match="nombre"):
        field.clean("NaN")
