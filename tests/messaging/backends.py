"""A mail backend that fails as told, then behaves like Django's locmem backend."""

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    errors: list[BaseException] = []

    def send_messages(self, messages):
        if FlakyBackend.errors:
            raise FlakyBackend.errors.pop(0)
        return super().send_messages(messages)
