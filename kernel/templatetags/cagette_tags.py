from django import template
from django.utils import translation
from django.utils.translation import pgettext

from kernel.dates import date_format_for, format_date
from kernel.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str = "EUR") -> str:
    """``{{ amount|money:group.currency }}`` in the active language."""
    return format_money(amount, currency or "EUR", translation.get_language() or "fr")


@register.simple_tag(takes_context=True)
def has_right(context, right: str) -> bool:
    request = context.get("request")
    return bool(request and right in getattr(request, "group_perms", ()))


@register.simple_tag
def colon() -> str:
    """The colon after a label, as the language writes it: "Paiement : x" but "Payment: x"."""
    return pgettext("punctuation after a label", ":")


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, name: str = "long") -> str:
    """``{{ md.start_at|local_date:"short" }}``: "jeu. 3 déc." / "Thu 3 Dec" (see kernel.dates)."""
    date_format_for(name)  # an unknown name is a mistake in the template: let it show
    try:
        return format_date(value, name)
    except (AttributeError, TypeError):
        return ""
