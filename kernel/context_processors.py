from django.conf import settings


def site(request):
    return {
        "SITE_URL": settings.SITE_URL,
        "STRIPE_ENABLED": bool(settings.STRIPE_SECRET_KEY),
    }
