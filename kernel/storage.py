"""Where files that must not be public live.

``MEDIA_ROOT`` is served by URL (product photos); documents holding members' personal data go to
the ``private`` storage of ``STORAGES`` instead, under unguessable names, and leave only through
views that check rights (e.g. ``day.views.document_download``).
"""

from secrets import token_urlsafe

from django.core.files.storage import storages


def private_storage():
    return storages["private"]


def private_name(folder: str, filename: str) -> str:
    """``folder/<random>/filename``: the name says nothing a visitor could guess."""
    return f"{folder}/{token_urlsafe(18)}/{filename}"
