"""Demo: the Lot's observatory from La MedNum's reference layer and the demo places.

Loads the outlines of the demo département, imports the vendored MedNum files (credited « La MedNum »),
gives the demo bus a round of stops (the five most populated communes after its home), computes the
distances and publishes the observatory (public version, no personal data).
"""

from __future__ import annotations

from maillage.core.demo import DemoContext
from maillage.observatory.access import compute_access
from maillage.observatory.models import IndicatorImport, IndicatorSource, ItinerantStop, ObservatorySettings
from maillage.observatory.services import import_mednum_reference, load_outlines
from maillage.places.choices import Mobility
from maillage.places.selectors import public_places
from maillage.territories.models import Territory

STOPS = 5


def seed(ctx: DemoContext) -> None:
    department = ctx.department
    load_outlines(department_codes=[department.code])
    if not IndicatorImport.objects.filter(source=IndicatorSource.MEDNUM).exists():
        import_mednum_reference()
    buses = (
        public_places()
        .in_territory(department)
        .filter(mobility_search__contains=f"|{Mobility.MOBILE.value}|")
    )
    communes = list(
        Territory.objects.communes()
        .filter(department=department)
        .order_by("-population", "code")[1 : 1 + STOPS]
    )
    for bus in buses:
        for commune in communes:
            if commune.pk != bus.commune_id:
                ItinerantStop.objects.get_or_create(
                    place=bus, commune=commune, defaults={"schedule": "un jour par semaine"}
                )
    compute_access(department_codes=[department.code])
    ObservatorySettings.objects.update_or_create(territory=department, defaults={"is_public": True})
