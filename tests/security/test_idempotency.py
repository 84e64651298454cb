"""A manual ledger entry posted twice (double click, replay) is written once (issue 12)."""

from decimal import Decimal

from django.utils import timezone

from members.models import Member
from payments.models import Operation


def _page(client, world, member):
    return client.get(f"/g/{world.group.slug}/manage/payments/members/{member.pk}/")


def _token(response, form_prefix=""):
    import re

    found = re.findall(
        r'name="' + form_prefix + r'submission" value="([^"]+)"', response.content.decode()
    )
    assert found, "the form carries a one-time token"
    return found[0]


def test_a_payment_posted_twice_is_recorded_once(world, client_for):
    client = client_for(world.admin)
    member = Member.objects.get(group=world.group, user=world.member)
    token = _token(_page(client, world, member), "payment-")
    data = {
        "payment-submission": token,
        "payment-payment_type": "cash",
        "payment-amount": "12,50",
        "payment-date": timezone.localdate().isoformat(),
        "payment-label": "Espèces",
    }
    url = f"/g/{world.group.slug}/manage/payments/members/{member.pk}/payment/"
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert Operation.objects.filter(member=member, kind=Operation.Kind.PAYMENT).count() == 1
    assert Operation.objects.get(member=member, kind=Operation.Kind.PAYMENT).amount == Decimal(
        "12.50"
    )
    assert "déjà été enregistrée" in second.content.decode()


def test_each_page_load_gives_a_new_token(world, client_for):
    client = client_for(world.admin)
    member = Member.objects.get(group=world.group, user=world.member)
    first, second = _page(client, world, member), _page(client, world, member)
    for prefix in ("payment-", "refund-", "correction-"):
        assert _token(first, prefix) != _token(second, prefix)


def test_old_tokens_are_purged_by_the_daily_task(db):
    from datetime import timedelta

    from django.utils import timezone

    from kernel.models import SubmissionToken
    from kernel.tasks import submission_tokens_purge

    old = SubmissionToken.objects.create(token="old")
    SubmissionToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    SubmissionToken.objects.create(token="recent")
    assert submission_tokens_purge() == 1
    assert list(SubmissionToken.objects.values_list("token", flat=True)) == ["recent"]
