"""A real Celery worker on Redis runs a task end to end (design §8)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/5")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def worker(tmp_path):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis must run in CI")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cagette.settings",
        "DEBUG": "1",
        "CAGETTE_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": REDIS,
        "CELERY_RESULT_BACKEND": REDIS,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }
    env.pop("DATABASE_URL", None)
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
            f"test-{os.getpid()}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc, outbox
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
def test_real_worker_delivers_an_email_from_redis(worker):
    proc, outbox = worker
    client = Celery("probe", broker=REDIS, backend=REDIS, set_as_current=False)
    result = client.send_task(
        "kernel.tasks.email_deliver",
        kwargs={
            "subject": "Essai",
            "text": "Bonjour",
            "html": "<p>Bonjour</p>",
            "to": ["a@example.org"],
            "reply_to": [],
        },
        queue=f"test-{os.getpid()}",
    )
    try:
        assert result.get(timeout=60) == 1
    finally:
        result.backend.client.close()
        client.close()
    files = list(outbox.glob("*.log"))
    assert len(files) == 1
    content = files[0].read_text()
    assert "Subject: Essai" in content and "<p>Bonjour</p>" in content
    assert proc.poll() is None
