from django import template
from django.utils import translation

from day import summary_html
from groups.models import PaymentType
from payments.models import ON_THE_SPOT_TYPES

register = template.Library()


@register.simple_tag(takes_context=True)
def member_table(context, blocks):
    """The members' blocks of a summary (see ``day.summary_html``)."""
    group = context["group"]
    on_the_spot = [
        str(PaymentType(code).label) for code in ON_THE_SPOT_TYPES if code in group.payment_types
    ]
    return summary_html.member_table(
        blocks,
        currency=group.currency,
        on_the_spot=on_the_spot,
        language=translation.get_language() or "fr",
        signature=bool(context.get("signature")),
        one_per_page=bool(context.get("one_per_page")),
    )
