"""Proposals: services, accompaniment modes, accessibility, distance (portable SQL) and open hours."""

from __future__ import annotations

import datetime as dt

from maillage.pathways.matching import KM_PER_DEGREE, compute_proposals
from maillage.places.choices import AccessMode, NationalProgramme, Service, SpecificSupport, SupportMode
from tests.pathways.factories import AUTONOMOUS, BEGINNER, make_diagnostic
from tests.places.factories import PlaceFactory

# A Tuesday morning in Paris, when "Mo-Fr 09:00-12:00" places are open.
TUESDAY = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)


def at_km(commune, km_north, **kwargs):
    return PlaceFactory(
        commune=commune,
        latitude=commune.latitude + km_north / KM_PER_DEGREE,
        longitude=commune.longitude,
        **kwargs,
    )


def test_ranking_distance_and_reasons(lot_prescriber, figeac):
    near_fs = at_km(
        figeac,
        2,
        name="France Services proche",
        services=[Service.ADMINISTRATIVE_PROCEDURES.value],
        national_programmes=[NationalProgramme.FRANCE_SERVICES.value],
        support_modes=[SupportMode.INDIVIDUAL.value],
    )
    far_fs = at_km(
        figeac,
        30,
        name="France Services lointaine",
        services=[Service.ADMINISTRATIVE_PROCEDURES.value],
        national_programmes=[NationalProgramme.FRANCE_SERVICES.value],
    )
    at_km(figeac, 60, name="Hors rayon", services=[Service.ADMINISTRATIVE_PROCEDURES.value])
    at_km(figeac, 1, name="Sans le bon service", services=[Service.LEISURE.value])
    at_km(
        figeac,
        1,
        name="Sans public",
        services=[Service.ADMINISTRATIVE_PROCEDURES.value],
        access_modes=[AccessMode.NO_PUBLIC.value],
    )
    at_km(figeac, 1, name="Dépublié", services=[Service.ADMINISTRATIVE_PROCEDURES.value], is_published=False)
    diagnostic = make_diagnostic(lot_prescriber, figeac)
    result = compute_proposals(diagnostic, at=TUESDAY)
    names = [p.place.name for p in result.proposals]
    assert names == ["France Services proche", "France Services lointaine"]
    first = result.proposals[0]
    assert abs(first.distance_km - 2) < 0.1
    assert abs(result.proposals[1].distance_km - 30) < 0.5
    assert any("France Services" in r for r in first.reasons)
    assert any("Aide aux démarches administratives" in r for r in first.reasons)
    assert any(r.startswith("Ouvert maintenant") for r in first.reasons)
    assert first.orientation == "demarche_accompagnee"
    assert result.nearest_match_km is not None and result.nearest_match_km < 3
    assert not result.unmet
    assert near_fs.pk != far_fs.pk


def test_equirectangular_distance_east_west(lot_prescriber, figeac):
    import math

    km = 10
    dlon = km / (KM_PER_DEGREE * math.cos(math.radians(figeac.latitude)))
    PlaceFactory(commune=figeac, latitude=figeac.latitude, longitude=figeac.longitude + dlon)
    result = compute_proposals(make_diagnostic(lot_prescriber, figeac), at=TUESDAY)
    assert abs(result.proposals[0].distance_km - km) < 0.1


def test_unmet_need_when_nothing_within_20_km(lot_prescriber, figeac):
    at_km(figeac, 25, services=[Service.ADMINISTRATIVE_PROCEDURES.value])
    result = compute_proposals(make_diagnostic(lot_prescriber, figeac), at=TUESDAY)
    assert len(result.proposals) == 1
    assert result.unmet


def test_accessibility_needs_are_matched_and_warned(lot_prescriber, figeac):
    answers = {**BEGINNER, "D2": ["vue"], "D1": "beaucoup"}
    adapted = at_km(
        figeac,
        8,
        name="Adapté",
        services=[Service.ADMINISTRATIVE_PROCEDURES.value],
        specific_support=[SpecificSupport.VISUAL_IMPAIRMENT.value, SpecificSupport.ILLITERACY.value],
    )
    at_km(figeac, 3, name="Non adapté", services=[Service.ADMINISTRATIVE_PROCEDURES.value])
    result = compute_proposals(make_diagnostic(lot_prescriber, figeac, answers), at=TUESDAY)
    assert result.proposals[0].place == adapted
    assert any("Déficience visuelle" in r for r in result.proposals[0].reasons)
    assert any("non indiquée" in w for w in result.proposals[1].warnings)


def test_closed_places_come_after_open_ones(lot_prescriber, figeac):
    at_km(figeac, 2, name="Fermé le mardi", opening_hours="Sa 09:00-12:00")
    at_km(figeac, 3, name="Ouvert le mardi", opening_hours="Tu 09:00-12:00")
    at_km(figeac, 1, name="Horaires illisibles", opening_hours="")
    result = compute_proposals(make_diagnostic(lot_prescriber, figeac), at=TUESDAY)
    names = [p.place.name for p in result.proposals]
    assert names.index("Ouvert le mardi") < names.index("Fermé le mardi")
    unknown = next(p for p in result.proposals if p.place.name == "Horaires illisibles")
    assert "Horaires non renseignés." in unknown.warnings


def test_autonomous_person_gets_no_proposal(lot_prescriber, figeac):
    at_km(figeac, 1)
    result = compute_proposals(make_diagnostic(lot_prescriber, figeac, AUTONOMOUS), at=TUESDAY)
    assert result.proposals == [] and not result.unmet


def test_commune_without_coordinates_stays_in_department(lot_prescriber, lot):
    from tests.factories import make_commune

    village = make_commune("46999", "Village sans point", lot)
    PlaceFactory(commune=village, latitude=None, longitude=None)
    result = compute_proposals(make_diagnostic(lot_prescriber, village), at=TUESDAY)
    assert len(result.proposals) == 1 and result.proposals[0].distance_km is None
