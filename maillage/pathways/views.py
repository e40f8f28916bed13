"""Pages of the pathway: diagnostic → proposals → referral → answer by the place → follow-up; stats."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from maillage.core.audit import record_change
from maillage.core.permissions import has_role, refuse_if_revoked, territories_for
from maillage.pathways import answer_links, selectors, services, stats, workflow
from maillage.pathways import grid as grid_engine
from maillage.pathways.forms import DiagnosticForm, FollowUpForm, ReferralForm, RefusalForm, StatsFilterForm
from maillage.pathways.matching import compute_proposals
from maillage.pathways.models import ReferralStatus


def _no_store(request: HttpRequest) -> None:
    request.no_store = True  # type: ignore[attr-defined]


def _prescribing_territories(user: Any) -> list[Any]:
    return territories_for(user, services.PRESCRIBING_ROLES)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _no_store(request)
    refuse_if_revoked(request.user)
    now = timezone.now()
    can_prescribe = bool(_prescribing_territories(request.user))
    sent = selectors.referrals_sent_by_org(request.user).select_related("place", "commune")
    received = selectors.referrals_received(request.user).select_related("place", "commune")
    context = {
        "can_prescribe": can_prescribe,
        "recent_diagnostics": selectors.diagnostics_visible_to(request.user).select_related("commune")[:5],
        "recent_referrals": sent[:5],
        "received_open": received.filter(status__in=[ReferralStatus.SENT, ReferralStatus.UNDER_REVIEW])[:10],
        "follow_ups_count": selectors.follow_ups_due(request.user, now=now).count(),
        "can_see_stats": bool(selectors.stats_scope(request.user)[0]),
    }
    return render(request, "pathways/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def diagnostic_new(request: HttpRequest) -> HttpResponse:
    _no_store(request)
    territories = _prescribing_territories(request.user)
    if not territories:
        raise Http404
    grid = services.current_grid()
    form = DiagnosticForm(request.POST or None, grid=grid, territories=territories)
    if request.method == "POST" and form.is_valid():
        try:
            diagnostic = services.create_diagnostic(
                actor=request.user,
                commune=form.cleaned_data["commune"],
                answers=form.answers(),
                person_informed=form.cleaned_data["person_informed"],
                grid=grid,
                started_at=form.started(),
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            return redirect("pathways:diagnostic", pk=diagnostic.pk)
    return render(request, "pathways/diagnostic_form.html", {"form": form, "grid": grid})


@login_required
def diagnostic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _no_store(request)
    diagnostic = selectors.get_diagnostic_for_user(request.user, pk)
    record_change(
        actor=request.user, action="view", instance=diagnostic, territory_code=diagnostic.commune.code
    )
    definition = diagnostic.grid.definition
    result = compute_proposals(diagnostic)
    if diagnostic.proposals_computed_at is None:
        services.record_proposals_outcome(
            diagnostic=diagnostic, nearest_match_km=result.nearest_match_km, unmet=result.unmet
        )
    context = {
        "diagnostic": diagnostic,
        "grid": diagnostic.grid,
        "profile": next((p for p in definition["profiles"] if p["code"] == diagnostic.profile), None),
        "flags": [grid_engine.label_of(definition["flags"], f) for f in diagnostic.flags],
        "orientations": [diagnostic.grid.orientation(code) for code in diagnostic.orientations],
        "notes": [n["text"] for n in definition.get("notes", []) if n["code"] in diagnostic.notes],
        "answers": grid_engine.readable_answers(definition, diagnostic.answers),
        "scores": definition["scores"],
        "proposals": result,
        "referrals": diagnostic.referrals.select_related("place"),
    }
    return render(request, "pathways/diagnostic_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, pk: int, place_pk: int) -> HttpResponse:
    from maillage.places.models import Place

    _no_store(request)
    diagnostic = selectors.get_diagnostic_for_user(request.user, pk)
    result = compute_proposals(diagnostic, limit=50, with_hours=False)
    proposal = next((p for p in result.proposals if p.place.pk == place_pk), None)
    place = get_object_or_404(Place.objects.filter(is_published=True), pk=place_pk)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = workflow.create_referral(
                actor=request.user,
                diagnostic=diagnostic,
                place=place,
                orientation=proposal.orientation if proposal else (diagnostic.orientations or [""])[0],
                send=data["mode"] == ReferralForm.MODE_SEND,
                first_name=data["first_name"],
                phone=data["phone"],
                email=data["email"],
                contact_preference=data["contact_preference"],
                message=data["message"],
                person_informed=data["person_informed"],
                distance_km=proposal.distance_km if proposal else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Orientation enregistrée."))
            return redirect("pathways:referral", pk=referral.pk)
    context = {"diagnostic": diagnostic, "place": place, "proposal": proposal, "form": form}
    return render(request, "pathways/referral_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _no_store(request)
    referral = selectors.get_referral_for_user(request.user, pk)
    side = selectors.side_of(request.user, referral)
    refusal_form = RefusalForm(request.POST if request.POST.get("to") == ReferralStatus.REFUSED else None)
    if request.method == "POST" and request.POST.get("action") == "resend" and side:
        try:
            answer_links.resend_link(referral_id=referral.pk, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Nouveau lien envoyé au lieu ; les liens précédents ne fonctionnent plus.")
            )
        return redirect("pathways:referral", pk=referral.pk)
    if request.method == "POST" and not side:
        raise Http404
    if request.method == "POST":
        to_status = request.POST.get("to", "")
        if to_status not in workflow.allowed_moves(referral, side):
            messages.error(request, _("Ce changement de statut n'est pas possible."))
            return redirect("pathways:referral", pk=referral.pk)
        reason, refusal_reason = request.POST.get("reason", ""), ""
        if to_status == ReferralStatus.REFUSED:
            if not refusal_form.is_valid():
                return _render_referral(request, referral, side, refusal_form, status=400)
            reason = refusal_form.cleaned_data["reason"]
            refusal_reason = refusal_form.cleaned_data["refusal_reason"]
        try:
            workflow.transition(
                referral_id=referral.pk,
                to_status=to_status,
                side=side,
                actor=request.user,
                reason=reason,
                refusal_reason=refusal_reason,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Statut mis à jour : %(s)s.") % {"s": ReferralStatus(to_status).label}
            )
        return redirect("pathways:referral", pk=referral.pk)
    record_change(actor=request.user, action="view", instance=referral, territory_code=referral.commune.code)
    return _render_referral(request, referral, side, refusal_form)


def _render_referral(
    request: HttpRequest, referral: Any, side: str, refusal_form: RefusalForm, status: int = 200
) -> HttpResponse:
    moves = workflow.allowed_moves(referral, side) if side else []
    context = {
        "referral": referral,
        "side": side,
        "can_resend": bool(side) and referral.status in answer_links.RESENDABLE,
        "show_identity": selectors.can_see_identity(side),
        "moves": [(m, workflow.ACTION_LABELS[m]) for m in moves if m != ReferralStatus.REFUSED],
        "can_refuse": ReferralStatus.REFUSED in moves,
        "refusal_form": refusal_form,
        "events": referral.events.select_related("actor"),
        "orientation": referral.diagnostic.grid.orientation(referral.orientation),
        "hours": _hours_text(referral.place),
        "follow_up": getattr(referral, "follow_up", None) if side == "prescriber" else None,
        "follow_up_due": side == "prescriber"
        and referral.status == ReferralStatus.TAKEN_UP
        and referral.taken_up_at is not None
        and referral.taken_up_at <= timezone.now() - timedelta(days=services.FOLLOW_UP_AFTER_DAYS),
    }
    return render(request, "pathways/referral_detail.html", context, status=status)


def _hours_text(place: Any) -> list[tuple[str, str]]:
    try:
        from maillage.places.opening_hours import safe_parse
    except ImportError:
        return [(_("Horaires"), place.opening_hours)] if place.opening_hours else []
    schedule = safe_parse(place.opening_hours)
    if schedule is None:
        return [(_("Horaires"), place.opening_hours)] if place.opening_hours else []
    return list(schedule.lines)


@login_required
def referral_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from maillage.pathways.pdf import render_summary_pdf

    _no_store(request)
    referral = selectors.get_referral_for_user(request.user, pk)
    if selectors.side_of(request.user, referral) != "prescriber":
        raise Http404
    record_change(actor=request.user, action="export", instance=referral, message="fiche PDF")
    pdf = render_summary_pdf(referral, hours=_hours_text(referral.place))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="orientation-{referral.pk}.pdf"'
    return response


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    _no_store(request)
    refuse_if_revoked(request.user)
    due = selectors.follow_ups_due(request.user, now=timezone.now())
    return render(request, "pathways/follow_ups.html", {"due": due[:200]})


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    _no_store(request)
    referral = selectors.get_referral_for_user(request.user, pk)
    if (
        selectors.side_of(request.user, referral) != "prescriber"
        or referral.status != ReferralStatus.TAKEN_UP
    ):
        raise Http404
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_follow_up(actor=request.user, referral=referral, **form.cleaned_data)
        messages.success(request, _("Suivi enregistré, merci."))
        return redirect("pathways:follow_ups")
    return render(request, "pathways/follow_up_form.html", {"referral": referral, "form": form})


# --- Signed link, no account ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    _no_store(request)
    try:
        referral = workflow.referral_from_token(token)
    except workflow.LinkError as exc:
        return render(
            request,
            "pathways/link_error.html",
            {"kind": exc.kind},
            status=410 if exc.kind == "expired" else 404,
        )
    refusal_form = RefusalForm(request.POST if request.POST.get("to") == ReferralStatus.REFUSED else None)
    moves = workflow.allowed_moves(referral, "place")
    place_label = _("%(place)s (lien signé)") % {"place": referral.place.name}
    if request.method == "POST" and request.POST.get("action") in ("resend", "message"):
        return _answer_action(request, referral, token, place_label)
    if request.method == "POST":
        to_status = request.POST.get("to", "")
        if to_status not in moves:
            messages.error(request, _("Cette réponse n'est plus possible pour cette orientation."))
            return redirect("pathways:answer", token=token)
        reason, refusal_reason = "", ""
        if to_status == ReferralStatus.REFUSED:
            if not refusal_form.is_valid():
                return _render_answer(request, referral, moves, refusal_form, status=400)
            reason, refusal_reason = (
                refusal_form.cleaned_data["reason"],
                refusal_form.cleaned_data["refusal_reason"],
            )
        try:
            workflow.transition(
                referral_id=referral.pk,
                to_status=to_status,
                side="place",
                actor_label=place_label,
                reason=reason,
                refusal_reason=refusal_reason,
            )
        except ValidationError as exc:  # answered meanwhile from another link or by the prescriber
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Merci, votre réponse est enregistrée : %(s)s.") % {"s": ReferralStatus(to_status).label},
            )
        return redirect("pathways:answer", token=token)
    record_change(actor=None, action="view", instance=referral, message="lien signé")
    return _render_answer(request, referral, moves, refusal_form)


def _answer_action(request: HttpRequest, referral: Any, token: str, place_label: str) -> HttpResponse:
    """« Renvoyer le lien » (old links die) or a message back to the prescriber, from the signed link."""
    action = request.POST["action"]
    try:
        if action == "resend":
            answer_links.resend_link(referral_id=referral.pk, actor_label=place_label)
        else:
            answer_links.message_prescriber(
                referral_id=referral.pk, text=request.POST.get("text", ""), actor_label=place_label
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("pathways:answer", token=token)
    if action == "resend":
        return render(request, "pathways/answer_resent.html", {"referral": referral})
    messages.success(request, _("Votre message est transmis à la personne qui a orienté."))
    return redirect("pathways:answer", token=token)


def _render_answer(
    request: HttpRequest, referral: Any, moves: list[str], refusal_form: RefusalForm, status: int = 200
) -> HttpResponse:
    context = {
        "closed": referral.is_final,
        "can_resend": referral.status in answer_links.RESENDABLE,
        "message_max": answer_links.MESSAGE_MAX_LENGTH,
        "referral": referral,
        "moves": [(m, workflow.ACTION_LABELS[m]) for m in moves if m != ReferralStatus.REFUSED],
        "can_refuse": ReferralStatus.REFUSED in moves,
        "refusal_form": refusal_form,
        "orientation": referral.diagnostic.grid.orientation(referral.orientation),
    }
    return render(request, "pathways/answer.html", context, status=status)


# --- Statistics -----------------------------------------------------------------------------------


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    territories, orgs = selectors.stats_scope(request.user)
    if not territories:
        raise Http404
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), today
    form = StatsFilterForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    data = stats.compute(territories, orgs, start, end)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx") and not form.errors:
        return _statistics_export(request, data, start, end, fmt)
    context = {
        "form": form,
        "data": data,
        "start": start,
        "end": end,
        "territories": territories,
        "own_org_only": orgs is not None,
        "is_coordinator": has_role(request.user, "coordinator"),
    }
    return render(request, "pathways/statistics.html", context)


def _statistics_export(
    request: HttpRequest, data: dict[str, Any], start: date, end: date, fmt: str
) -> HttpResponse:
    """Every figure and table of the statistics page, one row each (section, label, value); audited."""
    from maillage.core.listing import csv_response, neutralise, xlsx_response

    period = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"
    rows: list[list[Any]] = [
        [_("Période"), "", period],
        [_("Diagnostics"), _("Total"), data["diagnostics"]["total"]],
        [_("Diagnostics"), _("Fragilité numérique"), data["diagnostics"]["fragile"]],
        [_("Diagnostics"), _("Demandes non satisfaites"), data["diagnostics"]["unmet"]],
        [_("Orientations"), _("Délai médian de réponse (jours)"), data["delay_median_days"]],
    ]
    for table in data["tables"].values():
        for label, value in table.rows:
            rows.append([str(table.caption), str(label), value])
    rows = [[neutralise(v) for v in row] for row in rows]
    record_change(
        actor=request.user,
        action="export",
        object_type="pathways.Statistics",
        changes={"format": fmt, "rows": len(rows), "period": period},
        message=f"Export {fmt.upper()} des statistiques du parcours",
    )
    headers = [_("Rubrique"), _("Libellé"), _("Valeur")]
    filename = f"statistiques-parcours-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "xlsx":
        return xlsx_response(headers, rows, filename)
    return csv_response(headers, rows, filename)
