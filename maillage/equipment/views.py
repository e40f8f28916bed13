"""Pages of the refurbishment loop: donations, workshop, device record, allocation, follow-up, figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.core.audit import record_change
from maillage.core.forms import show_refusal
from maillage.core.permissions import territories_or_404
from maillage.equipment import documents, importer, selectors, services, versions
from maillage.equipment.forms import (
    CancelForm,
    CorrectionForm,
    CriterionForm,
    DeviceBatchForm,
    DonationForm,
    ErasureForm,
    FollowUpForm,
    HandOverForm,
    ImportForm,
    PartForm,
    ReserveForm,
    TransitionForm,
    WorkshopFilterForm,
)
from maillage.equipment.models import AllocationStatus, DeviceKind, DeviceState, PriorityCriterion

PAGE_SIZE = 50
PK_MARK = 987654321


class CountedPaginator(Paginator):
    """A paginator given its count (read from kept counts) instead of running ``COUNT(*)``."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _workshop_territories(request: HttpRequest) -> list[Any]:
    return territories_or_404(selectors.workshop_territories(request.user))


def _places_of(territory: Any) -> Any:
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    return Place.objects.filter(Territory.communes_q([territory], prefix="commune__")).order_by("name")


def _communes_of(territory: Any) -> Any:
    from maillage.territories.models import Territory, TerritoryKind

    department = territory if territory.kind == TerritoryKind.DEPARTMENT else territory.department
    return Territory.objects.filter(kind=TerritoryKind.COMMUNE, department=department).order_by("name")


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    territories = selectors.reading_territories(request.user)
    if not territories:
        raise Http404
    can_work = bool(selectors.workshop_territories(request.user))
    fig = selectors.kept_bilan(territories).fig
    context = {
        "fig": fig,
        "can_work": can_work,
        "states": [(DeviceState(k), v) for k, v in fig.by_state.items()],
        "follow_ups_due": selectors.follow_ups_due(request.user, today=timezone.localdate()).count()
        if can_work
        else 0,
        "loss_ratio": documents._percent(fig.loss_ratio),
    }
    return render(request, "equipment/home.html", context)


# --- Donations ------------------------------------------------------------------------------------


@login_required
def donation_list(request: HttpRequest) -> HttpResponse:
    _workshop_territories(request)
    donations = (
        selectors.donations_visible_to(request.user).select_related("donor").order_by("-received_on", "-pk")
    )
    page = Paginator(donations, PAGE_SIZE).get_page(request.GET.get("page"))
    from django.db.models import Count

    counts = dict(
        selectors.devices_visible_to(request.user)
        .filter(donation__in=[d.pk for d in page])
        .values_list("donation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = [(d, counts.get(d.pk, 0)) for d in page]
    return render(request, "equipment/donation_list.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def donation_new(request: HttpRequest) -> HttpResponse:
    territories = _workshop_territories(request)
    form = DonationForm(request.POST or None, request.FILES or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            donor = services.get_or_create_donor(
                actor=request.user,
                territory=data["territory"],
                name=data["donor_name"],
                kind=data["donor_kind"],
            )
            donation = services.create_donation(
                actor=request.user,
                territory=data["territory"],
                donor=donor,
                received_on=data["received_on"],
                legal_frame=data["legal_frame"],
                reference=data["reference"],
                decided_on=data["decided_on"],
                declared_count=data["declared_count"],
                notes=data["notes"],
                document=data["document"],
            )
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Don enregistré. Ajoutez maintenant les appareils reçus."))
            return redirect("equipment:donation", pk=donation.pk)
    return render(request, "equipment/donation_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    donation = selectors.get_donation_for_user(request.user, pk)
    form = DeviceBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        specs = [
            services.NewDevice(
                kind=data["kind"],
                brand=data["brand"],
                model=data["model"],
                serial_number=s,
                declared_state=data["declared_state"],
            )
            for s in data["serial_list"]
        ] or [
            services.NewDevice(
                kind=data["kind"],
                brand=data["brand"],
                model=data["model"],
                declared_state=data["declared_state"],
            )
            for _i in range(data["count"])
        ]
        try:
            created, warnings = services.add_devices(actor=request.user, donation=donation, devices=specs)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(n)s appareil(s) enregistré(s).") % {"n": len(created)})
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("equipment:donation", pk=donation.pk)
    devices = donation.devices.order_by("asset_tag")
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    fig = selectors.kept_figures([donation.territory], donation=donation)
    return render(
        request,
        "equipment/donation_detail.html",
        {
            "donation": donation,
            "form": form,
            "page": page,
            "fig": fig,
            "loss_ratio_declared": documents._percent(fig.loss_ratio_declared),
        },
    )


# --- Workshop -------------------------------------------------------------------------------------


@login_required
def workshop(request: HttpRequest) -> HttpResponse:
    _workshop_territories(request)
    counts = selectors.stock_counts(request.user)
    by_place = selectors.state_counts_by_place(counts)
    places = [(row["place_id"], row["name"]) for row in by_place if row["place_id"]]
    form = WorkshopFilterForm(request.GET or None, places=places)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "state": form.cleaned_data["state"],
            "kind": form.cleaned_data["kind"],
            "place_id": form.cleaned_data["place"],
        }
    devices = selectors.workshop_queue(request.user, **filters)
    paginator = CountedPaginator(devices, PAGE_SIZE, count=selectors.stock_count(counts, **filters))
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # Labels translated once per page, not once per row and choice (get_FOO_display hashes every choice).
    kinds = {key: str(label) for key, label in DeviceKind.choices}
    states = {key: str(label) for key, label in DeviceState.choices}
    url = reverse("equipment:device", args=[PK_MARK])  # one reverse() for the page, not one per row
    return render(
        request,
        "equipment/workshop.html",
        {
            "form": form,
            "page": page,
            "rows": [
                (
                    device,
                    url.replace(str(PK_MARK), str(device.pk)),
                    kinds.get(device.kind),
                    states.get(device.state),
                )
                for device in page
            ],
            "stock": [
                (row["name"], [row["states"].get(state, "") for state in states], row["total"])
                for row in by_place
            ],
            "state_labels": list(states.values()),
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = selectors.get_device_for_user(request.user, pk)
    places = _places_of(device.territory)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_: dict[str, Any] = {
        "transition": TransitionForm(
            request.POST if action == "transition" else None, device=device, places=places, prefix="state"
        ),
        "erasure": ErasureForm(
            request.POST if action == "erasure" else None,
            initial={"erased_on": timezone.localdate()},
            prefix="erasure",
        ),
        "part": PartForm(request.POST if action == "part" else None, prefix="part"),
        "correction": CorrectionForm(request.POST if action == "correction" else None, prefix="fix"),
    }
    if action in forms_ and forms_[action].is_valid():
        data = forms_[action].cleaned_data
        try:
            if action == "transition":
                services.transition(
                    actor=request.user,
                    device_id=device.pk,
                    to_state=data["to_state"],
                    note=data["note"],
                    minutes_spent=data["minutes_spent"],
                    scrap_reason=data["scrap_reason"],
                    workshop_place=data["workshop_place"],
                    operating_system=data["operating_system"],
                )
                messages.success(request, _("État mis à jour."))
            elif action == "erasure":
                services.record_erasure(
                    actor=request.user,
                    device_id=device.pk,
                    method=data["method"],
                    erased_on=data["erased_on"],
                    reference=data["reference"],
                )
                messages.success(request, _("Effacement des données enregistré."))
            elif action == "part":
                services.add_part(
                    actor=request.user,
                    device_id=device.pk,
                    kind=data["kind"],
                    description=data["description"],
                    quantity=data["quantity"],
                    unit_cost=data["unit_cost"],
                    minutes_spent=data["minutes_spent"],
                )
                messages.success(request, _("Pièce ajoutée."))
            else:
                services.correct_state(
                    actor=request.user, device_id=device.pk, to_state=data["to_state"], reason=data["reason"]
                )
                messages.success(request, _("Correction enregistrée."))
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(forms_[action], exc)
        else:
            return redirect("equipment:device", pk=device.pk)
    allocation = (
        device.allocations.exclude(status=AllocationStatus.CANCELLED).select_related("commune").first()
    )
    duplicates = services.serial_duplicates(
        territory=device.territory, serial_number=device.serial_number, exclude_pk=device.pk
    )
    context = {
        "device": device,
        "forms": forms_,
        "failed": action,
        "events": device.events.select_related(None).order_by("at", "pk"),
        "parts": device.parts.order_by("added_at", "pk"),
        "allocation": allocation,
        "duplicates": duplicates,
        "can_correct": services.can_correct(request.user),
        "can_move": bool(services.TRANSITIONS.get(device.state)),
    }
    return render(
        request, "equipment/device_detail.html", context, status=400 if action and action in forms_ else 200
    )


@login_required
def scan(request: HttpRequest, asset_tag: str) -> HttpResponse:
    device = selectors.get_device_by_tag_for_user(request.user, asset_tag)
    return redirect("equipment:device", pk=device.pk)


@login_required
def labels(request: HttpRequest) -> HttpResponse:
    _workshop_territories(request)
    devices = selectors.devices_visible_to(request.user)
    donation = request.GET.get("don", "")
    if donation.isdigit():
        devices = devices.filter(donation_id=int(donation))
    else:
        tags = [t.strip().upper() for t in request.GET.get("appareils", "").split(",") if t.strip()][:200]
        devices = devices.filter(asset_tag__in=tags)
    found = list(devices.order_by("asset_tag")[:500])
    if not found:
        raise Http404
    return _pdf_response(documents.labels_pdf(found), "etiquettes.pdf")


# --- Allocation -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def device_reserve(request: HttpRequest, pk: int) -> HttpResponse:
    from maillage.pathways.models import Diagnostic, Referral

    device = selectors.get_device_for_user(request.user, pk)
    communes = _communes_of(device.territory)
    criteria = PriorityCriterion.objects.filter(territory=device.territory, is_active=True)
    form = ReserveForm(request.POST or None, communes=communes, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        referral = Referral.objects.filter(pk=data["referral"]).first() if data["referral"] else None
        diagnostic = Diagnostic.objects.filter(pk=data["diagnostic"]).first() if data["diagnostic"] else None
        if data["referral"] and referral is None:
            form.add_error("referral", _("Aucune orientation de votre territoire ne porte ce numéro."))
        if data["diagnostic"] and diagnostic is None:
            form.add_error("diagnostic", _("Aucun diagnostic de votre territoire ne porte ce numéro."))
        if not form.errors:
            try:
                allocation = services.reserve(
                    actor=request.user,
                    device_id=device.pk,
                    person_label=data["person_label"],
                    commune=data["commune"],
                    criteria=data["criteria"],
                    referral=referral,
                    diagnostic=diagnostic,
                )
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Appareil réservé."))
                return redirect("equipment:allocation", pk=allocation.pk)
    return render(request, "equipment/reserve.html", {"device": device, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    request.no_store = True  # type: ignore[attr-defined]
    allocation = selectors.get_allocation_for_user(request.user, pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    hand_over_form = HandOverForm(
        request.POST if action == "hand_over" else None,
        initial={"given_on": timezone.localdate()},
        prefix="handover",
        sessions=selectors.training_sessions(request.user, now=timezone.now()),
    )
    cancel_form = CancelForm(request.POST if action == "cancel" else None, prefix="cancel")
    record_change(
        actor=request.user, action="view", instance=allocation, territory_code=allocation.territory.code
    )
    if action == "hand_over" and hand_over_form.is_valid():
        data = hand_over_form.cleaned_data
        try:
            services.hand_over(
                actor=request.user,
                allocation_id=allocation.pk,
                given_on=data["given_on"],
                training_completed_on=data["training_completed_on"],
                agreement_kind=data["agreement_kind"],
                agreement_signed=data["agreement_signed"],
                follow_up_consent=data["follow_up_consent"],
                training_session=data["training_session"],
            )
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(hand_over_form, exc)
        else:
            messages.success(request, _("Remise enregistrée."))
            return redirect("equipment:allocation", pk=allocation.pk)
    elif action == "cancel" and cancel_form.is_valid():
        try:
            services.cancel_reservation(
                actor=request.user, allocation_id=allocation.pk, reason=cancel_form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(cancel_form, exc)
        else:
            messages.success(request, _("Réservation annulée : l'appareil est de nouveau prêt."))
            return redirect("equipment:device", pk=allocation.device_id)
    context = {
        "allocation": allocation,
        "device": allocation.device,
        "hand_over_form": hand_over_form,
        "cancel_form": cancel_form,
        "criteria": list(allocation.criteria.all()),
    }
    return render(request, "equipment/allocation_detail.html", context, status=400 if action else 200)


@login_required
@require_POST
def allocation_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = selectors.get_allocation_for_user(request.user, pk)
    person_name = request.POST.get("person_name", "")[:120]
    record_change(
        actor=request.user,
        action="export",
        instance=allocation,
        territory_code=allocation.territory.code,
        message="convention",
    )
    response = _pdf_response(documents.agreement_pdf(allocation, person_name=person_name), "convention.pdf")
    response["Cache-Control"] = "no-store"
    return response


# --- Follow-up and figures ------------------------------------------------------------------------


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    _workshop_territories(request)
    due = selectors.follow_ups_due(request.user, today=timezone.localdate())
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "equipment/follow_ups.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    from maillage.equipment.models import FollowUp

    _workshop_territories(request)
    item = get_object_or_404(
        FollowUp.objects.filter(allocation__in=selectors.allocations_visible_to(request.user)).select_related(
            "allocation__device"
        ),
        pk=pk,
    )
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_follow_up(actor=request.user, follow_up_id=item.pk, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Suivi enregistré."))
            return redirect("equipment:follow_ups")
    return render(request, "equipment/follow_up_form.html", {"item": item, "form": form})


def _reading_territories(request: HttpRequest) -> list[Any]:
    territories = selectors.reading_territories(request.user)
    if not territories:
        raise Http404
    return territories


def _bilan_context(territories: list[Any]) -> dict[str, Any]:
    bilan = selectors.kept_bilan(territories)
    return documents.bilan_context(territory=territories[0], fig=bilan.fig, donations=bilan.donations)


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    territories = _reading_territories(request)
    # The figures' HTML (hundreds of table rows) is kept with the data version it was rendered from.
    summary = versions.kept(
        "statistics-html",
        territories,
        lambda: render_to_string("equipment/_summary.html", _bilan_context(territories)),
    )
    return render(request, "equipment/statistics.html", {"summary": mark_safe(summary)})  # noqa: S308 — our own template's output


@login_required
def bilan_pdf(request: HttpRequest) -> HttpResponse:
    context = _bilan_context(_reading_territories(request))
    return _pdf_response(documents.bilan_pdf(context), "bilan-reconditionnement.pdf")


@login_required
def bilan_docx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        documents.bilan_docx(_bilan_context(_reading_territories(request))),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = 'attachment; filename="bilan-reconditionnement.docx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def inventory_import(request: HttpRequest) -> HttpResponse:
    territories = _workshop_territories(request)
    form = ImportForm(request.POST or None, request.FILES or None, territories=territories)
    report = None
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importer.MAX_BYTES:
            errors = [_("Le fichier dépasse 5 Mo.")]
        else:
            try:
                report = importer.import_inventory(
                    actor=request.user,
                    territory=form.cleaned_data["territory"],
                    data=upload.read(),
                    filename=upload.name,
                )
            except importer.InventoryImportError as exc:
                errors = exc.errors
            except PermissionDenied as exc:
                errors = [str(exc)]
    status = 400 if errors else 200
    return render(
        request,
        "equipment/import.html",
        {
            "form": form,
            "report": report,
            "errors": errors,
            "columns": importer.COLUMNS,
            "required": importer.REQUIRED,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria(request: HttpRequest) -> HttpResponse:
    """The territory's priority criteria for allocations (coordinators set them, mediators read them)."""
    territories = _workshop_territories(request)
    territory = territories[0]
    can_edit = services.can_correct(request.user)
    form = CriterionForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST" and can_edit:
        try:
            if request.POST.get("action") == "toggle" and request.POST.get("criterion", "").isdigit():
                get_object_or_404(
                    PriorityCriterion, pk=int(request.POST["criterion"]), territory__in=territories
                )
                services.toggle_criterion(actor=request.user, criterion_id=int(request.POST["criterion"]))
                return redirect("equipment:criteria")
            if form.is_valid():
                services.add_criterion(
                    actor=request.user, territory=territory, label=form.cleaned_data["label"]
                )
                messages.success(request, _("Critère ajouté."))
                return redirect("equipment:criteria")
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
    elif request.method == "POST":
        raise Http404
    items = PriorityCriterion.objects.filter(territory__in=territories).order_by("position", "label")
    return render(
        request,
        "equipment/criteria.html",
        {"items": items, "form": form, "can_edit": can_edit, "territory": territory},
    )
