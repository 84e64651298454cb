import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cagette.settings")
application = get_wsgi_application()
# The URL patterns imported now (with every view module) rather than by the first request, then
# the objects of the start-up, which live as long as the process, put out of the garbage
# collector's way: its collections during requests scan only what requests create (in process,
# 1.0 ms of CPU per checkout became 0.2 ms: scripts/bench_checkout_profile.py, PROFILE_GC_FREEZE).
get_resolver().url_patterns  # noqa: B018 - imported for its side effect
gc.freeze()
