"""A real Celery worker on Redis sends a message to 500 recipients through the outbox (issue 16).

The test writes the message's 500 outbox rows (``messaging.services.message_send``) without the
eager delivery, then queues the batches to a real worker process reading the test database
(PostgreSQL) and writing the mails as files. It prints the rate; README "Performance" quotes it.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from kernel import outbox
from kernel.models import OutboxMail
from members.models import Member, User
from messaging import services
from tests.test_worker import REDIS, _redis_up

ROOT = Path(__file__).resolve().parent.parent.parent
RECIPIENTS = 500


@pytest.fixture
def mail_worker(tmp_path, requires_postgres):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis must run in CI")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"test-outbox-{os.getpid()}"
    mails = tmp_path / "mails"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cagette.settings",
        "DEBUG": "1",
        "CAGETTE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "PRIVATE_ROOT": str(tmp_path / "private"),
        "CELERY_BROKER_URL": REDIS,
        "CELERY_RESULT_BACKEND": REDIS,
        "CELERY_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mails),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cagette",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield queue, mails, proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_a_message_to_500_recipients(world, mail_worker, monkeypatch):
    queue, mails, proc = mail_worker
    users = User.objects.bulk_create(
        User(email=f"p{i:03d}@example.org", first_name=f"P{i}", language="fr")
        for i in range(RECIPIENTS - 3)  # + admin, coordinator, member of world.group
    )
    Member.objects.bulk_create(Member(group=world.group, user=u) for u in users)
    queued: list[list[int]] = []
    monkeypatch.setattr(outbox, "queue_delivery", lambda ids: queued.append(list(ids)))
    message = services.message_save(
        group=world.group,
        acting_user=world.admin,
        audience="all",
        audience_param=None,
        subject="Cinq cents",
        body="<p>Bonjour à <strong>tous</strong></p>",
        new_attachments=[],
    )
    services.message_send(message=message, acting_user=world.admin)
    ids = [pk for batch in queued for pk in batch]
    assert len(ids) == RECIPIENTS

    client = Celery("probe", broker=REDIS, backend=REDIS, set_as_current=False)
    started = time.monotonic()
    try:
        for start in range(0, len(ids), outbox.BATCH_SIZE):
            batch = ids[start : start + outbox.BATCH_SIZE]
            client.send_task("kernel.tasks.outbox_deliver", kwargs={"ids": batch}, queue=queue)
        # A batch delivered twice (redelivery) sends nothing more.
        client.send_task("kernel.tasks.outbox_deliver", kwargs={"ids": ids[:50]}, queue=queue)
        deadline = time.monotonic() + 120
        sent = 0
        while time.monotonic() < deadline and proc.poll() is None:
            sent = OutboxMail.objects.filter(tag=message.tag, status="sent").count()
            if sent == RECIPIENTS:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        client.close()
    assert sent == RECIPIENTS
    time.sleep(1)  # the duplicate batch has run too
    written = "".join(p.read_text(encoding="utf-8") for p in mails.glob("*.log"))
    assert written.count("\nSubject: [La Cagette] Cinq cents") == RECIPIENTS
    rate = RECIPIENTS / elapsed
    print(f"\noutbox: {RECIPIENTS} mails in {elapsed:.1f} s, {rate:.0f} mails/s (one worker)")
    assert rate > 5


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_writes_and_sends_a_message_to_500_recipients(world, mail_worker, monkeypatch):
    """The whole sending on the worker: the writing task (rendering, outbox rows, delivered
    twice) and the delivery batches it queues."""
    from messaging.models import Message

    queue, mails, proc = mail_worker
    users = User.objects.bulk_create(
        User(email=f"p{i:03d}@example.org", first_name=f"P{i}", language="fr")
        for i in range(RECIPIENTS - 3)
    )
    Member.objects.bulk_create(Member(group=world.group, user=u) for u in users)
    writings: list[int] = []
    monkeypatch.setattr(services, "_queue_writing", writings.append)
    message = services.message_save(
        group=world.group,
        acting_user=world.admin,
        audience="all",
        audience_param=None,
        subject="Cinq cents",
        body="<p>Bonjour à <strong>tous</strong></p>",
        new_attachments=[],
    )
    clicked = time.monotonic()
    services.message_send(message=message, acting_user=world.admin)
    answered = time.monotonic() - clicked
    assert writings == [message.pk]
    assert not OutboxMail.objects.filter(tag=message.tag).exists()  # nothing rendered yet

    client = Celery("probe", broker=REDIS, backend=REDIS, set_as_current=False)
    started = time.monotonic()
    written = sent = 0
    try:
        for _ in range(2):  # the writing task delivered twice
            client.send_task(
                "messaging.tasks.message_write_task",
                kwargs={"message_id": message.pk},
                queue=queue,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            sent = OutboxMail.objects.filter(tag=message.tag, status="sent").count()
            if written == 0 and Message.objects.get(pk=message.pk).status == "sent":
                written = time.monotonic() - started
            if sent == RECIPIENTS and written:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        client.close()
    assert sent == RECIPIENTS
    assert OutboxMail.objects.filter(tag=message.tag).count() == RECIPIENTS
    time.sleep(1)
    files = "".join(p.read_text(encoding="utf-8") for p in mails.glob("*.log"))
    assert files.count("\nSubject: [La Cagette] Cinq cents") == RECIPIENTS
    print(
        f"\nmessage: send answered in {answered * 1000:.0f} ms; on the worker, "
        f"{RECIPIENTS} mails written in {written:.1f} s and all sent in {elapsed:.1f} s "
        f"({RECIPIENTS / elapsed:.0f} mails/s)"
    )
