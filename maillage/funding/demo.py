"""Demo of the funding watch. Idempotent (natural keys, ``update_or_create``).

- Opportunities named by the seeds' roadmaps: the Lozère « Veille et recherche active des
  cofinancements » (fiche 14: fondations, FSE+, FEDER), the Lot's fiche 6 (« Subvention 50 000 € Banque
  des territoires (2024-2026) »). Rates, ceilings and deadlines are not in the seeds: left unknown,
  except the deadlines, fictitious and marked so in « précisions ».
- A FSE+ application for the Lot's fiche 8 (« Former à l'inclusion numérique et outiller les aidants »,
  co-carried by the demo action lead's structure), granted and paid in two instalments: fictitious
  amounts, marked so in the notes. It feeds the action's budget line and the bilan.
- Conseillers numériques posts named by the seeds, with their State funding per year left unknown: the
  seeds give no schedule (only « dégressivité … jusqu'à interruption en 2027 », Lot fiche 6, and the
  La Canourgue post's State support until September 2026, CCALCT roadmap § 3.1.1 / diagnostic); the
  amounts are to be typed from each employer's convention.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from maillage.accounts.models import Organisation
from maillage.core.demo import DemoContext
from maillage.funding.models import (
    AdvisorPost,
    Application,
    ApplicationStatus,
    Instalment,
    Opportunity,
    PostKind,
    PostYear,
    Programme,
)
from maillage.territories.models import Territory, TerritoryKind

DEMO_NOTE = "Valeur fictive de démonstration."
LOT_TRAINING_ACTION = 8  # Lot fiche 8 « Former à l'inclusion numérique et outiller les aidants »


def _say(message: str) -> None:
    print(f"  financements : {message}")  # noqa: T201 — seed-demo output


def _org(name: str, kind: str = "") -> Organisation:
    org = Organisation.objects.filter(name=name).order_by("pk").first()
    return org or Organisation.objects.create(name=name, kind=kind)


def _opportunity(territory: Any, title: str, **values: Any) -> Opportunity:
    opportunity, _ = Opportunity.objects.update_or_create(territory=territory, title=title, defaults=values)
    return opportunity


def seed(ctx: DemoContext) -> None:
    today = timezone.localdate()
    lot = ctx.department
    lozere = Territory.objects.filter(kind=TerritoryKind.DEPARTMENT, code="48").first()

    fse = _opportunity(
        lot,
        "FSE+ Occitanie — inclusion numérique des publics éloignés de l'emploi",
        funder=_org("Région Occitanie", "collectivite"),
        programme=Programme.FSE_PLUS,
        eligible_actions="Formation des aidants et des professionnels de l'accompagnement ; accompagnement "
        "des publics en insertion.",
        deadline=today + timedelta(days=18),
        documents_required="Dossier de demande, plan de financement, délibération, RIB.",
        description=f"Date limite : {DEMO_NOTE}",
    )
    _opportunity(
        lot,
        "Banque des Territoires — coordination des conseillers numériques",
        funder=_org("Banque des Territoires", "etat"),
        programme=Programme.BANK,
        eligible_actions="Coordination départementale des conseillers et médiateurs numériques.",
        description="Feuille de route Lot Numérique Ensemble, fiche 6 : « Subvention 50 000 € Banque des "
        "territoires (2024-2026) ».",
    )
    if lozere is not None:
        for title, programme, funder in (
            ("Fondations — appels à projets inclusion numérique", Programme.FOUNDATION, ""),
            ("FSE+ — volet inclusion sociale", Programme.FSE_PLUS, "Région Occitanie"),
            ("FEDER — usages et services numériques", Programme.FEDER, "Région Occitanie"),
        ):
            _opportunity(
                lozere,
                title,
                funder=_org(funder, "collectivite") if funder else None,
                programme=programme,
                description="Feuille de route FNE de la Lozère, « Veille et recherche active des cofinancements "
                "et ingénierie financière » : veille sur les financements (fondations, FSE+, FEDER).",
            )
    _say("opportunités de la veille (Lot, Lozère) enregistrées.")

    roadmap = ctx.extra.get("roadmap")
    action = roadmap.actions.filter(number=LOT_TRAINING_ACTION).first() if roadmap is not None else None
    if action is None:
        _say(f"fiche {LOT_TRAINING_ACTION} du Lot absente : dossier FSE+ ignoré.")
    else:
        _fse_application(ctx, action, fse, today)
    _posts(ctx, lot, lozere)


def _fse_application(ctx: DemoContext, action: Any, opportunity: Opportunity, today: date) -> None:
    from maillage.funding import services

    actor = ctx.users.get("coordinator")
    year = today.year
    application = Application.objects.filter(action=action, reference="DEMO-FSE-2025-08").first()
    if application is None:
        application = services.create_application(
            actor=actor,
            application=Application(
                action=action,
                opportunity=opportunity,
                title="Formation des aidants numériques du Lot",
                funder=opportunity.funder,
                programme=Programme.FSE_PLUS,
                reference="DEMO-FSE-2025-08",
                year=year,
                total_cost=Decimal("20000"),
                amount_requested=Decimal("12000"),
                cofunding_plan="ANCT (France Numérique Ensemble) : 6 000 € ; autofinancement Lot Numérique : "
                "2 000 €.",
                status=ApplicationStatus.GRANTED,
                submitted_on=date(year, 1, 15),
                decided_on=date(year, 3, 20),
                granted_amount=Decimal("10000"),
                notes=f"Montants et dates : {DEMO_NOTE} Coût de l'action (20 k€ de formation) : fiche 8.",
            ),
        )
    if not application.instalments.exists():
        services.add_instalment(
            actor=actor,
            application=application,
            received_on=date(year, 4, 30),
            amount=Decimal("5000"),
            note="Avance de 50 %",
        )
        services.add_instalment(
            actor=actor,
            application=application,
            received_on=date(year, 10, 15),
            amount=Decimal("3000"),
            note="Acompte sur justification des dépenses",
        )
    received = sum(i.amount for i in Instalment.objects.filter(application=application))
    _say(
        f"dossier FSE+ de la fiche {action.number} : accordé 10 000 €, reçu {received} € en deux versements."
    )


def _posts(ctx: DemoContext, lot: Any, lozere: Any) -> None:
    coordination = ctx.organisations.get("coordination") or _org("Syndicat mixte Lot Numérique (démo)")
    post, _ = AdvisorPost.objects.update_or_create(
        territory=lot,
        employer=coordination,
        label="Coordination des conseillers et médiateurs numériques",
        defaults={
            "kind": PostKind.COORDINATOR,
            "start_date": date(2021, 1, 1),
            "source": "Feuille de route Lot Numérique Ensemble, fiche 6 (poste depuis 2021, « dégressivité des "
            "financements de l'État pour le poste jusqu'à interruption en 2027 ») ; délibérations de mars 2025 "
            "(exécution 2024 : 31 536 € de reste à charge du poste, subvention déduite).",
        },
    )
    for year in (2024, 2025, 2026, 2027):
        PostYear.objects.get_or_create(
            post=post, year=year, defaults={"source": "Montant de l'État à saisir depuis la convention."}
        )
    if lozere is not None:
        epci = Territory.objects.filter(
            kind=TerritoryKind.EPCI, name__iexact="CC Aubrac Lot Causses Tarn"
        ).first()
        post, _ = AdvisorPost.objects.update_or_create(
            territory=epci or lozere,
            employer=_org("Commune de La Canourgue", "collectivite"),
            label="Conseiller numérique",
            defaults={
                "kind": PostKind.ADVISOR,
                "start_date": date(2021, 1, 1),
                "state_funding_ends": date(2026, 9, 30),
                "source": "Feuille de route de la CCALCT (2025) : poste en place depuis 2021, « soutien dégressif "
                "de l'État dans le cadre de France Relance », continuité incertaine « au-delà de septembre 2026 ».",
            },
        )
        for year in (2025, 2026):
            PostYear.objects.get_or_create(
                post=post, year=year, defaults={"source": "Montant de l'État à saisir depuis la convention."}
            )
    _say("postes de conseillers numériques (échéancier de l'État à saisir) enregistrés.")
