from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from kernel import money
from kernel.quantities import plain, qty


def test_qty_drops_trailing_zeros_in_the_active_locale():
    with translation.override("fr"):
        assert qty(Decimal("1.500")) == "1,5"
        assert qty(Decimal("12.000")) == "12"
        assert qty(Decimal("100")) == "100"
        assert qty(None) == ""
    with translation.override("en"):
        assert qty(Decimal("1.500")) == "1.5"


def test_plain_and_input_amount_are_for_number_inputs_whatever_the_language():
    with translation.override("fr"):
        assert plain(Decimal("2.500")) == "2.5"
        assert plain(Decimal("3.000")) == "3"
        assert money.input_amount(Decimal("2.4")) == "2.40"
    assert plain("") == "" and money.input_amount(None) == ""


def test_template_filters_wrap_the_same_functions():
    template = Template("{% load catalogs_tags %}{{ q|qty }} {{ q|plain }} {{ p|amount }}")
    with translation.override("fr"):
        text = template.render(Context({"q": Decimal("1.250"), "p": Decimal("3")}))
    assert text == "1,25 1.25 3.00"
