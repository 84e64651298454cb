from django.conf import settings

from kernel.site import site_url


def site(request):
    return {
        "SITE_URL": site_url(),
        "STRIPE_ENABLED": bool(settings.STRIPE_SECRET_KEY),
    }
