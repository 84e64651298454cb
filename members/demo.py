"""Demo people: an operator, an admin, a coordinator and members, all with verified e-mails."""

import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone

from groups.models import Group, Place
from members.models import Invitation, JoinRequest, User
from members.services import group_create, member_add

PASSWORD = "cagette-demo"  # demo only; printed by `make run`
DOMAIN = "demo.cagette.localhost"

FIRST = [
    "Camille",
    "Léa",
    "Hugo",
    "Louis",
    "Manon",
    "Jules",
    "Chloé",
    "Lucas",
    "Inès",
    "Gabriel",
    "Emma",
    "Arthur",
    "Jade",
    "Raphaël",
    "Louise",
    "Adam",
    "Alice",
    "Paul",
    "Lina",
    "Nathan",
    "Rose",
    "Tom",
    "Anna",
    "Théo",
    "Zoé",
    "Noé",
    "Mila",
    "Sacha",
    "Lou",
    "Victor",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
]
CITIES = [("Saint-Martin-de-Crau", "13310"), ("Arles", "13200"), ("Raphèle-lès-Arles", "13280")]

LOGINS = [
    ("operator", f"operateur@{DOMAIN}"),
    ("admin", f"admin@{DOMAIN}"),
    ("coordinator", f"coordination@{DOMAIN}"),
    ("member", f"membre@{DOMAIN}"),
]


def person(email: str, first: str, last: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=PASSWORD, first_name=first, last_name=last, **extra
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_users() -> list[User]:
    """The 30 demo members, in a stable order: admin, coordinator, member, then 27 others."""
    rng = random.Random(42)
    users = [
        person(f"admin@{DOMAIN}", "Claire", "Fontaine", phone="06 12 34 56 78"),
        person(f"coordination@{DOMAIN}", "Marc", "Olivier", phone="06 98 76 54 32"),
        person(
            f"membre@{DOMAIN}",
            "Sophie",
            "Garnier",
            phone="06 11 22 33 44",
            first_name2="Julien",
            last_name2="Garnier",
            email2=f"julien.garnier@{DOMAIN}",
        ),
    ]
    for i in range(27):
        first, last = FIRST[i], LAST[i]
        city, postcode = CITIES[i % len(CITIES)]
        users.append(
            person(
                f"{first.lower()}.{last.lower()}@{DOMAIN}".replace("é", "e")
                .replace("è", "e")
                .replace("ë", "e")
                .replace("ï", "i")
                .replace("ç", "c"),
                first,
                last,
                phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                address1=f"{rng.randint(1, 80)} rue des {rng.choice(['Lilas', 'Oliviers', 'Tilleuls', 'Cigales'])}",
                postcode=postcode,
                city=city,
            )
        )
    return users


def seed(stdout) -> None:
    operator = person(f"operateur@{DOMAIN}", "Olga", "Operatrice")
    if not operator.is_staff:
        operator.is_staff = operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
    _demo_group(demo_users(), stdout)


def _demo_group(users: list[User], stdout) -> None:
    """The demo group (slug ``demo``), two places, 30 members with one admin and one coordinator."""
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
            slug="demo",  # before the welcome e-mail, whose links then work (issue 18)
            acting_user=admin,
        )
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
    _waiting_and_invited(group, admin)
    stdout.write(
        f"Group {group.name}: {group.members.count()} members, {group.places.count()} places"
    )


def _waiting_and_invited(group: Group, admin: User) -> None:
    """A person on the waiting list and three pending invitations, one whose e-mail failed
    (issue 14). The sample import file is ``docs/members-import-example.csv`` (also offered on
    the import page)."""
    waiting = person(f"attente@{DOMAIN}", "Nadia", "Attente", phone="06 55 44 33 22")
    if not group.members.filter(user=waiting).exists():
        JoinRequest.objects.get_or_create(
            group=group,
            user=waiting,
            defaults={"message": "Nous venons d'emménager dans le village, avec deux enfants."},
        )
    # Their e-mails as the outbox would hold them (the demo mails nobody): two delivered, and one
    # the (imaginary) mail server refused for good, shown on the invitations page.
    for email, error in (
        (f"invite.un@{DOMAIN}", ""),
        (f"invite.deux@{DOMAIN}", ""),
        (f"invite.erreur@{DOMAIN}", "SMTPRecipientsRefused: {'…': (550, b'5.1.1 User unknown')}"),
    ):
        invitation, _created = Invitation.objects.get_or_create(
            group=group, email=email, defaults={"invited_by": admin}
        )
        _demo_invitation_mail(invitation, admin, error)


def _demo_invitation_mail(invitation: Invitation, admin: User, error: str) -> None:
    from kernel.mail import render_email
    from kernel.models import OutboxMail
    from members.services.invitations import invitation_tag, invitation_url

    tag = invitation_tag(invitation.pk)
    if OutboxMail.objects.filter(tag=tag).exists():
        return
    subject, text, html = render_email(
        "invitation",
        {
            "group": invitation.group,
            "invitation_url": invitation_url(invitation),
            "has_account": False,
            "inviter": admin,
            "days": 14,
        },
        "fr",
    )
    OutboxMail.objects.create(
        group=invitation.group,
        kind="invitation",
        tag=tag,
        to=[invitation.email],
        subject=subject,
        text=text,
        html=html,
        tries=1,
        status=OutboxMail.Status.FAILED if error else OutboxMail.Status.SENT,
        last_error=error,
        sent_at=None if error else timezone.now(),
    )
