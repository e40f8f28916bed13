"""``{% fragment %}``: the chrome of a page is rendered once per key and language, never what depends on
the visitor (maillage/core/templatetags/fragments.py)."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

SOURCE = "{% load fragments %}{% fragment key %}{{ key }}-{{ other }}{% endfragment %}"


def test_a_fragment_is_rendered_once_per_key_and_language() -> None:
    template = Template(SOURCE)
    assert template.render(Context({"key": "a", "other": 1})) == "a-1"
    assert template.render(Context({"key": "a", "other": 2})) == "a-1"  # kept: only the key counts
    assert template.render(Context({"key": "b", "other": 2})) == "b-2"
    with translation.override("en"):
        assert template.render(Context({"key": "a", "other": 3})) == "a-3"
    # A template compiled again (reloaded in development) keeps nothing.
    assert Template(SOURCE).render(Context({"key": "a", "other": 4})) == "a-4"


def test_the_number_of_keys_kept_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from maillage.core.templatetags import fragments

    monkeypatch.setattr(fragments, "MAX_KEYS", 2)
    template = Template(SOURCE)
    for key in ("a", "b", "c"):
        template.render(Context({"key": key, "other": 1}))
    assert template.render(Context({"key": "c", "other": 2})) == "c-2"  # beyond the bound: rendered


@pytest.mark.django_db
def test_the_header_of_a_signed_in_visitor_is_never_kept(client, lot_coordinator) -> None:  # type: ignore[no-untyped-def]
    url = reverse("places:search")
    anonymous = client.get(url).content.decode()
    assert reverse("accounts:login") in anonymous and "Se déconnecter" not in anonymous
    assert 'aria-current="page">Trouver un lieu' in anonymous
    client.force_login(lot_coordinator)
    signed_in = client.get(url).content.decode()
    assert "Se déconnecter" in signed_in and "Espace professionnel" not in signed_in
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', signed_in)
    assert token is not None
    client.logout()
    assert token.group(1) not in client.get(url).content.decode()
    # Another page of the same chrome: its own « aria-current ».
    assert 'aria-current="page"' not in client.get(reverse("accessibility")).content.decode()
