"""``maillage prebuild-annuaires``: the annuaires of chosen territories, or of every territory of a level
holding places, are built by jobs ahead of their first request."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from maillage.core.models import Job
from maillage.places import annuaire_files, pdf
from maillage.places.models import AnnuaireFile
from tests.factories import make_department
from tests.places.factories import PlaceFactory
from tests.places.test_annuaire_files import queue_only, renders  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("prebuild_annuaires", *args, stdout=out)
    return out.getvalue()


def test_chosen_territories_are_built_once(client, figeac, figeac_epci, lot, renders) -> None:  # noqa: F811
    PlaceFactory(commune=figeac)
    output = _run("46", "200067361")
    assert "2 annuaire(s) mis en file : 46, 200067361" in output
    assert sorted(renders) == ["200067361", "46"]
    record = AnnuaireFile.objects.get(territory=lot)
    assert record.is_fresh and record.job.territory_code == "46"
    # Served at once, as a file: no « en préparation » page for the first visitor.
    response = client.get(annuaire_files.url_for(lot))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "1 annuaire(s) déjà à jour : 46" in _run("46")
    assert len(renders) == 2
    assert "1 annuaire(s) mis en file : 46" in _run("46", "--refaire")
    assert len(renders) == 3


def test_every_territory_of_a_level_with_places(figeac, cahors, renders) -> None:  # noqa: F811
    make_department("12", "Aveyron")  # no place: not built
    PlaceFactory(commune=figeac)
    PlaceFactory(commune=cahors)
    PlaceFactory(commune=cahors, is_published=False)
    output = _run("--tous", "epci", "--tous", "departement")
    assert "3 annuaire(s) mis en file" in output
    assert sorted(renders) == sorted(["200067361", "200023737", "46"])
    assert AnnuaireFile.objects.get(territory=cahors.epci).place_count == 1


def test_waiting_builds_are_not_queued_twice_and_large_territories_are_left_out(
    figeac,
    lot,
    queue_only,  # noqa: F811
    monkeypatch,
) -> None:
    PlaceFactory.create_batch(3, commune=figeac)
    assert "mis en file : 46" in _run("46")
    assert "1 annuaire(s) déjà en file ou en cours : 46" in _run("46")
    assert Job.objects.count() == 1
    monkeypatch.setattr(pdf, "MAX_PLACES", 2)
    assert "trop grands" in _run("46102") and Job.objects.count() == 1


def test_unknown_or_missing_territories_are_refused(lot) -> None:
    with pytest.raises(CommandError, match="Territoire inconnu"):
        _run("99")
    with pytest.raises(CommandError, match="Indiquez"):
        _run()
