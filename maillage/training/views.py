"""Pages of the training of aidants: progress against the target, aidants, modules done, habilitations
(with the CSV import), needs declared by structures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.core.forms import show_refusal
from maillage.core.permissions import organisation_ids_for, territories_or_404
from maillage.training import importer, selectors, services
from maillage.training.forms import (
    AidantFilterForm,
    AidantForm,
    ImportForm,
    NeedForm,
    RecordForm,
    TargetForm,
    organisations_of,
)
from maillage.training.models import HabilitationStatus, Module

PAGE_SIZE = 50


def _reading(request: HttpRequest) -> list[Any]:
    return territories_or_404(selectors.reading_territories(request.user))


def _managing(request: HttpRequest) -> list[Any]:
    return territories_or_404(selectors.managing_territories(request.user))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    territories = _reading(request)
    managing = selectors.managing_territories(request.user)
    progress = [selectors.target_progress(t) for t in selectors.targets_for(territories)]
    habilitations = selectors.habilitations_visible_to(request.user)
    context = {
        "progress": progress,
        "by_module": selectors.trained_by_module(territories),
        "aidants": selectors.aidants_visible_to(request.user).count(),
        "granted": habilitations.filter(status=HabilitationStatus.GRANTED).count(),
        "requested": habilitations.filter(status=HabilitationStatus.REQUESTED).count(),
        "can_manage": bool(managing),
        "target_form": TargetForm(territories=managing) if managing else None,
    }
    return render(request, "training/home.html", context)


@login_required
def modules(request: HttpRequest) -> HttpResponse:
    _reading(request)
    return render(request, "training/modules.html", {"modules": Module.objects.all()})


@login_required
@require_POST
def target_new(request: HttpRequest) -> HttpResponse:
    territories = _managing(request)
    form = TargetForm(request.POST, territories=territories)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.set_target(actor=request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Objectif enregistré."))
    else:
        messages.error(
            request,
            _("Objectif incomplet : %(e)s")
            % {"e": " ".join(" ".join(str(e) for e in v) for v in form.errors.values())},
        )
    return redirect("training:home")


@login_required
def aidant_list(request: HttpRequest) -> HttpResponse:
    _reading(request)
    form = AidantFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    module = filters.get("module")
    aidants = selectors.aidant_list(
        request.user,
        q=filters.get("q", ""),
        structure_kind=filters.get("structure_kind", ""),
        module_id=module.pk if module else None,
    )
    page = Paginator(aidants, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "training/aidant_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_manage": bool(selectors.managing_territories(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def aidant_new(request: HttpRequest) -> HttpResponse:
    territories = _managing(request)
    form = AidantForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            aidant = services.create_aidant(actor=request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Aidant enregistré."))
            return redirect("training:aidant", pk=aidant.pk)
    return render(request, "training/aidant_form.html", {"form": form, "aidant": None})


@login_required
@require_http_methods(["GET", "POST"])
def aidant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    aidant = selectors.get_aidant_for_user(request.user, pk)
    if aidant.territory not in selectors.managing_territories(request.user):
        raise Http404
    form = AidantForm(request.POST or None, instance=aidant, territories=[aidant.territory])
    if request.method == "POST" and form.is_valid():
        try:
            services.update_aidant(actor=request.user, aidant=aidant, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Aidant modifié."))
            return redirect("training:aidant", pk=aidant.pk)
    return render(request, "training/aidant_form.html", {"form": form, "aidant": aidant})


@login_required
def aidant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    aidant = selectors.get_aidant_for_user(request.user, pk)
    can_manage = aidant.territory in selectors.managing_territories(request.user)
    context = {
        "aidant": aidant,
        "records": list(aidant.records.select_related("module", "session")),
        "habilitations": list(aidant.habilitations.select_related("organisation")),
        "can_manage": can_manage,
        "record_form": RecordForm() if can_manage else None,
    }
    return render(request, "training/aidant_detail.html", context)


@login_required
@require_POST
def record_add(request: HttpRequest, pk: int) -> HttpResponse:
    aidant = selectors.get_aidant_for_user(request.user, pk)
    form = RecordForm(request.POST)
    if form.is_valid():
        try:
            services.add_record(actor=request.user, aidant=aidant, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Module enregistré."))
    else:
        messages.error(
            request,
            _("Saisie incomplète : %(e)s")
            % {"e": " ".join(" ".join(str(e) for e in v) for v in form.errors.values())},
        )
    return redirect("training:aidant", pk=aidant.pk)


@login_required
def habilitations(request: HttpRequest) -> HttpResponse:
    _reading(request)
    status = request.GET.get("status", "")
    rows = selectors.habilitations_visible_to(request.user).select_related("aidant", "organisation")
    if status in HabilitationStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("aidant__last_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/habilitations.html",
        {
            "page": page,
            "status": status,
            "statuses": HabilitationStatus.choices,
            "query": f"status={status}" if status else "",
            "can_manage": bool(selectors.managing_territories(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def habilitation_import(request: HttpRequest) -> HttpResponse:
    territories = _managing(request)
    form = ImportForm(request.POST or None, request.FILES or None, territories=territories)
    report = None
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            report = importer.import_habilitations(
                actor=request.user, territory=form.cleaned_data["territory"], data=data, filename=upload.name
            )
        except importer.HabilitationImportError as exc:
            errors = exc.errors
        except PermissionDenied as exc:
            errors = [str(exc)]
    status = 400 if errors else 200
    return render(
        request,
        "training/import.html",
        {"form": form, "report": report, "errors": errors, "columns": importer.COLUMNS},
        status=status,
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _managing(request)
    response = HttpResponse(
        importer.template_csv().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="habilitations-aidants-connect.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def needs(request: HttpRequest) -> HttpResponse:
    territories = territories_or_404(selectors.need_territories(request.user))

    mine = organisation_ids_for(request.user, services.NEED_ROLES)
    managing = selectors.managing_territories(request.user)
    organisations = (
        organisations_of(managing) if managing else organisations_of(territories).filter(pk__in=mine)
    )
    form = NeedForm(request.POST or None, territories=territories, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_need(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Besoin de formation enregistré. Merci !"))
            return redirect("training:needs")
    listed = (
        selectors.needs_visible_to(request.user).select_related("organisation").prefetch_related("modules")
    )
    if not managing:
        listed = listed.filter(organisation_id__in=mine)
    return render(request, "training/needs.html", {"form": form, "needs": listed[:200]})
