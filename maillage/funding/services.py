"""Writes of the funding watch: typed, keyword-only, atomic, audited.

An application is the one source of truth of its revenue: once granted, ``_sync_budget_line`` writes
the action's « produit / cofinancement » line through ``roadmaps.services.write_managed_line``
(planned = granted amount, réalisé = sum of the payments, or unknown when none was received); refused
or back in preparation, the line goes. The roadmaps forms leave that line alone (``lines.py``).

Two people changing the same application: the edit form carries the version it was read at, and the
write claims the next version with one conditional UPDATE (``version = read version``), which both
SQLite and PostgreSQL serialise; the second writer gets a French message instead of overwriting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from maillage.core.audit import diff_fields, model_values, record_change
from maillage.funding.files import delete_on_commit
from maillage.funding.models import (
    GRANTED_STATUSES,
    AdvisorPost,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Instalment,
    Opportunity,
    PostYear,
)
from maillage.funding.permissions import can_edit_in
from maillage.roadmaps.permissions import can_edit_action

OPPORTUNITY_FIELDS = [
    "territory_id",
    "title",
    "funder_id",
    "programme",
    "eligible_actions",
    "rate",
    "ceiling",
    "opens_on",
    "deadline",
    "documents_required",
    "url",
    "description",
]
APPLICATION_FIELDS = [
    "opportunity_id",
    "title",
    "funder_id",
    "programme",
    "reference",
    "year",
    "total_cost",
    "amount_requested",
    "cofunding_plan",
    "status",
    "submitted_on",
    "decided_on",
    "granted_amount",
    "over_request_confirmed",
    "notes",
]
POST_FIELDS = ["territory_id", "employer_id", "label", "kind", "start_date", "state_funding_ends", "source"]
POST_YEAR_FIELDS = ["year", "state_amount", "cost", "other_funding", "source"]


class StaleApplication(ValidationError):
    """Someone else saved the application after this form was read."""


def _changes(before: dict[str, Any], instance: Any, fields: list[str]) -> dict[str, Any]:
    return diff_fields(before, model_values(instance, fields))


def _organisation(name: str) -> Any:
    from maillage.roadmaps.structure_services import organisations_named

    found = organisations_named([name])
    return found[0] if found else None


# --- Opportunities --------------------------------------------------------------------------------


@transaction.atomic
def save_opportunity(*, actor: Any, opportunity: Opportunity, new_funder: str = "") -> Opportunity:
    if not can_edit_in(actor, opportunity.territory):
        raise PermissionDenied
    if new_funder.strip():
        opportunity.funder = _organisation(new_funder)
    creating = opportunity.pk is None
    before = (
        model_values(Opportunity.objects.get(pk=opportunity.pk), OPPORTUNITY_FIELDS)
        if not creating
        else dict.fromkeys(OPPORTUNITY_FIELDS)
    )
    if creating and getattr(actor, "is_authenticated", False):
        opportunity.created_by = actor
    opportunity.save()
    record_change(
        actor=actor,
        action="create" if creating else "update",
        instance=opportunity,
        territory_code=opportunity.territory.code,
        changes=_changes(before, opportunity, OPPORTUNITY_FIELDS),
        message=f"Opportunité de financement « {opportunity.title} »",
    )
    return opportunity


# --- Applications ---------------------------------------------------------------------------------


def _check_amounts(application: Application) -> None:
    requested, granted = application.amount_requested, application.granted_amount
    if (
        granted is not None
        and requested is not None
        and granted > requested
        and not application.over_request_confirmed
    ):
        raise ValidationError(
            {
                "granted_amount": _(
                    "Le montant accordé dépasse le montant demandé : cochez la case de confirmation "
                    "si c'est bien le montant de la décision."
                )
            }
        )
    if application.status in GRANTED_STATUSES and granted is None:
        raise ValidationError({"granted_amount": _("Indiquez le montant accordé par la décision.")})
    if application.status in (ApplicationStatus.PREPARING, ApplicationStatus.SUBMITTED) and (
        application.pk is not None and application.instalments.exists()
    ):
        raise ValidationError(
            {"status": _("Des versements sont enregistrés : le dossier ne peut pas revenir avant l'accord.")}
        )


def _line_label(application: Application) -> str:
    return f"{application.get_programme_display()} — {application.title}"


def _sync_budget_line(application: Application, *, actor: Any) -> None:
    """The action's revenue line follows the application (the only writer of that line)."""
    from maillage.roadmaps.services import write_managed_line

    received: Decimal | None = None
    if application.status in GRANTED_STATUSES:
        received = application.instalments.aggregate(s=Sum("amount"))["s"]  # None: nothing received yet
        planned = application.granted_amount
    else:
        planned = None
        received = None
    line = write_managed_line(
        action=application.action,
        line=application.budget_line,
        planned=planned,
        received=received,
        funder=application.funder,
        label=_line_label(application),
        year=application.year,
        actor=actor,
    )
    if (line.pk if line else None) != application.budget_line_id:
        application.budget_line = line
        Application.objects.filter(pk=application.pk).update(budget_line=line)


@transaction.atomic
def create_application(*, actor: Any, application: Application, new_funder: str = "") -> Application:
    if not can_edit_action(actor, application.action):
        raise PermissionDenied
    if new_funder.strip():
        application.funder = _organisation(new_funder)
    if application.funder is None and application.opportunity is not None:
        application.funder = application.opportunity.funder
    _check_amounts(application)
    if getattr(actor, "is_authenticated", False):
        application.created_by = actor
    application.version = 1
    application.save()
    _sync_budget_line(application, actor=actor)
    record_change(
        actor=actor,
        action="create",
        instance=application,
        territory_code=application.action.roadmap.territory.code,
        changes=_changes(dict.fromkeys(APPLICATION_FIELDS), application, APPLICATION_FIELDS),
        message=f"Dossier de financement « {application.title} » (action {application.action.number})",
    )
    return application


@transaction.atomic
def update_application(
    *, actor: Any, application: Application, read_version: int, new_funder: str = ""
) -> Application:
    """``application``: the instance with the form's values (not saved); ``read_version``: the version
    the form was read at. Raises ``StaleApplication`` when someone saved in between."""
    if not can_edit_action(actor, application.action):
        raise PermissionDenied
    claimed = Application.objects.filter(pk=application.pk, version=read_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise StaleApplication(
            _(
                "Ce dossier a été modifié par quelqu'un d'autre pendant que vous le modifiiez. "
                "Vos changements ne sont pas enregistrés : rechargez la page pour voir la version à jour."
            )
        )
    stored = Application.objects.get(pk=application.pk)
    before = model_values(stored, APPLICATION_FIELDS)
    if new_funder.strip():
        application.funder = _organisation(new_funder)
    application.version = stored.version
    application.budget_line_id = stored.budget_line_id
    _check_amounts(application)
    application.save()
    _sync_budget_line(application, actor=actor)
    record_change(
        actor=actor,
        action="update",
        instance=application,
        territory_code=application.action.roadmap.territory.code,
        changes=_changes(before, application, APPLICATION_FIELDS),
        message=f"Dossier de financement « {application.title} »",
    )
    return application


def _lock(application: Application) -> Application:
    """Serialise the writes on one application (payments, documents) and move its version on."""
    Application.objects.filter(pk=application.pk).update(version=F("version") + 1)
    return Application.objects.select_related("action__roadmap__territory", "funder").get(pk=application.pk)


@transaction.atomic
def add_instalment(
    *, actor: Any, application: Application, received_on: date, amount: Decimal, note: str = ""
) -> Instalment:
    if not can_edit_action(actor, application.action):
        raise PermissionDenied
    application = _lock(application)
    if application.status not in GRANTED_STATUSES:
        raise ValidationError(_("Un versement ne s'enregistre que sur un dossier accordé."))
    instalment = Instalment(application=application, received_on=received_on, amount=amount, note=note)
    instalment.full_clean(exclude=["application"])
    instalment.save()
    received = application.instalments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if application.status == ApplicationStatus.GRANTED:
        application.status = ApplicationStatus.PAYING
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.PAYING)
    _sync_budget_line(application, actor=actor)
    record_change(
        actor=actor,
        action="create",
        instance=instalment,
        territory_code=application.action.roadmap.territory.code,
        changes={"montant": str(amount), "reçu le": received_on.isoformat(), "total reçu": str(received)},
        message=f"Versement reçu sur le dossier « {application.title} »",
    )
    return instalment


@transaction.atomic
def delete_instalment(*, actor: Any, instalment: Instalment) -> None:
    application = instalment.application
    if not can_edit_action(actor, application.action):
        raise PermissionDenied
    application = _lock(application)
    values = {"montant": str(instalment.amount), "reçu le": instalment.received_on.isoformat()}
    pk = instalment.pk
    instalment.delete()
    _sync_budget_line(application, actor=actor)
    record_change(
        actor=actor,
        action="delete",
        object_type=Instalment._meta.label,
        object_id=pk,
        territory_code=application.action.roadmap.territory.code,
        changes=values,
        message=f"Versement retiré du dossier « {application.title} »",
    )


@transaction.atomic
def save_document(
    *,
    actor: Any,
    application: Application,
    kind: str,
    title: str,
    upload: UploadedFile,
    document: ApplicationDocument | None = None,
) -> ApplicationDocument:
    """A new piece, or a new file for ``document`` (the replaced file leaves storage with the commit)."""
    if not can_edit_action(actor, application.action):
        raise PermissionDenied
    application = _lock(application)
    creating = document is None
    if document is None:
        document = ApplicationDocument(application=application)
    replaced = (document.file.name or "") if document.file else ""
    document.kind = kind
    document.title = title
    document.uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
    document.file.save(upload.name or "piece", upload, save=False)
    document.save()
    if replaced and replaced != document.file.name:
        delete_on_commit(replaced)
    record_change(
        actor=actor,
        action="create" if creating else "update",
        instance=document,
        territory_code=application.action.roadmap.territory.code,
        changes={"nature": kind, "fichier": document.filename, "remplace": replaced.rsplit("/", 1)[-1]},
        message=f"Pièce du dossier « {application.title} »",
    )
    return document


@transaction.atomic
def delete_document(*, actor: Any, document: ApplicationDocument) -> None:
    application = document.application
    if not can_edit_action(actor, application.action):
        raise PermissionDenied
    _lock(application)
    values = {"nature": document.kind, "fichier": document.filename}
    pk = document.pk
    document.delete()  # the file leaves storage with the commit (files.py)
    record_change(
        actor=actor,
        action="delete",
        object_type=ApplicationDocument._meta.label,
        object_id=pk,
        territory_code=application.action.roadmap.territory.code,
        changes=values,
        message=f"Pièce retirée du dossier « {application.title} »",
    )


# --- Conseillers numériques posts ------------------------------------------------------------------


@transaction.atomic
def save_post(*, actor: Any, post: AdvisorPost, new_employer: str = "") -> AdvisorPost:
    if not can_edit_in(actor, post.territory):
        raise PermissionDenied
    if new_employer.strip():
        post.employer = _organisation(new_employer)
    creating = post.pk is None
    before = (
        model_values(AdvisorPost.objects.get(pk=post.pk), POST_FIELDS)
        if not creating
        else dict.fromkeys(POST_FIELDS)
    )
    post.save()
    record_change(
        actor=actor,
        action="create" if creating else "update",
        instance=post,
        territory_code=post.territory.code,
        changes=_changes(before, post, POST_FIELDS),
        message=f"Poste « {post.label} »",
    )
    return post


@dataclass
class YearInput:
    year: int
    state_amount: Decimal | None
    cost: Decimal | None
    other_funding: Decimal | None
    source: str = ""


@transaction.atomic
def save_post_year(*, actor: Any, post: AdvisorPost, values: YearInput) -> PostYear:
    """Type (or correct) one year of the post's declared schedule; the same year twice is one row."""
    if not can_edit_in(actor, post.territory):
        raise PermissionDenied
    AdvisorPost.objects.select_for_update().filter(pk=post.pk).first()
    row = PostYear.objects.filter(post=post, year=values.year).first()
    creating = row is None
    if row is None:
        row = PostYear(post=post, year=values.year)
    before = model_values(row, POST_YEAR_FIELDS) if not creating else dict.fromkeys(POST_YEAR_FIELDS)
    row.state_amount = values.state_amount
    row.cost = values.cost
    row.other_funding = values.other_funding
    row.source = values.source
    row.full_clean(exclude=["post"], validate_unique=False, validate_constraints=False)
    row.save()
    record_change(
        actor=actor,
        action="create" if creating else "update",
        instance=row,
        territory_code=post.territory.code,
        changes=_changes(before, row, POST_YEAR_FIELDS),
        message=f"Financement {values.year} du poste « {post.label} »",
    )
    return row


@transaction.atomic
def delete_post_year(*, actor: Any, row: PostYear) -> None:
    if not can_edit_in(actor, row.post.territory):
        raise PermissionDenied
    values = model_values(row, POST_YEAR_FIELDS)
    pk = row.pk
    row.delete()
    record_change(
        actor=actor,
        action="delete",
        object_type=PostYear._meta.label,
        object_id=pk,
        territory_code=row.post.territory.code,
        changes={k: str(v) if v is not None else None for k, v in values.items()},
        message=f"Année {row.year} retirée du poste « {row.post.label} »",
    )
