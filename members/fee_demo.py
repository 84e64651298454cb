"""Demo membership fees (spec §5): fees on in the demo group, renewal on 1 September, 15 €;
about half of the members up to date (the demo member among them), the others to renew, and a
few fees of the previous period. Run by ``seed_demo`` after the payments demo; idempotent."""

from decimal import Decimal

from groups.models import Group
from members import memberships
from members.models import Member, Membership


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").first()
    if group is None:
        return
    if not group.has_membership:
        Group.objects.filter(pk=group.pk).update(
            has_membership=True,
            membership_fee=Decimal("15.00"),
            membership_renewal_month=9,
            membership_renewal_day=1,
            membership_payment_info=(
                "Adhésion annuelle : 15 € par foyer, en espèces ou par chèque à l'ordre de "
                "« La Cagette du Village », à la table d'accueil des distributions."
            ),
        )
        group.refresh_from_db()
    admin = Member.objects.filter(group=group, is_admin=True).select_related("user").first()
    acting = admin.user if admin else None
    current = memberships.current_period(group).year
    members = list(Member.objects.active().filter(group=group).order_by("pk"))
    done = set(Membership.objects.filter(group=group).values_list("member_id", "year"))
    for index, member in enumerate(members):
        years = []
        if index % 2 == 0 or member.user.email.startswith("membre@"):
            years.append(current)
        if index % 3 == 0:
            years.append(current - 1)
        for year in years:
            if (member.pk, year) in done:
                continue
            memberships.membership_record(
                group=group,
                member=member,
                year=year,
                payment_type="cheque" if index % 4 else "cash",
                paid_on=memberships.group_period(group, year).start,
                acting_user=acting,
            )
    up = memberships.members_up_to_date(group).count()
    stdout.write(f"Membership fees: {up} members up to date, {len(members) - up} to renew")
