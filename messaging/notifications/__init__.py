"""Automatic notifications: when and to whom each goes, run by the beat jobs (``messaging.tasks``).

The content of a mail a domain app also sends by hand stays in that app (the producer order form
in ``day.mail``, the duty mail in ``distributions.services.duties``); the modules here choose the
recipients, the moment, and keep each mail from going twice.
"""
