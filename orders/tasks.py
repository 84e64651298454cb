"""Celery tasks of the orders app: thin adapters, ids in, a service called."""

from typing import Any

from celery import shared_task

from orders.models import Basket


# Nobody reads its result: not storing it spares the worker a write to the result backend.
@shared_task(ignore_result=True)
def basket_email_send(*, basket_id: int, name: str, extra: dict[str, Any]) -> bool:
    """Render and send a basket's e-mail (confirmation, change, cancellation…) to its member.

    Queued after the order's commit, so rendering happens in a worker (or right after the
    commit when tasks run eagerly), never while the order's rows are locked.
    """
    from orders.services import LineIssue, basket_email_deliver

    basket = (
        Basket.objects.select_related("group__contact", "multidistrib__place", "member__user")
        .filter(pk=basket_id)
        .first()
    )
    if basket is None:
        return False
    if "issues" in extra:
        extra = {**extra, "issues": [LineIssue(**issue) for issue in extra["issues"]]}
    basket_email_deliver(name, basket, **extra)
    return True
