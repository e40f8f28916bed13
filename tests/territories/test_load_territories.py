from __future__ import annotations

import gzip
import io

import pytest
from django.core.management import CommandError, call_command

from maillage.core.models import AuditLog
from maillage.territories.models import Territory, TerritoryDataVintage, TerritoryKind
from maillage.territories.services import DEFAULT_FILE, load_territories

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("load_territories", *args, stdout=out)
    return out.getvalue()


def get(kind: str, code: str) -> Territory:
    return Territory.objects.get(kind=kind, code=code)


def test_loads_every_level_with_links(sample_path):
    output = run("--file", str(sample_path))

    assert Territory.objects.regions().count() == 1
    assert Territory.objects.departments().count() == 2
    assert Territory.objects.epcis().count() == 8
    assert Territory.objects.communes().count() == 11
    assert "communes          11 créé(s)" in output
    assert "communes sans point : 0" in output

    figeac = get(TerritoryKind.COMMUNE, "46102")
    assert figeac.name == "Figeac"
    assert figeac.postcodes == ["46100"]
    assert figeac.population == 9793
    assert figeac.latitude == pytest.approx(44.6053)
    assert figeac.longitude == pytest.approx(2.0252)
    assert figeac.epci.code == "200067361"
    assert figeac.department.code == "46"
    assert figeac.region.code == "76"
    assert figeac.vintage == "cog2026"

    grand_figeac = figeac.epci
    assert grand_figeac.kind == TerritoryKind.EPCI
    assert grand_figeac.department.code == "46"
    assert grand_figeac.region.code == "76"
    assert get(TerritoryKind.DEPARTMENT, "48").region.code == "76"
    assert get(TerritoryKind.COMMUNE, "48095").epci.name == "CC Coeur de Lozère"

    vintage = TerritoryDataVintage.objects.get()
    assert vintage.vintage == "cog2026"
    assert vintage.scope == ""
    assert len(vintage.sha256) == 64
    assert vintage.counts["commune"]["created"] == 11
    assert AuditLog.objects.filter(action="import", object_type="territories.Territory").count() == 1


def test_search_names_are_normalised(sample_path):
    run("--file", str(sample_path))
    assert get(TerritoryKind.COMMUNE, "46231").search_name == "puy l eveque"
    assert get(TerritoryKind.COMMUNE, "46138").search_name == "coeur de causse"
    assert get(TerritoryKind.COMMUNE, "48116").search_name == "pont de montvert sud mont lozere"
    assert get(TerritoryKind.EPCI, "200069185").search_name == "cc des terres d apcher margeride aubrac"
    assert get(TerritoryKind.DEPARTMENT, "48").search_name == "lozere"


def test_reloading_the_same_file_changes_nothing(sample_path):
    run("--file", str(sample_path))
    before = {t.pk: (t.name, t.search_name, t.population, t.epci_id) for t in Territory.objects.all()}

    output = run("--file", str(sample_path))

    assert "déjà chargés, rien n'a changé" in output
    assert {t.pk: (t.name, t.search_name, t.population, t.epci_id) for t in Territory.objects.all()} == before
    assert TerritoryDataVintage.objects.count() == 1
    assert AuditLog.objects.filter(object_type="territories.Territory").count() == 1


def test_forced_reload_checks_every_row_and_writes_nothing(sample_path, django_assert_max_num_queries):
    run("--file", str(sample_path))

    with django_assert_max_num_queries(20):  # reads and a vintage upsert, no row update
        report = load_territories(path=sample_path, force=True)

    assert not report.already_loaded
    assert not report.changed
    assert report.unchanged[TerritoryKind.COMMUNE] == 11
    assert TerritoryDataVintage.objects.count() == 1
    assert AuditLog.objects.filter(object_type="territories.Territory").count() == 1


def test_a_changed_file_updates_rows(sample_path, sample_document, write_document):
    run("--file", str(sample_path))
    figeac_pk = get(TerritoryKind.COMMUNE, "46102").pk

    communes = {c["code"]: c for c in sample_document["communes"]}
    communes["46102"]["population"] = 10000
    communes["46102"]["postcodes"] = ["46100", "46101"]
    # Capdenac leaves the CC Grand-Figeac for the CC Causses et Vallée de la Dordogne.
    epcis = {e["code"]: e for e in sample_document["epcis"]}
    epcis["200067361"]["communes"].remove("46055")
    epcis["200066371"]["communes"].append("46055")
    sample_document["communes"].append(
        {
            "code": "46040",
            "name": "Cajarc",
            "department": "46",
            "region": "76",
            "postcodes": ["46160"],
            "population": 1200,
            "lat": None,
            "lon": None,
        }
    )
    epcis["200067361"]["communes"].append("46040")
    changed = write_document(sample_document)

    output = run("--file", str(changed))

    assert "communes           1 créé(s),      2 modifié(s),      9 inchangé(s)" in output
    assert "communes sans point : 1" in output
    figeac = get(TerritoryKind.COMMUNE, "46102")
    assert figeac.pk == figeac_pk
    assert figeac.population == 10000
    assert figeac.postcodes == ["46100", "46101"]
    assert get(TerritoryKind.COMMUNE, "46055").epci.code == "200066371"
    cajarc = get(TerritoryKind.COMMUNE, "46040")
    assert cajarc.epci.code == "200067361"
    assert cajarc.latitude is None
    assert TerritoryDataVintage.objects.count() == 2


def test_rows_missing_from_a_new_file_are_kept_and_counted(sample_path, sample_document, write_document):
    run("--file", str(sample_path))
    sample_document["communes"] = [c for c in sample_document["communes"] if c["code"] != "46138"]
    for epci in sample_document["epcis"]:
        if "46138" in epci["communes"]:
            epci["communes"].remove("46138")

    output = run("--file", str(write_document(sample_document)))

    assert "1 absent(s) du fichier (conservé(s))" in output
    assert Territory.objects.filter(kind=TerritoryKind.COMMUNE, code="46138").exists()


def test_gzipped_file_loads_like_the_plain_one(sample_path, tmp_path):
    packed = tmp_path / "territories.json.gz"
    packed.write_bytes(gzip.compress(sample_path.read_bytes()))
    run("--file", str(packed))
    assert Territory.objects.communes().count() == 11


def test_departments_option_loads_only_those(sample_path):
    output = run("--file", str(sample_path), "--departments", "48")

    assert "départements 48" in output
    assert set(Territory.objects.communes().values_list("department__code", flat=True)) == {"48"}
    assert not Territory.objects.filter(kind=TerritoryKind.DEPARTMENT, code="46").exists()
    assert Territory.objects.epcis().count() == 3
    assert TerritoryDataVintage.objects.get().scope == "48"

    # The same départements again: nothing to do; all of France: the Lot still has to be loaded.
    assert "déjà chargés" in run("--file", str(sample_path), "--departments", " 48 ")
    output = run("--file", str(sample_path))
    assert "communes           7 créé(s),      0 modifié(s),      4 inchangé(s)" in output
    # Once everything is loaded, any subset is already loaded.
    assert "déjà chargés" in run("--file", str(sample_path), "--departments", "46")


def test_unknown_department_is_refused(sample_path):
    with pytest.raises(CommandError, match="département\\(s\\) absent\\(s\\) du fichier : 99"):
        run("--file", str(sample_path), "--departments", "46,99")
    assert not Territory.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"pas du json", "JSON invalide"),
        (gzip.compress(b'{"format": "maillage-territories"')[:20], "archive gzip illisible"),
        (b"[1, 2]", "un objet JSON est attendu"),
        (b'{"format": "autre", "format_version": 1, "vintage": "x"}', "champ « format »"),
    ],
    ids=["not-json", "truncated-gzip", "not-an-object", "wrong-format"],
)
def test_unreadable_file_is_refused_in_french(tmp_path, content, message):
    path = tmp_path / "broken.json.gz"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as excinfo:
        run("--file", str(path))
    assert "rien n'a été chargé" in str(excinfo.value)
    assert not Territory.objects.exists()
    assert not TerritoryDataVintage.objects.exists()


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="lecture impossible"):
        run("--file", str(tmp_path / "absent.json.gz"))


def test_invalid_records_are_all_reported_and_nothing_is_written(sample_document, write_document):
    communes = {c["code"]: c for c in sample_document["communes"]}
    communes["48095"]["lat"] = 123.0  # the last communes are Lozère's: earlier rows are valid
    communes["48140"]["department"] = "99"
    communes["46042"]["postcodes"] = ["4600"]
    sample_document["communes"].append(dict(communes["46102"]))  # duplicate code
    sample_document["epcis"][0]["communes"].append("00000")

    with pytest.raises(CommandError) as excinfo:
        run("--file", str(write_document(sample_document)))

    message = str(excinfo.value)
    assert "rien n'a été chargé" in message
    assert (
        "communes[" in message and "(code 48095) : champ « lat » : nombre entre -90 et 90 attendu" in message
    )
    assert "(code 48140) : champ « department » : département inconnu '99'" in message
    assert "(code 46042) : champ « postcodes »" in message
    assert "code 46102 en double" in message
    assert "commune membre inconnue '00000'" in message
    assert not Territory.objects.exists()
    assert not TerritoryDataVintage.objects.exists()


def test_commune_in_two_epcis_is_refused(sample_document, write_document):
    sample_document["epcis"][0]["communes"].append("46102")
    with pytest.raises(CommandError, match="la commune 46102 appartient déjà à l'EPCI"):
        run("--file", str(write_document(sample_document)))
    assert not Territory.objects.exists()


def test_quiet_mode_prints_nothing(sample_path):
    out = io.StringIO()
    call_command("load_territories", "--file", str(sample_path), verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert Territory.objects.communes().count() == 11


def test_vendored_file_lot_only():
    """The real COG 2026 file, restricted to the Lot (a few seconds: it validates the whole file)."""
    report = load_territories(departments="46")

    assert report.path == DEFAULT_FILE
    assert report.created[TerritoryKind.COMMUNE] == 312
    assert not Territory.objects.communes().exclude(department__code="46").exists()
    figeac = get(TerritoryKind.COMMUNE, "46102")
    assert figeac.epci.code == "200067361"
    assert figeac.epci.name == "CC Grand-Figeac"
    assert figeac.latitude == pytest.approx(44.61, abs=0.05)
    assert figeac.longitude == pytest.approx(2.03, abs=0.05)
    assert figeac.region.name == "Occitanie"
    assert Territory.objects.communes().filter(latitude__isnull=True).count() == 0
    assert Territory.objects.communes().filter(epci__isnull=True).count() == 0
    # The CC Grand-Figeac has 92 communes, 6 of them in the Aveyron (not loaded here).
    assert Territory.objects.communes_of([figeac.epci]).count() == 86


def test_rows_made_by_the_shared_factories_are_updated_in_place(sample_path, figeac, cahors, lozere):
    """Test personas and a real load share the (kind, code) key: the load updates them, keeping their pk."""
    pks = {figeac.pk, cahors.pk, figeac.epci_id, figeac.department_id, lozere.pk}

    load_territories(path=sample_path)

    figeac.refresh_from_db()
    assert figeac.epci.name == "CC Grand-Figeac"  # was « CC du Grand Figeac » in the factory
    assert figeac.latitude == pytest.approx(44.6053)
    assert {
        get(TerritoryKind.COMMUNE, "46102").pk,
        get(TerritoryKind.COMMUNE, "46042").pk,
        get(TerritoryKind.EPCI, "200067361").pk,
        get(TerritoryKind.DEPARTMENT, "46").pk,
        get(TerritoryKind.DEPARTMENT, "48").pk,
    } == pks


@pytest.mark.slow
def test_vendored_file_all_of_france():
    """What ``make demo`` runs: the whole COG 2026 file (a few seconds)."""
    report = load_territories()

    assert report.created == {
        TerritoryKind.REGION: 26,
        TerritoryKind.DEPARTMENT: 109,
        TerritoryKind.EPCI: 1255,
        TerritoryKind.COMMUNE: 34969,
    }
    assert report.communes_without_point == 94  # the overseas collectivities (COM)
    assert not Territory.objects.communes().filter(department__isnull=True).exists()
    assert not Territory.objects.communes().filter(region__isnull=True).exists()
    assert not Territory.objects.epcis().filter(department__isnull=True).exists()
    assert get(TerritoryKind.COMMUNE, "48095").epci.department.code == "48"  # Mende, for the demo
    assert load_territories().already_loaded
