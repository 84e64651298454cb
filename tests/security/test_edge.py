"""Hardening at the edge (issue 12): control characters, iCal text, headers, uploads, production
settings. Each test pins one finding of the attack run."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from distributions.ical import Event, calendar

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    "path",
    ["/calendar/%00.ics", "/g/la-cagette/orders/%00/", "/producer/invitations/%00/", "/?q=%00"],
)
def test_a_nul_byte_anywhere_in_the_url_is_refused_with_a_400_page(client_for, world, path):
    response = client_for(world.member).get(path)
    assert response.status_code == 400
    assert "caractères de contrôle" in response.content.decode()


def test_a_control_character_in_a_form_field_is_refused_but_line_ends_pass(client_for, world):
    client = client_for(world.member)
    refused = client.post("/account/profile/", {"first_name": "Ma\x00elle"})
    assert refused.status_code == 400
    accepted = client.post("/account/profile/", {"first_name": "Maëlle", "note": "a\r\nb\tc"})
    assert accepted.status_code != 400


def test_a_lone_carriage_return_cannot_inject_an_ical_property():
    start = datetime(2026, 12, 3, 17, tzinfo=UTC)
    text = calendar(
        "Cagette",
        [
            Event(
                uid="1",
                start=start,
                end=start,
                summary="Distribution",
                location="Place du marché\rX-INJECTED:1",
                description="a\x00b\x1bc;d,e\\f",
            )
        ],
    )
    lines = text.split("\r\n")
    assert not any(line.startswith("X-INJECTED") for line in lines)
    assert "LOCATION:Place du marché\\nX-INJECTED:1" in lines
    assert "DESCRIPTION:abc\\;d\\,e\\\\f" in lines
    assert all("\r" not in line and "\n" not in line for line in lines)


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy


def test_no_template_holds_an_inline_script_or_event_handler():
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []


def test_an_uploaded_file_that_is_not_an_image_is_downloaded_not_shown(client, db, settings):
    logos = Path(settings.MEDIA_ROOT) / "logos"
    logos.mkdir(parents=True)
    (logos / "evil.pdf").write_bytes(b"%PDF-1.4 <script>")
    (logos / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/logos/evil.pdf")
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    image = client.get("/media/logos/logo.png")
    image.close()
    assert image.headers["Content-Disposition"].startswith("inline")


def test_the_language_cookie_is_secure_in_production(client, db, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post("/language/", {"language": "en", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] is True and cookie["samesite"] == "Lax"


def _production(tmp_path, **env):
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cagette.settings",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "cagette.example.org",
            "CAGETTE_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_placeholder_secret_key_of_the_example(tmp_path):
    result = _production(
        tmp_path, SECRET_KEY="change-me-to-a-long-random-string", REDIS_URL="redis://x:6379/1"
    )
    assert result.returncode != 0 and "placeholder" in result.stderr


def test_production_refuses_rate_limits_counted_per_process(tmp_path):
    key = "k" * 50
    refused = _production(tmp_path, SECRET_KEY=key, REDIS_URL="")
    assert refused.returncode != 0 and "REDIS_URL" in refused.stderr
    assert _production(tmp_path, SECRET_KEY=key, REDIS_URL="redis://x:6379/1").returncode == 0


def test_compose_publishes_the_app_to_the_local_proxy_only():
    compose = (ROOT / "docker-compose.yml").read_text()
    ports = re.findall(r"ports:\s*\[([^\]]*)\]", compose)
    assert ports and all(p.strip().strip("\"'").startswith("127.0.0.1:") for p in ports)
