"""Settings, home page, language, seed: the project as a newcomer meets it."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from groups.models import Group
from members.models import Member, User

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cagette.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "cagette.example.org",
        "CAGETTE_VAR_DIR": str(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:6379/9",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cagette.settings",
        "DEBUG": "0",
        "SECRET_KEY": "",
        "CAGETTE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_home_for_anonymous_is_french_by_default(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()


def test_language_switch_sets_cookie_and_user_preference(world, client_for):
    client = client_for(world.member)
    response = client.post("/language/", {"language": "en", "next": "/account/profile/"})
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    world.member.refresh_from_db()
    assert world.member.language == "en"
    assert client.get("/")["Content-Language"] == "en"


def test_language_switch_refuses_foreign_redirects(client, db):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/")["Content-Language"] == "en"


def test_home_lists_my_groups_only(world, client_for):
    response = client_for(world.member).get("/")
    names = [m.group.name for m in response.context["memberships"]]
    assert names == ["La Cagette"]


def test_main_pages_answer(world, client):
    for url in [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        f"/g/{world.group.slug}/",
        "/map/",
    ]:
        assert client.get(url).status_code == 200, url
    response = client.get(f"/g/{world.group.slug}/manage/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), Member.objects.count(), Group.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (User.objects.count(), Member.objects.count(), Group.objects.count())
    demo = Group.objects.get(slug="demo")
    assert demo.places.count() == 2
    assert demo.members.count() == 30
    assert demo.members.filter(is_admin=True).count() == 1
    assert demo.members.filter(is_admin=False, can_manage_catalogs=True).count() == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_translations_are_compiled_and_complete(lang):
    po = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert po.exists() and mo.exists()
    if lang == "fr":
        text = po.read_text(encoding="utf-8")
        entries = text.split("\n\n")[1:]
        missing = [
            e for e in entries if e.rstrip().endswith(('msgstr ""', 'msgstr[1] ""', 'msgstr[0] ""'))
        ]
        fuzzy = [e for e in entries if "#, fuzzy" in e]
        assert not missing, f"{len(missing)} untranslated French strings, e.g. {missing[0][:200]}"
        assert not fuzzy, f"{len(fuzzy)} fuzzy French strings"
