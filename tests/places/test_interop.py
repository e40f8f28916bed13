from __future__ import annotations

import csv
import io
import json

import pytest

from maillage.places.interop import FileRefused, analyse
from maillage.places.interop.standard import COLUMN_NAMES
from maillage.places.interop.writer import csv_lines, escape_formula, to_json_item, to_standard
from tests.places.standard_files import EXAMPLE_CSV, SCHEMA, row, to_csv, to_json


def _errors(analysis):
    return [(i.line, i.column) for i in analysis.errors]


def test_official_example_is_valid():
    analysis = analyse(EXAMPLE_CSV.read_bytes(), "exemple.csv")
    assert analysis.ok, analysis.errors
    values = analysis.rows[0].values
    assert values["source_id"] == "structure-1"
    assert values["services"][0] == "Maîtrise des outils numériques du quotidien"
    assert values["labels"] == ["Formé à « Mon Espace Santé »", "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"]
    assert values["latitude"] == 43.52609


def test_schema_order_matches_the_official_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert tuple(f["name"] for f in schema["fields"]) == COLUMN_NAMES


@pytest.mark.parametrize(
    ("kwargs", "encoding"),
    [
        ({"bom": True}, "utf-8-sig"),
        ({"encoding": "cp1252"}, "cp1252"),
        ({"delimiter": ";"}, "utf-8"),
        ({"delimiter": ";", "encoding": "cp1252"}, "cp1252"),
    ],
)
def test_encodings_and_separators(kwargs, encoding):
    analysis = analyse(to_csv([row(), row(id="lieu-2", nom="Espace Été")], **kwargs), "f.csv")
    assert analysis.ok, analysis.errors
    assert analysis.parsed.encoding == encoding
    assert analysis.rows[1].values["name"] == "Espace Été"
    assert analysis.rows[0].values["services"] == [
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
    ]


def test_errors_are_reported_by_line_and_column_in_french():
    data = to_csv(
        [
            row(),
            row(id="lieu-2", code_postal="4610", services="Aide aux démarches administratives|Cuisine"),
            row(id="lieu-3", date_maj="hier", telephone="12", nom=""),
            row(id="lieu-1"),
        ]
    )
    analysis = analyse(data, "f.csv")
    errors = _errors(analysis)
    assert (3, "services") in errors
    assert (4, "date_maj") in errors and (4, "telephone") in errors and (4, "nom") in errors
    assert (5, "id") in errors
    messages = " ".join(i.message for i in analysis.errors)
    assert "Valeur hors de la liste du standard" in messages and "« Cuisine »" in messages
    assert "déjà utilisé ligne 2" in messages
    # a 4-digit postcode is padded (warning), not refused
    assert (3, "code_postal") not in errors


def test_multiline_cell_keeps_physical_line_numbers():
    data = to_csv([row(presentation_detail="Ligne 1\nLigne 2\nLigne 3"), row(id="x", code_postal="abc")])
    analysis = analyse(data, "f.csv")
    assert _errors(analysis) == [(5, "code_postal")]


def test_tolerances_of_known_defects():
    analysis = analyse(
        to_csv(
            [
                row(
                    formations_labels="Étapes numériques(La Poste)|Étapes numériques (La Poste)",
                    services="Comprehension du monde numérique;aide aux démarches administratives",
                    telephone="05 65 34 00 00",
                    pivot="00000000000000",
                    latitude="44,6086",
                    site_web="www.exemple.fr",
                )
            ]
        ),
        "f.csv",
    )
    assert analysis.ok, analysis.errors
    values = analysis.rows[0].values
    assert values["labels"] == ["Étapes numériques (La Poste)"]
    assert values["services"] == ["Compréhension du monde numérique", "Aide aux démarches administratives"]
    assert values["phone"] == "+33565340000"
    assert values["pivot"] == ""
    assert values["latitude"] == 44.6086
    assert values["websites"] == ["https://www.exemple.fr"]
    assert analysis.warnings


def test_no_services_means_no_public():
    analysis = analyse(to_csv([row(services="", frais_a_charge="Gratuit")]), "f.csv")
    values = analysis.rows[0].values
    assert values["access_modes"] == ["Ce lieu n'accueille pas de public"]
    assert values["fees"] == []


def test_missing_required_column_is_a_file_error():
    columns = [c for c in COLUMN_NAMES if c != "nom"]
    analysis = analyse(to_csv([row()], columns=columns), "f.csv")
    assert (1, "nom") in _errors(analysis)


def test_invalid_opening_hours_are_refused_in_french():
    analysis = analyse(to_csv([row(horaires="lundi 9h-12h")]), "f.csv")
    assert _errors(analysis) == [(2, "horaires")]
    assert "OpenStreetMap" in analysis.errors[0].message


def test_json_flat_and_dataspace_forms():
    flat = {k: v for k, v in row().items() if v}
    flat["latitude"], flat["longitude"] = 44.6086, 2.0317
    flat["services"] = ["Aide aux démarches administratives"]
    dataspace = {
        "id": "ds-1",
        "pivot": "21460102100013",
        "nom": "France Services de Figeac",
        "adresse": {
            "numero_voie": "5",
            "repetition": "BIS",
            "nom_voie": "RUE DES ÉCOLES",
            "commune": "Figeac",
            "code_postal": "46100",
            "code_insee": "46102",
        },
        "date_maj": "2026-05-04",
        "services": ["Aide aux démarches administratives"],
        "mediateurs": [{"prenom": "Jeanne", "nom": "Martin", "email": "jeanne@exemple.fr"}],
    }
    analysis = analyse(to_json([flat, dataspace]), "f.json")
    assert analysis.ok, analysis.errors
    assert analysis.rows[1].values["address"] == "5 BIS RUE DES ÉCOLES"
    assert "jeanne" not in json.dumps([r.values for r in analysis.rows], default=str)
    bad = analyse(to_json([flat, {**dataspace, "date_maj": "x"}]), "f.json")
    assert [(i.line, i.column) for i in bad.errors] == [(2, "date_maj")]


def test_unreadable_files_are_refused():
    with pytest.raises(FileRefused):
        analyse(b"\x81\x8d\x8f\x90\x9d", "f.csv")
    with pytest.raises(FileRefused):
        analyse(b"[{", "f.json")


def test_formula_injection_is_escaped_only_in_free_text():
    assert escape_formula("nom", '=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert escape_formula("telephone", "+33565340000") == "+33565340000"
    assert escape_formula("longitude", "-1.5") == "-1.5"
    values = analyse(to_csv([row(nom="=1+1", longitude="-1.5")]), "f.csv").rows[0].values
    exported = "".join(csv_lines([to_standard(values)]))
    record = next(csv.DictReader(io.StringIO(exported)))
    assert (
        record["nom"] == "'=1+1" and record["longitude"] == "-1.5" and record["telephone"] == "+33565340000"
    )
    reimported = analyse(exported.encode(), "f.csv").rows[0].values
    assert reimported["name"] == "=1+1"


def test_export_spells_the_label_like_the_schema_pattern():
    values = analyse(to_csv([row(formations_labels="Étapes numériques (La Poste)")]), "f.csv").rows[0].values
    standard = to_standard(values)
    assert standard["formations_labels"] == "Étapes numériques(La Poste)"
    assert standard["pivot"] == "21460102100013"
    assert "complement_adresse" not in to_json_item(standard)


def test_column_wise_validation_gives_the_row_by_row_results():
    """``validate_all`` (each distinct value once, clean columns in bulk, shortcuts for clean cells)
    gives what ``_column`` gives row by row: same values, same issues in the same order, on clean rows,
    tolerated values and errors mixed (every odd value in every column)."""
    from maillage.places.interop.reader import RawRecord
    from maillage.places.interop.validate import _UNSET, RowValidator

    class Reference(RowValidator):
        def _clean(self, column, value):
            return _UNSET  # always the full rules of ``_column``

    odd = [
        "",
        "'=x",
        "05 65 34 00 00",
        "1,5",
        "nan",
        "95",
        "02/03/2024",
        "00000000000000",
        "2146 0102 100013",
        "4610",
        "2a004",
        "https://x.fr|y.fr",
        "www.exemple.fr",
        "a@b.fr;c@d.fr",
        "A@B.FR",
        "fixe",
        "Ce lieu n'accueille pas de public",
        "Mo-Fr 25:00",
        "x" * 300,
        "Seniors|seniors",
        "BIB|xyz",
    ]
    mixed = []
    for index in range(len(odd) * len(COLUMN_NAMES)):
        values = row(id=f"lieu-{index % 600}", courriels=f"c{index}@exemple.fr", latitude=f"44.{index:04d}")
        values[COLUMN_NAMES[index % len(COLUMN_NAMES)]] = odd[index % len(odd)]
        mixed.append(RawRecord(index + 2, values))
    clean = [RawRecord(index + 2, row(id=f"propre-{index}")) for index in range(50)]
    for batch in (mixed, clean):
        bulk = RowValidator(default_source="Test").validate_all(batch)
        reference = Reference(default_source="Test")
        expected = [reference.validate(record) for record in batch]
        assert [(r.line, r.values, [i.as_dict() for i in r.issues]) for r in bulk] == [
            (r.line, r.values, [i.as_dict() for i in r.issues]) for r in expected
        ]
        assert all(r.ok for r in bulk) == (batch is clean)


def test_cells_are_trimmed_and_composed_whatever_their_row() -> None:
    """Rows are checked for Unicode composition as a whole: a decomposed accent (NFD, as macOS writes
    it) in one cell is composed, the other cells and rows are only trimmed."""
    decomposed = "Me\u0301diathe\u0300que de Figeac"
    data = to_csv(
        [row(id="a", nom=f"  {decomposed} "), row(id="b", nom=" Mairie de Figeac ", adresse=" 1 RUE ")]
    )
    analysis = analyse(data, "lieux.csv")
    assert analysis.ok, analysis.errors
    names = [r.values["name"] for r in analysis.rows]
    assert names == ["Médiathèque de Figeac", "Mairie de Figeac"]
    assert analysis.rows[1].values["address"] == "1 RUE"
