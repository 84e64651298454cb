import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def url(name, world, md_id, **kw):
    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": md_id, **kw})


@pytest.mark.parametrize(
    "name,data",
    [
        ("absent", {"basket": HUGE}),
        ("onspot", {"operation": HUGE, "payment_type": "cash"}),
        ("weights", {f"weight-{HUGE}": "1"}),
        ("onspot", {"operation": "1", "payment_type": "x" * 500}),
        ("absent", {"basket": "1.5"}),
    ],
)
def test_bad_posts_to_the_validation_page_are_refused_not_a_500(
    world, past_day, client_for, name, data
):
    client = client_for(world.admin)
    client.raise_request_exception = False
    r = client.post(url(name, world, past_day.md.pk), data)
    assert r.status_code in (302, 404), r.status_code


@pytest.mark.parametrize(
    "name,kw",
    [
        ("index", {}),
        ("document", {"document_id": int(HUGE)}),
        ("validation", {"validation_id": int(HUGE)}),
    ],
)
def test_out_of_range_ids_are_404_not_a_500(world, past_day, client_for, name, kw):
    client = client_for(world.admin)
    client.raise_request_exception = False
    r = client.get(url(name, world, int(HUGE), **kw))
    assert r.status_code == 404, r.status_code


def test_postpone_to_an_unknown_target_shows_the_form_again(world, past_day, client_for):
    client = client_for(world.admin)
    client.raise_request_exception = False
    r = client.post(url("postpone_confirm", world, past_day.md.pk), {"target": HUGE})
    assert r.status_code == 200


def test_a_weight_ten_times_the_order_is_refused_with_the_reason(world, past_day, client_for):
    from orders.models import OrderLine

    line = past_day.member_basket.lines.get(product=past_day.carrots)  # 1.5 kg ordered
    client = client_for(world.admin)
    response = client.post(
        url("weights", world, past_day.md.pk),
        {f"weight-{line.pk}": "1437"},
        follow=True,
    )
    assert "plus de dix fois" in response.content.decode()
    assert OrderLine.objects.get(pk=line.pk).actual_quantity is None
    client.post(url("weights", world, past_day.md.pk), {f"weight-{line.pk}": "14"})
    assert OrderLine.objects.get(pk=line.pk).actual_quantity == 14
