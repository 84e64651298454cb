"""One-time tokens for forms that write money (issue 12): a double click writes once.

A form carries a random ``submission`` token (``OneTimeSubmissionField``); the service claims
it inside its own transaction (``submission_claim``) before writing. The token's unique
constraint makes the second claim fail, also when two requests race: the second write is
refused with ``AlreadySubmittedError`` and the page says the entry was already recorded. A token is
claimed with the write, so a write that fails leaves the token free for a corrected retry.
"""

import secrets
from datetime import timedelta

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import SubmissionToken

KEEP_DAYS = 30


class AlreadySubmittedError(Exception):
    """This form was already submitted and its write made."""

    message = _("This entry was already recorded: it was not recorded a second time.")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OneTimeSubmissionField(forms.CharField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 64)
        super().__init__(initial=new_token, **kwargs)


def submission_claim(token: str) -> None:
    """Claim ``token`` inside the caller's transaction; ``AlreadySubmittedError`` if taken. An empty
    token (a caller that is not a form: imports, tasks, tests) claims nothing."""
    if not token:
        return
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token)
    except IntegrityError as exc:
        raise AlreadySubmittedError from exc


def submissions_purge(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    deleted, _detail = SubmissionToken.objects.filter(created_at__lt=cutoff).delete()
    return deleted
