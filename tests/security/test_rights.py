"""Decision 17: a member who leaves loses every right and coordination; coming back starts plain."""

from catalogs.models import Catalog
from members import services
from members.models import Member
from tests.catalogs.factories import CatalogFactory


def test_a_member_who_leaves_and_comes_back_starts_without_rights(world):
    member = Member.objects.get(group=world.group, user=world.coordinator)
    member.can_manage_payments = True
    member.save(update_fields=["can_manage_payments"])
    catalog = CatalogFactory(group=world.group)
    catalog.coordinators.add(member)

    services.member_leave(member=member, acting_user=world.coordinator)
    member.refresh_from_db()
    assert member.perms == frozenset()
    assert not Catalog.objects.filter(coordinators=member).exists()

    world.group.registration = world.group.Registration.OPEN
    world.group.save(update_fields=["registration"])
    back = services.member_join(
        group=world.group, user=world.coordinator, acting_user=world.coordinator
    )
    assert back.pk == member.pk and back.left_at is None
    assert back.perms == frozenset()
    assert not Catalog.objects.filter(coordinators=back).exists()


def test_an_admin_adding_a_former_member_back_gives_only_the_rights_chosen(world):
    member = Member.objects.get(group=world.group, user=world.coordinator)
    services.member_leave(member=member, acting_user=world.coordinator)
    back = services.member_add(
        group=world.group, user=world.coordinator, acting_user=world.admin, can_send_messages=True
    )
    assert back.perms == frozenset({"can_send_messages"})
