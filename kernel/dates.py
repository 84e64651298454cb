"""Dates written as each language writes them, for the screens and the e-mails.

Django's own formats read oddly in French: ``"D j M"`` gives "jeu 3 Déc" (a capital in the middle
of a sentence, and "Jui" for both June and July). French abbreviates with a full stop and keeps
month names lower-case ("jeu. 3 déc.", "1er juil."); English does neither ("Thu 3 Dec").

``format_date(value, "short")`` (or ``{{ value|local_date:"short" }}`` in a template) picks the
format of the active language:

============  ==========================  ===============================
name          French                      English
============  ==========================  ===============================
short         jeu. 3 déc.                 Thu 3 Dec
short_time    jeu. 3 déc. 18:30           Thu 3 Dec 18:30
short_year    jeu. 3 déc. 2026            Thu 3 Dec 2026
date          3 déc. 2026                 3 Dec 2026
long          jeudi 3 décembre 2026       Thursday 3 December 2026
long_noyear   jeudi 3 décembre            Thursday 3 December
long_time     jeudi 3 décembre à 18:30    Thursday 3 December at 18:30
============  ==========================  ===============================

A language without its own line uses English's. Like Django's format modules, these are locale
data, not text to translate. Aware datetimes are written in the current time zone (in templates,
the one of ``{% timezone %}``).
"""

from datetime import date, datetime

from django.conf import settings
from django.utils import formats, timezone, translation

FORMATS: dict[str, dict[str, str]] = {
    "fr": {
        "short": "D. j N",
        "short_time": "D. j N H:i",
        "short_year": "D. j N Y",
        "date": "j N Y",
        "long": "l j F Y",
        "long_noyear": "l j F",
        "long_time": r"l j F \à H:i",
    },
    "en": {
        "short": "D j M",
        "short_time": "D j M H:i",
        "short_year": "D j M Y",
        "date": "j M Y",
        "long": "l j F Y",
        "long_noyear": "l j F",
        "long_time": r"l j F \a\t H:i",
    },
}


def date_format_for(name: str, language: str | None = None) -> str:
    """The Django date format called ``name`` in ``language`` (default: the active one)."""
    lang = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    table = FORMATS.get(lang, FORMATS["en"])
    if name not in table:
        raise ValueError(f"Unknown date format name: {name!r}")
    return table[name]


def format_date(
    value: date | datetime | None, name: str = "long", language: str | None = None
) -> str:
    """``value`` written with the format ``name`` of the language; "" for no value."""
    if value in (None, ""):
        return ""
    lang = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    fmt = date_format_for(name, lang)
    if lang == "fr" and value.day == 1:
        fmt = fmt.replace("j", r"j\e\r", 1)  # "1er décembre"
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    with translation.override(lang):
        return formats.date_format(value, fmt)
