from django import template
from django.utils import translation

from orders import summary_html

register = template.Library()


@register.simple_tag(takes_context=True)
def member_table(context, blocks):
    """The members' blocks of a summary (see ``orders.summary_html``)."""
    return summary_html.member_table(
        blocks,
        currency=context["group"].currency,
        language=translation.get_language() or "fr",
        signature=bool(context.get("signature")),
        one_per_page=bool(context.get("one_per_page")),
    )
