"""Coordinators' pages: import of standard files (with the report) and the likely duplicates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.core.permissions import territories_for
from maillage.places.choices import DuplicateStatus
from maillage.places.jobs import start_import
from maillage.places.models import DuplicateCandidate, ImportJob, Place
from maillage.places.services import mark_distinct, merge_duplicate
from maillage.territories.models import Territory


def _coordinator_territories(user: Any) -> list[Territory]:
    territories = territories_for(user, ["coordinator"])
    if not territories:
        raise PermissionDenied(_("Réservé aux coordinateurs et coordinatrices."))
    return territories


# --- Import ---------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier au standard des lieux de médiation numérique"),
        help_text=gettext_lazy(
            "CSV (UTF-8 ou Windows-1252, séparateur « , » ou « ; ») ou JSON. Toutes les lignes doivent être "
            "valides : sinon rien n'est enregistré et la liste des erreurs s'affiche."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
    )
    territory = forms.ModelChoiceField(
        label=gettext_lazy("Territoire"),
        queryset=Territory.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Chaque lieu du fichier doit se trouver dans ce territoire."),
    )
    source = forms.CharField(
        label=gettext_lazy("Source par défaut"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Utilisée pour les lignes dont la colonne « source » est vide (par exemple le nom de votre structure)."
        ),
    )

    def __init__(self, *args: Any, territories: list[Territory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.filter(pk__in=[t.pk for t in territories])  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Fichier trop volumineux : %(size).1f Mo, %(max).1f Mo au maximum.")
                % {"size": upload.size / 1_048_576, "max": settings.IMPORT_MAX_BYTES / 1_048_576}
            )
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".json", ".txt")):
            raise forms.ValidationError(_("Format attendu : fichier .csv ou .json."))
        return upload


def _jobs_for(user: Any) -> QuerySet[ImportJob]:
    territories = territories_for(user, ["coordinator"])
    ids = [t.pk for t in territories]
    return ImportJob.objects.filter(
        Q(territory_id__in=ids)
        | Q(territory__department_id__in=ids)
        | Q(territory__epci_id__in=ids)
        | Q(territory__region_id__in=ids)
    ).select_related("territory", "user")


@login_required
def import_places(request: HttpRequest) -> HttpResponse:
    territories = _coordinator_territories(request.user)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, territories=territories)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # In the background (maillage.places.jobs): the job page shows progress, then the report.
            background = start_import(
                data=upload.read(),
                filename=upload.name,
                user=request.user,
                territory=form.cleaned_data["territory"],
                source=form.cleaned_data["source"].strip(),
            )
            return redirect(background)
    else:
        form = ImportForm(territories=territories)
    recent = list(_jobs_for(request.user).order_by("-started_at", "-pk")[:10])
    return render(
        request,
        "places/import.html",
        {"form": form, "recent": recent, "max_rows": settings.IMPORT_MAX_ROWS, "territories": territories},
    )


@login_required
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator_territories(request.user)
    job = get_object_or_404(_jobs_for(request.user), pk=pk)
    report = job.report or {}
    unit = _("Élément") if job.file_format == "json" else _("Ligne")
    return render(
        request,
        "places/import_report.html",
        {
            "job": job,
            "unit": unit,
            "errors": report.get("errors", []),
            "warnings": report.get("warnings", []),
            "error_total": report.get("error_total", 0),
            "warning_total": report.get("warning_total", 0),
            "message": report.get("message", ""),
        },
    )


# --- Duplicates -----------------------------------------------------------------------------------


def _candidates_for(user: Any) -> QuerySet[DuplicateCandidate]:
    """Pairs whose two places both lie in the user's coordinator territories."""
    territories = territories_for(user, ["coordinator"])
    return DuplicateCandidate.objects.filter(
        Territory.communes_q(territories, prefix="place_a__commune__"),
        Territory.communes_q(territories, prefix="place_b__commune__"),
    )


STATUS_FILTERS = {
    "a-examiner": DuplicateStatus.PENDING,
    "fusionnes": DuplicateStatus.MERGED,
    "distincts": DuplicateStatus.DISTINCT,
}


@login_required
def duplicates(request: HttpRequest) -> HttpResponse:
    _coordinator_territories(request.user)
    status_key = request.GET.get("statut", "a-examiner")
    if status_key not in STATUS_FILTERS:
        status_key = "a-examiner"
    queryset = (
        _candidates_for(request.user)
        .filter(status=STATUS_FILTERS[status_key])
        .select_related("place_a", "place_b", "decided_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    tabs = [
        (key, label, key == status_key)
        for key, label in (
            ("a-examiner", _("À examiner")),
            ("fusionnes", _("Fusionnés")),
            ("distincts", _("Distincts")),
        )
    ]
    return render(
        request,
        "places/duplicates.html",
        {"page": page, "candidates": list(page.object_list), "tabs": tabs, "status_key": status_key},
    )


@login_required
@require_POST
def decide_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    _coordinator_territories(request.user)
    candidate = get_object_or_404(
        _candidates_for(request.user).select_related("place_a", "place_b"),
        pk=pk,
        status=DuplicateStatus.PENDING,
    )
    decision = request.POST.get("decision")
    if decision in {"keep_a", "keep_b"}:
        keep: Place = candidate.place_a if decision == "keep_a" else candidate.place_b
        merge_duplicate(candidate=candidate, keep=keep, user=request.user)
        messages.success(
            request,
            _("Fiches fusionnées : « %(name)s » est conservée, l'autre fiche est dépubliée.")
            % {"name": keep.name},
        )
    elif decision == "distinct":
        mark_distinct(candidate=candidate, user=request.user)
        messages.success(request, _("Les deux fiches sont marquées comme des lieux distincts."))
    else:
        messages.error(request, _("Choisissez une décision."))
    return redirect("places:duplicates")
