"""Demo: the Lot's animation of the network, with fictitious people.

* the four quarterly meetings of the conseillers and médiateurs of last year, with attendance (the
  « taux de participation aux rencontres trimestrielles » of the roadmap);
* nine training sessions over two years (inclusion numérique, Aidants Connect) whose attendance
  « présent » records the modules done of 63 of the aidants seeded by ``maillage.training.demo``;
* a local Numérique en Commun organised as a project (committee, budget with an unknown amount,
  checklist), held last autumn with registrations, attendance and evaluations;
* an upcoming public webinar and sensibilisation in the public agenda. Idempotent.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.events import services
from maillage.events.models import (
    BudgetLine,
    ChecklistItem,
    CommitteeMember,
    Evaluation,
    EventProject,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
    Visibility,
)

SEED = 46_018


def _at(day: Any, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _past_session(ctx: DemoContext, **fields: Any) -> Session:
    place = fields.pop("place", None)
    return Session.objects.create(
        territory=ctx.department,
        place=place,
        is_remote=place is None,
        organiser=ctx.organisations.get("coordination"),
        created_by=ctx.users.get("coordinator"),
        **fields,
    )


def _register(session: Session, people: list[tuple[str, str, str]]) -> list[Registration]:
    return [
        Registration.objects.create(
            session=session,
            full_name=name,
            structure_name=structure,
            email=email,
            email_normalised=email.lower(),
            status=RegistrationStatus.REGISTERED,
        )
        for name, structure, email in people
    ]


def _attendance(
    ctx: DemoContext, session: Session, registrations: list[Registration], rng: random.Random, rate: float
) -> None:
    marks = {}
    for registration in registrations:
        draw = rng.random()
        marks[registration.pk] = "present" if draw < rate else ("excused" if draw < rate + 0.12 else "absent")
    services.mark_attendance(actor=ctx.users["coordinator"], session_id=session.pk, marks=marks)


def seed(ctx: DemoContext) -> None:
    lot = ctx.department
    coordinator = ctx.users.get("coordinator")
    if (
        coordinator is None
        or Session.objects.filter(territory=lot, title__startswith="Rencontre trimestrielle").exists()
    ):
        return
    from maillage.training.models import Aidant, Module

    rng = random.Random(SEED)
    today = timezone.localdate()
    places = list(ctx.places) or [None]
    aidants = list(ctx.extra.get("aidants") or Aidant.objects.filter(territory=lot).order_by("pk"))
    people = [(f"{a.first_name} {a.last_name}", a.organisation.name, a.email) for a in aidants]

    # Quarterly meetings of last year.
    year = today.year - 1
    for quarter, month in enumerate((3, 6, 9, 11), start=1):
        day = date(year, month, 14)
        session = _past_session(
            ctx,
            kind=SessionKind.NETWORK_MEETING,
            title=f"Rencontre trimestrielle des conseillers et médiateurs — T{quarter} {year}",
            description="Actualités du réseau, retours d'expérience, atelier d'échange de pratiques.",
            starts_at=_at(day, 9),
            ends_at=_at(day, 12),
            place=places[quarter % len(places)],
            capacity=40,
            speakers="Coordination Lot Numérique",
            visibility=Visibility.PRIVATE,
        )
        registrations = _register(session, rng.sample(people, min(28, len(people))))
        _attendance(ctx, session, registrations, rng, rate=0.7 + 0.04 * quarter)

    # Training sessions over two years: seven distinct aidants each.
    modules = {m.code: m for m in Module.objects.all()}
    for index in range(9):
        module = modules.get("aidants-connect" if index % 3 == 2 else "inclusion-numerique")
        day = today - timedelta(days=40 + 75 * index)
        session = _past_session(
            ctx,
            kind=SessionKind.TRAINING,
            title=f"Formation « {module.name if module else 'Inclusion numérique'} » — session {index + 1}",
            starts_at=_at(day, 9),
            ends_at=_at(day, 17),
            place=places[index % len(places)],
            capacity=10,
            speakers="Formateur Hub Sud-Ouest",
            module=module,
            visibility=Visibility.PUBLIC,
        )
        group = people[index * 7 : index * 7 + 7]
        registrations = _register(session, group)
        services.mark_attendance(
            actor=coordinator, session_id=session.pk, marks={r.pk: "present" for r in registrations}
        )

    # The Numérique en Commun, organised as a project.
    project = EventProject.objects.create(
        territory=lot,
        title=f"Numérique en Commun[s] du Lot {today.year}",
        kind=SessionKind.NEC,
        organiser=ctx.organisations.get("coordination"),
        programme="9 h 30 : accueil. 10 h : plénière « Le numérique pour tous dans le Lot ». "
        "11 h : ateliers (Aidants Connect, reconditionnement, accueil des publics fragiles). 14 h : forum des acteurs.",
        created_by=coordinator,
    )
    for name, organisation, role in [
        ("Camille Delmas", "Lot Numérique", "Pilotage"),
        ("Inès Vidal", "Clic & Lien", "Programme et ateliers"),
        ("Hugo Bessières", "France Services du Causse", "Logistique"),
    ]:
        CommitteeMember.objects.create(project=project, name=name, organisation_name=organisation, role=role)
    for kind, label, funder, amount, confirmed in [
        ("cost", "Location de salle", "", Decimal("800"), True),
        ("cost", "Traiteur", "", Decimal("1500"), True),
        ("cost", "Communication (affiches, programme)", "", None, False),
        ("funding", "Subvention", "Programme Société Numérique", Decimal("1500"), True),
        ("funding", "Participation", "Conseil départemental", None, False),
    ]:
        BudgetLine.objects.create(
            project=project, kind=kind, label=label, funder=funder, amount=amount, confirmed=confirmed
        )
    nec_day = today - timedelta(days=50)
    for label, offset, done in [
        ("Réserver la salle", -120, True),
        ("Arrêter le programme", -80, True),
        ("Publier la page et ouvrir les inscriptions", -60, True),
        ("Envoyer le questionnaire d'évaluation", 2, True),
        ("Bilan au comité de pilotage", 60, False),
    ]:
        ChecklistItem.objects.create(
            project=project,
            label=label,
            due_on=nec_day + timedelta(days=offset),
            owner="Camille Delmas",
            done_on=nec_day + timedelta(days=offset) if done else None,
        )
    nec = _past_session(
        ctx,
        kind=SessionKind.NEC,
        title=f"Numérique en Commun[s] du Lot {today.year} — journée",
        description=project.programme,
        starts_at=_at(nec_day, 9),
        ends_at=_at(nec_day, 17),
        place=places[0],
        capacity=120,
        speakers="Élus, conseillers numériques, Hub Sud-Ouest",
        project=project,
        visibility=Visibility.PUBLIC,
    )
    outsiders = [
        (f"Participant{i} Démo", "Structure partenaire", f"participant{i}@exemple.fr") for i in range(1, 41)
    ]
    registrations = _register(nec, people[:30] + outsiders)
    _attendance(ctx, nec, registrations, rng, rate=0.78)
    for registration in Registration.objects.filter(session=nec, attendance="present")[:35]:
        Evaluation.objects.create(
            registration=registration,
            overall=rng.choice([4, 4, 5, 5, 3]),
            usefulness=rng.choice([3, 4, 4, 5]),
            organisation=rng.choice([4, 5, 5]),
            speakers=rng.choice([3, 4, 5]),
            comment=rng.choice(["", "", "Très bons ateliers.", "Plus de temps d'échange l'an prochain."]),
        )

    # Upcoming public sessions for the agenda.
    for offset, kind, title in [
        (12, SessionKind.WEBINAR, "Webinaire : le Pass numérique, mode d'emploi"),
        (
            25,
            SessionKind.SENSIBILISATION,
            "Sensibilisation des élus et secrétaires de mairie à l'inclusion numérique",
        ),
    ]:
        day = today + timedelta(days=offset)
        services.create_session(
            actor=coordinator,
            territory=lot,
            kind=kind,
            title=title,
            starts_at=_at(day, 14),
            ends_at=_at(day, 16),
            place=None if kind == SessionKind.WEBINAR else places[0],
            is_remote=kind == SessionKind.WEBINAR,
            remote_url="https://visio.exemple.fr/lot" if kind == SessionKind.WEBINAR else "",
            capacity=30,
            visibility=Visibility.PUBLIC,
        )
