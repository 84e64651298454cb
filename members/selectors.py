from django.db.models import Q, QuerySet

from groups.models import Group
from members.models import Member

RIGHT_FILTER = (
    Q(is_admin=True)
    | Q(can_manage_catalogs=True)
    | Q(can_manage_members=True)
    | Q(can_manage_payments=True)
    | Q(can_send_messages=True)
)


def member_list(*, group: Group, search: str = "", rights: str = "") -> QuerySet[Member]:
    qs = Member.objects.active().filter(group=group).select_related("user")
    if search:
        terms = search.split()
        for term in terms:
            qs = qs.filter(
                Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(user__email__icontains=term)
                | Q(user__first_name2__icontains=term)
                | Q(user__last_name2__icontains=term)
                | Q(user__city__icontains=term)
            )
    if rights == "with":
        qs = qs.filter(RIGHT_FILTER)
    elif rights == "without":
        qs = qs.exclude(RIGHT_FILTER)
    return qs.order_by("user__last_name", "user__first_name", "user__email")


def member_get(*, group: Group, member_id: int) -> Member | None:
    return Member.objects.active().filter(group=group, pk=member_id).select_related("user").first()
