"""A payments manager cannot credit their own account (issue 12, informational finding)."""

import pytest
from django.core.exceptions import ValidationError

from members.models import Member
from payments import services
from payments.models import Operation


def test_a_payments_manager_cannot_record_on_their_own_account(world):
    manager = Member.objects.get(group=world.group, user=world.member)
    manager.can_manage_payments = True
    manager.save(update_fields=["can_manage_payments"])
    with pytest.raises(ValidationError, match="votre propre compte"):
        services.payment_record(
            group=world.group,
            member=manager,
            amount="50",
            payment_type="cash",
            acting_user=world.member,
        )
    assert not Operation.objects.filter(member=manager).exists()


def test_an_admin_may_record_on_their_own_account(world):
    admin = Member.objects.get(group=world.group, user=world.admin)
    services.payment_record(
        group=world.group, member=admin, amount="5", payment_type="cash", acting_user=world.admin
    )
    assert Operation.objects.filter(member=admin).count() == 1
