from decimal import Decimal

import factory
from allauth.account.models import EmailAddress

from groups.models import Group, Place
from members.models import Member, User

PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    language = "fr"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Groupe {n}")
    slug = factory.Sequence(lambda n: f"groupe-{n}")


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    group = factory.SubFactory(GroupFactory)
    name = factory.Sequence(lambda n: f"Lieu {n}")
    postcode = "13310"
    city = "Saint-Martin-de-Crau"
    latitude = Decimal("43.639800")
    longitude = Decimal("4.812600")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
