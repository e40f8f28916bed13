"""Helper of ``python -m maillage.bench concurrency`` (SQLite part), run in a child process on the demo
database named by DATABASE_URL: prints JSON with signed-in sessions of the demo team and the pages each
one works on (audit-writing detail pages of pathways and followed people, activity recording, reads)."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from maillage.accounts.models import User
    from maillage.activities.models import Beneficiary
    from maillage.pathways.models import Diagnostic, Referral
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    def cookie(user: User) -> str:
        client = Client()
        client.force_login(user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    prescriber = User.objects.get(email="prescription@demo.maillage.fr")
    mediator = User.objects.get(email="mediation@demo.maillage.fr")
    diagnostics = list(Diagnostic.objects.filter(prescriber=prescriber).values_list("pk", flat=True)[:20])
    referrals = list(Referral.objects.filter(prescriber=prescriber).values_list("pk", flat=True)[:20])
    followed = list(Beneficiary.objects.filter(mediator=mediator).values_list("pk", flat=True)[:20])
    places = list(Place.objects.filter(is_published=True).values_list("pk", flat=True)[:50])
    commune = Territory.objects.get(kind="commune", code="46102")  # Figeac, in the demo territory
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    out: list[dict[str, object]] = []
    for index in range(sessions):
        if index % 2 == 0:
            out.append(
                {
                    "role": "prescriber",
                    "cookie": cookie(prescriber),
                    "pages": [f"/parcours/diagnostic/{pk}/" for pk in diagnostics]
                    + [f"/parcours/orientations/{pk}/" for pk in referrals],
                }
            )
        else:
            out.append(
                {
                    "role": "mediator",
                    "cookie": cookie(mediator),
                    "pages": [f"/activites/beneficiaires/{pk}/" for pk in followed] + ["/activites/"],
                    "commune": commune.pk,
                }
            )
    print(json.dumps({"sessions": out, "places": places}))


if __name__ == "__main__":
    main()
