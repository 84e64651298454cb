"""Objects of world.group for the URL keywords of the messaging pages (test_isolation)."""

from messaging.models import Message


def messaging_samples(world) -> dict:
    cached = getattr(world, "_messaging_samples", None)
    if cached is None:
        message = Message.objects.create(
            group=world.group, sender=world.admin, audience="all", body="<p>Bonjour</p>"
        )
        cached = world._messaging_samples = {"message_id": message.pk}
    return cached
