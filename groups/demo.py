"""The demo group: slug ``demo``, two places, 30 members with one admin and one coordinator."""

from decimal import Decimal

from groups.models import Group, Place
from groups.services import group_create
from members.demo import demo_users
from members.services import member_add


def seed(stdout) -> None:
    users = demo_users()
    admin, coordinator = users[0], users[1]
    group = Group.objects.filter(slug="demo").first()
    if group is None:
        group = group_create(
            name="La Cagette du Village",
            group_type=Group.GroupType.PRODUCER_DRIVE,
            place_name="Place du Marché",
            address1="1 place de la République",
            postcode="13310",
            city="Saint-Martin-de-Crau",
            latitude=Decimal("43.639800"),
            longitude=Decimal("4.812600"),
            acting_user=admin,
        )
        Group.objects.filter(pk=group.pk).update(slug="demo")
        group.refresh_from_db()
    Group.objects.filter(pk=group.pk).update(
        intro="Une vingtaine de producteurs à moins de 30 km, une distribution chaque jeudi soir sur la place du marché.",
        sheet_text="Merci d'apporter vos sacs et vos boîtes à œufs.",
        payment_types=["cash", "cheque", "transfer"],
        iban="FR7630006000011234567890189",
        website="https://example.org/cagette-du-village",
    )
    Place.objects.get_or_create(
        group=group,
        name="Ferme des Quatre Vents",
        defaults={
            "address1": "Chemin des Mas",
            "postcode": "13280",
            "city": "Raphèle-lès-Arles",
            "latitude": Decimal("43.676300"),
            "longitude": Decimal("4.724100"),
        },
    )
    member_add(group=group, user=coordinator, acting_user=admin, can_manage_catalogs=True)
    for user in users[2:]:
        member_add(group=group, user=user, acting_user=admin)
    stdout.write(
        f"Group {group.name}: {group.members.count()} members, {group.places.count()} places"
    )
