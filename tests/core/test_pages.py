import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PUBLIC_ROUTES = ["/", "/accessibilite/", "/compte/connexion/", "/lieux/", "/page-qui-n-existe-pas/"]


@pytest.mark.parametrize("url", PUBLIC_ROUTES)
def test_public_pages_send_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'nonce-" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_are_french_with_skip_link(client):
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html


def test_demo_banner_is_shown_only_in_demo_mode(client, settings):
    assert "fictifs" not in client.get("/").content.decode()
    settings.DEMO_MODE = True
    assert "fictifs" in client.get("/").content.decode()


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_deploy_checks_pass_with_production_settings(settings, monkeypatch):
    # Browser tests set it for Playwright's event loop; production never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECRET_KEY = "a-very-long-random-production-secret-key-0123456789-abcdefghijklmnop"
    settings.SECURE_SSL_REDIRECT = True
    call_command("check", "--deploy", "--fail-level", "WARNING")
