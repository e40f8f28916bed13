from __future__ import annotations

import io
import json

import frictionless
import pytest

from maillage.places.interop.writer import FREE_TEXT_COLUMNS
from maillage.places.models import Place
from maillage.places.services import export_places, places_import
from tests.places.factories import PlaceFactory
from tests.places.standard_files import EXAMPLE_CSV, SCHEMA, row, to_csv

pytestmark = pytest.mark.django_db

COMPARED = [
    "source",
    "source_id",
    "pivot",
    "name",
    "address",
    "address_complement",
    "postcode",
    "insee_code",
    "commune_name",
    "latitude",
    "longitude",
    "typologies",
    "phone",
    "emails",
    "websites",
    "opening_hours",
    "summary",
    "description",
    "mobility",
    "parent_organisation",
    "data_updated_on",
    "services",
    "publics",
    "specific_support",
    "fees",
    "national_programmes",
    "labels",
    "other_labels",
    "access_modes",
    "support_modes",
    "accessibility_url",
    "booking_url",
    "commune_id",
]


def _validate(tmp_path, name, content):
    (tmp_path / name).write_text(content, encoding="utf-8")
    schema = frictionless.Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    resource = frictionless.Resource(path=name, basepath=str(tmp_path), schema=schema)
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _export(file_format):
    stream = io.StringIO()
    export_places(stream=stream, file_format=file_format)
    return stream.getvalue()


def _rich_file():
    return to_csv(
        [
            row(),
            row(
                id="lieu-2",
                nom="=SOMME(A1:A9)",
                adresse="-1 CHEMIN DU MOULIN",
                longitude="-0.5701",
                latitude="44.84",
                formations_labels="Étapes numériques (La Poste)|ORDI 3.0",
                autres_formations_labels="+ de numérique|QPV",
                presentation_detail='Guillemets "doubles", virgules ; points-virgules\net retour à la ligne.',
                site_web="https://a.fr/|https://b.fr/x?y=1",
                courriels="a@exemple.fr|b@exemple.fr",
                pivot="W461000123",
                code_insee="",
                services="Accès internet et matériel informatique",
                prise_rdv="https://www.rdv-solidarites.fr/",
                fiche_acces_libre="https://acceslibre.beta.gouv.fr/app/46-figeac/a/mediatheque/erp/x/",
            ),
            row(id="lieu-3", services="", pivot="00000000000000", telephone=""),
        ]
    )


def test_export_validates_against_the_official_schema(tmp_path, figeac):
    assert places_import(data=_rich_file(), filename="f.csv").status == "done"
    assert places_import(data=EXAMPLE_CSV.read_bytes(), filename="e.csv").status == "done"
    PlaceFactory(
        commune=figeac, pivot="", emails=[], source="", source_id="lieu-2"
    )  # id clash across sources
    csv_text = _export("csv")
    _validate(tmp_path, "export.csv", csv_text)
    _validate(tmp_path, "export.json", _export("json"))
    header = csv_text.splitlines()[0]
    assert header.startswith('"id","pivot","nom","commune","code_postal","code_insee"')
    assert "'=SOMME(A1:A9)" in csv_text and "'-1 CHEMIN DU MOULIN" in csv_text
    assert '"+33565340000"' in csv_text and '"-0.5701"' in csv_text
    assert "Étapes numériques(La Poste)" in csv_text
    assert '"maillage_lieu-2"' in csv_text or '"Maillage_lieu-2"' in csv_text


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_import_export_import_is_lossless(figeac, file_format):
    places_import(data=_rich_file(), filename="f.csv")
    places_import(data=EXAMPLE_CSV.read_bytes(), filename="e.csv")
    before = {(p["source"], p["source_id"]): p for p in Place.objects.values(*COMPARED)}
    exported = _export(file_format).encode()
    Place.objects.all().delete()
    job = places_import(data=exported, filename=f"export.{file_format}")
    assert job.status == "done", job.report
    after = {(p["source"], p["source_id"]): p for p in Place.objects.values(*COMPARED)}
    assert after == before
    again = places_import(data=exported, filename=f"export.{file_format}")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3 + 1)


def test_free_text_columns_have_no_pattern_in_the_schema():
    """The formula escape (') is only applied where the schema has no pattern, so it cannot break it."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    patterned = {f["name"] for f in schema["fields"] if "pattern" in f.get("constraints", {})}
    assert not (patterned & FREE_TEXT_COLUMNS)


def test_export_stays_valid_with_values_typed_in_the_app(tmp_path, figeac):
    PlaceFactory(
        commune=figeac,
        pivot="",
        phone="05 65 34 00 00",
        services=["Aide aux démarches administratives", "Valeur inventée"],
        summary="=x" + "x" * 270,
        insee_code="4610",
    )
    csv_text = _export("csv")
    _validate(tmp_path, "app.csv", csv_text)
    assert '"+33565340000"' in csv_text and "Valeur inventée" not in csv_text
