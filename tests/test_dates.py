"""Dates as each language writes them (kernel.dates and the ``local_date`` filter)."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from kernel.dates import FORMATS, format_date

# 17:30 UTC is 18:30 in Paris (winter time).
THURSDAY = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "fr", "en"),
    [
        ("short", "jeu. 3 déc.", "Thu 3 Dec"),
        ("short_time", "jeu. 3 déc. 18:30", "Thu 3 Dec 18:30"),
        ("short_year", "jeu. 3 déc. 2026", "Thu 3 Dec 2026"),
        ("date", "3 déc. 2026", "3 Dec 2026"),
        ("long", "jeudi 3 décembre 2026", "Thursday 3 December 2026"),
        ("long_noyear", "jeudi 3 décembre", "Thursday 3 December"),
        ("long_time", "jeudi 3 décembre à 18:30", "Thursday 3 December at 18:30"),
    ],
)
def test_each_format_reads_naturally_in_both_languages(name, fr, en, settings):
    settings.TIME_ZONE = "Europe/Paris"
    assert format_date(THURSDAY, name, "fr") == fr
    assert format_date(THURSDAY, name, "en") == en
    with translation.override("en"):
        assert format_date(THURSDAY, name) == en  # the active language by default


def test_french_months_are_lower_case_and_not_ambiguous():
    june, july = date(2026, 6, 4), date(2026, 7, 9)
    assert format_date(june, "short", "fr") == "jeu. 4 juin"
    assert format_date(july, "short", "fr") == "jeu. 9 juil."  # Django's "M" gives "Jui" for both
    assert format_date(date(2026, 5, 1), "date", "fr") == "1er mai 2026"
    assert format_date(date(2026, 5, 1), "date", "en") == "1 May 2026"
    assert format_date(date(2026, 2, 11), "long", "fr") == "mercredi 11 février 2026"


def test_unknown_language_uses_english_and_no_value_gives_nothing():
    assert format_date(THURSDAY, "short", "de") == "Do 3 Dez"  # English order, German names
    assert format_date(None, "short") == ""
    assert set(FORMATS["fr"]) == set(FORMATS["en"])
    with pytest.raises(ValueError):
        format_date(THURSDAY, "shortest", "fr")


def test_the_template_filter_follows_the_time_zone_and_the_language():
    template = Template(
        '{% load cagette_tags tz %}{% timezone zone %}{{ when|local_date:"short_time" }}'
        "{% endtimezone %}"
    )
    with translation.override("fr"):
        assert template.render(Context({"when": THURSDAY, "zone": "Europe/Paris"})) == (
            "jeu. 3 déc. 18:30"
        )
        assert template.render(Context({"when": THURSDAY, "zone": "America/Martinique"})) == (
            "jeu. 3 déc. 13:30"
        )
    with translation.override("en"):
        assert template.render(Context({"when": THURSDAY, "zone": "Europe/Paris"})) == (
            "Thu 3 Dec 18:30"
        )
    assert Template("{% load cagette_tags %}{{ x|local_date }}").render(Context({"x": ""})) == ""
    with pytest.raises((ValueError, TemplateSyntaxError)):
        Template('{% load cagette_tags %}{{ x|local_date:"nope" }}').render(
            Context({"x": THURSDAY})
        )
