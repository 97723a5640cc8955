"""The site shell: pages, error pages, security headers and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def test_home_page_explains_the_three_ways_to_use_it(client):
    response = client.get(reverse("home"))
    for heading in ("Self-study", "Classroom", "Exam prep"):
        assertContains(response, heading)
    assertContains(response, '<main id="main"')
    assertContains(response, 'href="#main"')


def test_home_page_loads_htmx_from_our_own_static_files(client):
    response = client.get(reverse("home"))
    assertContains(response, 'src="/static/django_htmx/htmx')
    assert b"https://" not in response.content.split(b"<body")[0]


def test_every_page_sends_the_security_headers(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script_or_style(client):
    html = client.get(reverse("home")).content.decode()
    assert "<script>" not in html
    assert " style=" not in html
    assert "<style" not in html
    assert "hx-on" not in html


def test_htmx_requests_get_the_csrf_token_through_hx_headers(client):
    html = client.get(reverse("learners:login")).content.decode()
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    # Read-only pages opt out (block csrf_header): they post nothing, so no token is made for them.
    assert "x-csrftoken" not in client.get(reverse("home")).content.decode()


def test_unknown_address_gets_the_styled_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, 'class="site-header"', status_code=404)


def test_server_error_page_renders_in_the_site_style(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "site-header" in html


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="1",
        DJANGO_SECRET_KEY="a-real-looking-production-key-8f3c1e9b7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a09",
        DJANGO_ALLOWED_HOSTS="srm.example.com",
        DJANGO_ALLOW_ASYNC_UNSAFE=None,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_start_up_fails_clearly_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_home_page_links_only_to_pages_that_exist(client, real_pack):
    import re

    html = client.get(reverse("home")).content.decode()
    links = set(re.findall(r'href="(/[^"#]*)"', html))
    assert len(links) > 8
    for link in links:
        if link.startswith("/static/"):
            continue
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_an_over_large_post_gets_a_clear_413_page_without_a_traceback(client, settings, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/accounts/login/", {"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "That was too much to send" in response.content.decode()
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    assert any("Refused a" in r.getMessage() for r in caplog.records)


def test_start_up_refuses_any_host_in_production():
    result = run_manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS="srm.example.com,*",
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS contains '*'" in result.stderr


def test_hsts_preload_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"
    env = {"DJANGO_HTTPS": "1", "DJANGO_SECRET_KEY": "k" * 50, "DJANGO_SETTINGS_MODULE": "srm_site.settings"}
    for preload, expected in (("", "False"), ("1", "True")):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={**os.environ, **env, "DJANGO_HSTS_PRELOAD": preload},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout.strip() == expected, result.stderr
