"""The Coop's real « Liste des accompagnements » export, laid out as coop-export.md describes it."""

from collections import Counter
from datetime import date

import pytest

from maillage.activities import importer, rollup
from maillage.activities.choices import (
    AgeBand,
    Device,
    Gender,
    Orientation,
    PlaceType,
    Procedure,
    SocialStatus,
    Theme,
)
from maillage.activities.models import Accompaniment, Activity, ActivityRollup, Beneficiary, ParticipantCount
from tests.activities.coop_files import CoopActivity, Person, coop_export, header_row, realistic

pytestmark = pytest.mark.django_db


def _values(choices):
    return {str(label): str(value) for value, label in choices.choices}


THEME_VALUES = _values(Theme)
PROCEDURE_VALUES = _values(Procedure)
DEVICE_VALUES = _values(Device)
CHANNELS = _values(PlaceType)
GENDERS = _values(Gender)
AGES = _values(AgeBand)
STATUSES = _values(SocialStatus)
REDIRECTIONS = _values(Orientation)
AUTONOMY = {"1/3": "entierement_accompagne", "2/3": "partiellement_autonome", "3/3": "autonome", "": ""}
LEVELS = {"1/3": "debutant", "2/3": "intermediaire", "3/3": "avance", "": ""}


@pytest.fixture
def communes(figeac, cahors):
    return [("Figeac", "46100", "46102"), ("Cahors", "46000", "46042")]


def _import(user, content, name="coop-numerique_accompagnements_2026-06-30.xlsx", **kwargs):
    return importer.import_activities(actor=user, mediator=user, content=content, filename=name, **kwargs)


def assert_faithful(source: CoopActivity) -> None:
    activity = Activity.objects.get(coop_id=source.coop_id)
    workshop = source.kind == "Atelier collectif"
    assert activity.kind == ("collectif" if workshop else "individuel")
    assert activity.date == source.date
    assert activity.duration_minutes == source.duration
    assert activity.place_type == CHANNELS[source.channel]
    assert activity.commune.code == source.insee
    themes = [THEME_VALUES[t] for t in source.themes if t in THEME_VALUES]
    procedures = [PROCEDURE_VALUES[t] for t in source.themes if t in PROCEDURE_VALUES]
    assert activity.themes == themes
    assert activity.procedures == procedures
    administrative = "aide_aux_demarches_administratives" in themes
    assert activity.procedure_details == (source.procedure_name if administrative else "")
    assert activity.devices == [DEVICE_VALUES[d] for d in source.devices]
    assert activity.tags == source.tags
    assert activity.participants_count == len(source.people)
    if workshop:
        assert activity.workshop_title == source.workshop_title
        assert activity.workshop_level == LEVELS[source.level]
        assert (activity.autonomy, activity.oriented, activity.orientation) == ("", None, "")
        counts = {(c.dimension, c.value): c.count for c in ParticipantCount.objects.filter(activity=activity)}
        expected: Counter = Counter()
        for person in source.people:
            expected[("gender", GENDERS[person.gender])] += 1
            expected[("age_band", AGES[person.age_band])] += 1
            expected[("social_status", STATUSES[person.status])] += 1
        assert counts == dict(expected)
        assert not Accompaniment.objects.filter(activity=activity).exists()
    else:
        assert activity.autonomy == AUTONOMY[source.level]
        assert activity.workshop_level == ""
        assert activity.oriented == {"Oui": True, "Non": False, "": None}[source.reoriented]
        assert activity.orientation == (REDIRECTIONS[source.redirection] if source.redirection else "")
        (person,) = Accompaniment.objects.filter(activity=activity).select_related("residence_commune")
        expected_person = source.people[0]
        assert person.beneficiary_id is None
        assert (person.gender, person.age_band, person.social_status) == (
            GENDERS[expected_person.gender],
            AGES[expected_person.age_band],
            STATUSES[expected_person.status],
        )
        assert (person.residence_commune.code if person.residence_commune else "") == expected_person.insee


@pytest.mark.parametrize(
    ("beneficiary_filter", "mediator_filter", "source"),
    [(False, False, True), (True, False, False), (True, True, True), (False, True, False)],
)
def test_realistic_self_export_imports_faithfully_and_reimport_changes_nothing(
    lot_mediator, communes, beneficiary_filter, mediator_filter, source
):
    activities = realistic(communes, count=120)
    content = coop_export(
        activities, beneficiary_filter=beneficiary_filter, mediator_filter=mediator_filter, source=source
    )
    result = _import(lot_mediator, content)
    assert (result.created, result.updated, result.unchanged) == (120, 0, 0)
    assert result.rows == sum(len(a.people) for a in activities)
    for activity in activities:
        assert_faithful(activity)
    snapshot = sorted(
        ActivityRollup.objects.values_list("grain", "dimension", "value", "month", "accompaniments")
    )
    again = _import(lot_mediator, content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 120)
    assert (
        sorted(ActivityRollup.objects.values_list("grain", "dimension", "value", "month", "accompaniments"))
        == snapshot
    )
    live = sorted(
        r[1:]
        for r in ActivityRollup.objects.exclude(activities=0, accompaniments=0, anonymous=0).values_list()
    )
    rollup.rebuild()
    assert live == sorted(r[1:] for r in ActivityRollup.objects.values_list())


def test_names_and_notes_are_never_read(lot_mediator, communes):
    secret = CoopActivity(
        date=date(2026, 3, 2),
        channel="À domicile",
        commune="Figeac",
        postcode="46100",
        insee="46102",
        notes="Mme Zéphyrine Ébrard, 06 12 34 56 78",
        people=[Person(name="Zéphyrine Ébrard", gender="Féminin")],
    )
    _import(lot_mediator, coop_export([secret]))
    assert Beneficiary.objects.count() == 0
    activity = Activity.objects.get(coop_id=secret.coop_id)
    # Each stored value on its own: joined, neighbouring ids (« coop106 », « 127 ») could spell « 06 12 ».
    stored = [str(v) for v in Activity.objects.filter(pk=activity.pk).values().get().values()]
    stored += [str(v) for row in Accompaniment.objects.values() for v in row.values()]
    assert not [v for v in stored if "Zéphyrine" in v or "Ébrard" in v or "06 12" in v or "34 56" in v]


def test_header_row_moves_and_errors_give_real_sheet_rows(lot_mediator, communes):
    good = CoopActivity(date=date(2026, 3, 3), channel="À domicile", commune="Figeac", insee="46102")
    bad = CoopActivity(
        date=date(2026, 3, 2),
        channel="Sur la lune",
        commune="Figeac",
        insee="46102",
        themes=["E-mail", "Astrologie"],
    )
    for beneficiary_filter, mediator_filter in ((False, False), (True, False), (True, True)):
        content = coop_export(
            [good, bad], beneficiary_filter=beneficiary_filter, mediator_filter=mediator_filter
        )
        header = header_row(beneficiary_filter=beneficiary_filter, mediator_filter=mediator_filter)
        with pytest.raises(importer.ImportFailed) as failure:
            _import(lot_mediator, content)
        messages = importer.iter_errors(failure.value.errors)
        bad_line = header + 2  # most recent first: « good » (3 March) is right under the header
        assert (
            f"ligne {bad_line}, colonne « Canaux d’accompagnement » : valeur inconnue « Sur la lune »."
            in messages
        )
        assert any(
            m.startswith(f"ligne {bad_line}, colonne « Thématique(s) d’accompagnement »")
            and "Astrologie" in m
            for m in messages
        ), messages
        assert len(messages) == 2
        assert Activity.objects.count() == 0


def test_workshop_is_one_activity_counted_from_its_rows_with_level_from_n_over_3(lot_mediator, communes):
    workshop = CoopActivity(
        date=date(2026, 4, 9),
        kind="Atelier collectif",
        channel="Lieu d’activité",
        place_name="Médiathèque de Cahors",
        address="1 rue du Pont",
        commune="Cahors",
        postcode="46000",
        insee="46042",
        duration=120,
        workshop_title="Découvrir l’ordinateur",
        devices=["Ordinateur", "Tablette"],
        themes=["Prendre en main du matériel", "Navigation sur internet"],
        tags=["Séniors", "Quartier prioritaire, Figeac"],
        level="2/3",
        people=[
            Person(gender="Féminin", age_band="70 ans et plus", status="Retraité"),
            Person(gender="Masculin", age_band="60 - 69 ans", status="Retraité"),
            Person(),
        ],
    )
    individual = CoopActivity(
        date=date(2026, 4, 8),
        channel="À distance",
        commune="Figeac",
        insee="46102",
        themes=["Aide aux démarches administratives"],
        procedure_name="Demande d’APL, dossier CAF",
        level="1/3",
        reoriented="Oui",
        redirection="Administration (mairie, préfecture…)",
    )
    _import(lot_mediator, coop_export([workshop, individual]))
    activity = Activity.objects.get(coop_id=workshop.coop_id)
    assert activity.participants_count == 3 and activity.workshop_level == "intermediaire"
    assert activity.tags == ["Séniors", "Quartier prioritaire, Figeac"]
    assert activity.devices == ["ordinateur", "tablette"]
    one = Activity.objects.get(coop_id=individual.coop_id)
    assert one.autonomy == "entierement_accompagne" and one.oriented is True
    assert one.orientation == "administration" and one.procedures == []
    assert one.procedure_details == "Demande d’APL, dossier CAF"
    assert_faithful(workshop)
    assert_faithful(individual)


def test_team_export_is_refused_without_a_mapping(lot_mediator, communes):
    content = coop_export(
        [CoopActivity(date=date(2026, 3, 3), channel="À domicile", insee="46102")], team=True
    )
    with pytest.raises(importer.ImportFailed) as failure:
        _import(lot_mediator, content)
    assert "export d’une équipe" in importer.iter_errors(failure.value.errors)[0]
    assert Activity.objects.count() == 0


def test_no_header_in_the_first_rows_is_a_clear_message(lot_mediator):
    with pytest.raises(importer.ImportFailed) as failure:
        _import(lot_mediator, b"Nom;Prenom\nDupont;Camille\n", name="x.csv")
    assert "En-tête introuvable" in importer.iter_errors(failure.value.errors)[0]
