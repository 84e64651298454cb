"""Hostile amounts every payments form and service must refuse with a field error in French,
never a 500 (issue 14/16 leftovers, round two)."""

HOSTILE_AMOUNTS = [
    "1e30",
    "NaN",
    "-0",
    "100000000000000000000",  # 10^20
    "-1e30",
    "Infinity",
    "sNaN",
    "12\x00",
    "\x0712",
    "1\r\n2",
    "1e-30",
    "9" * 60,
]

# What a French refusal of an amount starts with (kernel.numbers, payments, Django's DecimalField).
FRENCH_REFUSALS = ("Saisissez", "Utilisez", "Une correction ne peut", "Assurez-vous")


def is_french_refusal(messages) -> bool:
    return bool(messages) and all(str(m).startswith(FRENCH_REFUSALS) for m in messages)


def refused_at_the_edge(value: str) -> bool:
    """A NUL or another control character in a form field: ``ControlCharactersMiddleware``
    answers 400 with a translated page before any form sees it (``kernel/security.py``)."""
    from kernel.security import FIELD_CONTROL

    return bool(FIELD_CONTROL.search(value))


def assert_refused_at_the_edge(response) -> None:
    assert response.status_code == 400
    assert "caractères de contrôle" in response.content.decode()
