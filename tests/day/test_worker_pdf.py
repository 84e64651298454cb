"""A real Celery worker on Redis builds a summary PDF end to end (design §8, issue item 7).

The worker is another process: it reads the test database (PostgreSQL, committed data) and
writes the file under the MEDIA_ROOT it is given.
"""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from pypdf import PdfReader

from day.models import SummaryDocument
from tests.test_worker import REDIS, _redis_up

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def pdf_worker(tmp_path, requires_postgres):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis must run in CI")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    media = tmp_path / "media"
    queue = f"test-pdf-{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cagette.settings",
        "DEBUG": "1",
        "CAGETTE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_ROOT": str(media),
        "CELERY_BROKER_URL": REDIS,
        "CELERY_RESULT_BACKEND": REDIS,
        # The tasks the build queues (one per part) go to this worker's queue; two members per
        # part, so that the three baskets are laid out in two parts and joined.
        "CELERY_QUEUE": queue,
        "SUMMARY_PDF_PART_SIZE": "2",
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
    yield queue, media, proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_builds_the_signature_sheet_pdf(world, pdf_worker):
    from tests.day.conftest import build_day

    queue, media, proc = pdf_worker
    world.group.payment_types = ["cash", "cheque", "transfer"]
    world.group.save()
    day = build_day(world)
    document = SummaryDocument.objects.create(
        group=world.group, multidistrib=day.md, kind="signature", language="fr"
    )
    client = Celery("probe", broker=REDIS, backend=REDIS, set_as_current=False)
    started = time.monotonic()
    result = client.send_task("day.tasks.summary_pdf_build", args=[document.pk], queue=queue)
    try:
        assert result.get(timeout=90) == document.pk
    finally:
        result.backend.client.close()
        client.close()
    elapsed = time.monotonic() - started
    deadline = time.monotonic() + 60
    while document.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)  # the parts are laid out by tasks the build queued
        document.refresh_from_db()
    assert document.status == "done" and document.progress == 100, document.error
    assert document.parts == 2
    content = (media / document.file.name).read_bytes()
    pages = PdfReader(io.BytesIO(content)).pages
    text = "\n".join(p.extract_text() for p in pages)
    assert "MEMBRE Maëlle" in text and "12,13" in text and "28,51" in text
    assert text.index("ADMIN") < text.index("COORD") < text.index("MEMBRE")
    # The page numbers were stamped over the joined parts: "1 / 2", "2 / 2".
    assert [f"{i} / {len(pages)}" in page.extract_text() for i, page in enumerate(pages, 1)] == [
        True
    ] * len(pages)
    assert not list((media / "summaries" / "parts").rglob("*.*"))
    assert elapsed < 60
    assert proc.poll() is None
