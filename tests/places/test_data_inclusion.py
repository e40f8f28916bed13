"""data·inclusion export: every structure and service validates against the published schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator, FormatChecker

from maillage.places.choices import AccessMode, Fee, Public, Service, SpecificSupport, SupportMode
from maillage.places.interop import data_inclusion
from maillage.places.models import Place
from tests.places.factories import MediatorFactory, PlaceFactory

pytestmark = pytest.mark.django_db
#: Copies of data·inclusion's published schemas (shared/standards/schemas/data-inclusion/), unchanged.
SCHEMAS = Path(__file__).parent / "fixtures" / "data-inclusion"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _errors(validator: Draft202012Validator, rows: list[dict]) -> list[str]:
    return [f"{row.get('id')}: {e.json_path} {e.message}" for row in rows for e in validator.iter_errors(row)]


@pytest.fixture
def places(figeac, cahors):
    full = PlaceFactory(
        name="France Services de Figeac.",
        commune=figeac,
        pivot="21460102700012",
        description="Accueil et accompagnement pour les démarches en ligne.",
        summary="Accompagnement gratuit, sur rendez-vous ou sans.",
        websites=["https://figeac.example.fr"],
        booking_url="https://rdv.example.fr/figeac",
        accessibility_url="https://acceslibre.beta.gouv.fr/app/46-figeac/a/mairie/erp/x/",
        services=[v.value for v in Service],
        publics=[Public.SENIORS.value, Public.YOUNG.value],
        specific_support=[SpecificSupport.values[0]],
        fees=[Fee.FREE_UNDER_CONDITION.value],
        access_modes=[
            AccessMode.WALK_IN.value,
            AccessMode.ONLINE_BOOKING.value,
            AccessMode.PRESCRIPTION.value,
        ],
        support_modes=[SupportMode.INDIVIDUAL.value, SupportMode.REMOTE.value],
        national_programmes=["France Services", "Aidants Connect", "Conseillers numériques"],
    )
    bare = PlaceFactory(
        name="Lo",  # too short for data·inclusion: lengthened
        commune=cahors,
        pivot="",
        phone="",
        emails=[],
        opening_hours="",
        fees=[],
        publics=[],
        access_modes=[AccessMode.NO_PUBLIC.value],
        support_modes=[SupportMode.WORKSHOP.value],
        services=[Service.LEISURE.value],
        national_programmes=[],
    )
    MediatorFactory(first_name="Secrète", last_name="Personne", places=[full])
    return full, bare


def test_structures_and_services_validate_against_the_schemas(places) -> None:
    structures, services = data_inclusion.export(Place.objects.published())
    assert len(structures) == 2 and len(services) == len(Service) + 1
    assert _errors(_validator("structure.json"), structures) == []
    assert _errors(_validator("service.json"), services) == []
    full, bare = places
    by_id = {s["id"]: s for s in structures}
    figeac = by_id[f"maillage--{full.pk}"]
    assert figeac["nom"] == "France Services de Figeac"  # no final full stop
    assert figeac["siret"] == "21460102700012"
    assert set(figeac["reseaux_porteurs"]) == {"france-service", "aidants-connect", "conseillers-numeriques"}
    service = next(
        s for s in services if s["structure_id"] == f"maillage--{full.pk}" and "demarches" in s["id"]
    )
    assert service["thematiques"] == ["numerique--acceder-a-des-services-en-ligne"]
    assert service["frais"] == "gratuit" and service["frais_precisions"] == "Gratuit sous condition."
    assert set(service["publics"]) == {"seniors", "jeunes", "personnes-en-situation-de-handicap"}
    assert service["modes_accueil"] == ["en-presentiel", "a-distance"]
    assert set(service["modes_mobilisation"]) == {
        "se-presenter",
        "utiliser-lien-mobilisation",
        "envoyer-un-courriel",
    }
    assert service["mobilisable_par"] == ["usagers", "professionnels"]
    lo = by_id[f"maillage--{bare.pk}"]
    assert len(lo["nom"]) >= 3 and lo["telephone"] is None
    leisure = next(s for s in services if s["structure_id"] == lo["id"])
    assert leisure["type"] == "atelier" and leisure["frais"] is None  # unknown fees stay unknown
    assert leisure["modes_accueil"] is None and leisure["publics"] == ["tous-publics"]
    # never the people
    assert "Secrète" not in json.dumps([structures, services], ensure_ascii=False)


def test_unpublished_places_are_not_exported(places) -> None:
    full, bare = places
    Place.objects.filter(pk=bare.pk).update(is_published=False)
    structures, _services = data_inclusion.export(Place.objects.published())
    assert [s["id"] for s in structures] == [f"maillage--{full.pk}"]


def test_command_writes_both_files(places, tmp_path, lot) -> None:
    call_command("export_data_inclusion", str(tmp_path / "di"), "--territory", "46")
    structures = json.loads((tmp_path / "di" / "structures.json").read_text(encoding="utf-8"))
    services = json.loads((tmp_path / "di" / "services.json").read_text(encoding="utf-8"))
    assert len(structures) == 2
    assert _errors(_validator("structure.json"), structures) == []
    assert _errors(_validator("service.json"), services) == []
