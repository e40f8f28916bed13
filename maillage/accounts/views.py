from __future__ import annotations

import secrets
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.accounts import invitations, team, throttle
from maillage.accounts.forms import (
    AcceptInvitationForm,
    AcceptTermsForm,
    EmailChangeForm,
    LoginForm,
    ProfileForm,
    ThrottledPasswordResetForm,
)
from maillage.accounts.mail import send_account_email
from maillage.accounts.models import Membership, Role, User, normalise_email
from maillage.accounts.services import workspace_links
from maillage.core.audit import diff_fields, model_values, record_change
from maillage.core.models import AuditAction
from maillage.core.permissions import active_memberships
from maillage.territories.models import Territory, TerritoryKind


def proconnect_enabled() -> bool:
    return bool(getattr(settings, "PROCONNECT_ENABLED", False))


def two_factor_required_setting() -> bool:
    return bool(getattr(settings, "TWO_FACTOR_REQUIRED", False))


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
EMAIL_CHANGE_SALT = "maillage.accounts.email-change"


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/too_many_attempts.html",
        {"minutes": throttle.window_minutes()},
        status=429,
    )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "proconnect_enabled": proconnect_enabled(),
            "demo_two_factor": settings.DEMO_MODE and not two_factor_required_setting(),
        }

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        if form.throttled:
            return too_many_attempts(self.request)
        return super().form_invalid(form)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = active_memberships(request.user)
    return render(
        request,
        "accounts/home.html",
        {"memberships": memberships, "links": workspace_links(request.user)},
    )


# --- Invitations -------------------------------------------------------------------------------------

PROBLEM_STATUS = {"invalid": 404, "expired": 410, "used": 410, "revoked": 410, "account_exists": 409}


def _invitation_problem(request: HttpRequest, problem: str, invitation: Any = None) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_problem.html",
        {"problem": problem, "invitation": invitation},
        status=PROBLEM_STATUS.get(problem, 400),
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open an invitation: set a password (or use an existing account), accept the terms, land home."""
    ip = throttle.client_ip(request)
    if throttle.is_locked("token", ip=ip):
        return too_many_attempts(request)
    check = invitations.read_token(token[:500])
    if check.problem:
        if check.problem == "invalid":
            throttle.attempt("token", ip=ip)  # a forged or dead link counts as a failure for this address
        return _invitation_problem(request, check.problem, check.invitation)
    invite = check.invitation
    assert invite is not None
    existing = User.objects.filter(email=normalise_email(invite.email)).first()
    if existing is not None:
        if not request.user.is_authenticated or request.user.pk != existing.pk:
            login_url = reverse("accounts:login") + "?next=" + request.path
            return render(
                request, "accounts/invitation_login.html", {"invitation": invite, "login_url": login_url}
            )
        form: forms.Form = AcceptTermsForm(request.POST or None)
    else:
        form = AcceptInvitationForm(
            request.POST or None,
            email=invite.email,
            initial={"first_name": invite.first_name, "last_name": invite.last_name},
        )
    if request.method == "POST" and form.is_valid():
        try:
            if existing is not None:
                user = invitations.accept(invitation=invite, user=existing)
            else:
                user = invitations.accept(
                    invitation=invite,
                    password=form.cleaned_data["password1"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
                login(request, user, backend=MODEL_BACKEND)
        except invitations.InvitationUnavailable as exc:  # accept() rolled its own transaction back
            return _invitation_problem(request, exc.problem, invite)
        messages.success(
            request,
            _("Bienvenue : vous êtes habilité·e comme %(role)s pour %(organisation)s.")
            % {"role": invite.get_role_display(), "organisation": invite.organisation.name},
        )
        return redirect("accounts:home")
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": invite,
            "form": form,
            "existing": existing,
            "proconnect_enabled": proconnect_enabled(),
        },
    )


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/terms.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


# --- Access requests ---------------------------------------------------------------------------------


class AccessRequestForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail professionnelle"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation_name = forms.CharField(
        label=gettext_lazy("Votre structure"),
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    organisation_siret = forms.CharField(
        label=gettext_lazy("SIRET de la structure (facultatif)"), max_length=20, required=False
    )
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.filter(kind=TerritoryKind.DEPARTMENT).order_by("code"),
        label=gettext_lazy("Département où vous intervenez"),
    )
    role = forms.ChoiceField(label=gettext_lazy("Ce que vous faites"), choices=Role.choices)
    message = forms.CharField(
        label=gettext_lazy("Message pour la coordination (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_organisation_siret(self) -> str:
        from maillage.accounts.team_forms import siret_is_valid

        value = "".join((self.cleaned_data.get("organisation_siret") or "").split())
        if value and not siret_is_valid(value):
            raise forms.ValidationError(
                gettext_lazy("Ce SIRET n'est pas valide : 14 chiffres dont la clé de contrôle est juste.")
            )
        return value


def access_request(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reservation = throttle.attempt("request", ip=throttle.client_ip(request))
        if not reservation.allowed:
            return too_many_attempts(request)
        invitations.submit_access_request(data=form.cleaned_data)
        return render(request, "accounts/access_request_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/access_request.html", {"form": form})


# --- Password reset (Django's flow, French e-mails, throttled, no enumeration) -----------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: ThrottledPasswordResetForm) -> HttpResponse:  # type: ignore[override]
        if throttle.is_locked("reset", ip=throttle.client_ip(self.request)) and form.throttled:
            return too_many_attempts(self.request)
        if form.throttled:
            # Same answer as a success: the page never tells whether the address has an account.
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args: Any, **kwargs: Any) -> Any:
        ip = throttle.client_ip(self.request)
        if throttle.is_locked("token", ip=ip):
            return too_many_attempts(self.request)
        response = super().dispatch(*args, **kwargs)
        if not getattr(self, "validlink", False):
            throttle.attempt("token", ip=ip)
        return response


class LogoutView(auth_views.LogoutView):
    """Our session ends; a session opened through ProConnect also ends at the provider."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from maillage.accounts import proconnect

        provider_logout = proconnect.logout_url(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_logout) if provider_logout else response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _password_guard(request: HttpRequest) -> throttle.Attempt:
    """A signed-in form that asks for the current password is a way in too: same throttle as the login."""
    return throttle.attempt("login", email=getattr(request.user, "email", ""), ip=throttle.client_ip(request))


def _settle_password_guard(guard: throttle.Attempt, form: Any, field: str) -> None:
    """Refund the try unless the current password itself was wrong."""
    if field not in form.errors:
        guard.succeeded()


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        guard = _password_guard(request)
        if not guard.allowed:
            return too_many_attempts(request)
        form = self.get_form()
        valid = form.is_valid()
        _settle_password_guard(guard, form, "old_password")
        return self.form_valid(form) if valid else self.form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_change(
            actor=self.request.user,
            action=AuditAction.UPDATE,
            instance=cast(User, self.request.user),
            changes={"password": "•••"},
            message=_("Mot de passe modifié."),
        )
        messages.success(self.request, _("Mot de passe modifié."))
        return response


# --- Account page ------------------------------------------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    profile_form = ProfileForm(request.POST if "profil" in request.POST else None, instance=user)
    email_form = EmailChangeForm(request.POST if "email" in request.POST else None, user=user)
    if request.method == "POST":
        if "profil" in request.POST and profile_form.is_valid():
            before = model_values(User.objects.get(pk=user.pk), ["first_name", "last_name", "phone"])
            saved = profile_form.save()
            record_change(
                actor=user,
                action=AuditAction.UPDATE,
                instance=saved,
                changes=diff_fields(
                    before, model_values(saved, ["first_name", "last_name", "phone"]), hide=["phone"]
                ),
                message=_("Profil modifié."),
            )
            messages.success(request, _("Profil enregistré."))
            return redirect("accounts:account")
        if "email" in request.POST:
            guard = _password_guard(request)
            if not guard.allowed:
                return too_many_attempts(request)
            _settle_password_guard(guard, email_form, "password")
        if "email" in request.POST and email_form.is_valid():
            new_email = email_form.cleaned_data["new_email"]
            token = signing.dumps({"u": user.pk, "e": new_email, "o": user.email}, salt=EMAIL_CHANGE_SALT)
            send_account_email(
                to=new_email,
                template="email_change",
                context={
                    "user": user,
                    "url": settings.SITE_URL.rstrip("/") + reverse("accounts:email_confirm", args=[token]),
                },
            )
            messages.success(
                request,
                _(
                    "Un lien de confirmation a été envoyé à %(email)s : l'adresse changera quand vous l'ouvrirez (valable 24 h)."
                )
                % {"email": new_email},
            )
            return redirect("accounts:account")
        if "sessions" in request.POST:
            user.session_salt = secrets.token_hex(16)
            user.save(update_fields=["session_salt"])
            update_session_auth_hash(request, user)
            record_change(
                actor=user,
                action=AuditAction.UPDATE,
                instance=user,
                changes={"session_salt": "•••"},
                message=_("Autres sessions fermées."),
            )
            messages.success(
                request, _("Vos autres sessions sont fermées : seul cet appareil reste connecté.")
            )
            return redirect("accounts:account")
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organisation", "territory")
        .order_by("-is_active", "pk")
    )
    return render(
        request,
        "accounts/account.html",
        {
            "profile_form": profile_form,
            "email_form": email_form,
            "memberships": memberships,
            "two_factor": _two_factor_status(request),
        },
    )


def _two_factor_status(request: HttpRequest) -> dict[str, Any]:
    from maillage.accounts import two_factor

    return two_factor.status(request)


@login_required
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    ip = throttle.client_ip(request)
    if throttle.is_locked("token", ip=ip):
        return too_many_attempts(request)
    try:
        data = signing.loads(token[:1000], salt=EMAIL_CHANGE_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        throttle.attempt("token", ip=ip)
        return render(request, "accounts/email_change_problem.html", status=400)
    user = request.user
    assert isinstance(user, User)
    if data.get("u") != user.pk or data.get("o") != user.email:
        return render(request, "accounts/email_change_problem.html", status=400)
    new_email = normalise_email(data.get("e"))
    if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
        return render(request, "accounts/email_change_problem.html", {"taken": True}, status=409)
    if request.method != "POST":
        return render(request, "accounts/email_change_confirm.html", {"new_email": new_email})
    old_email = user.email
    user.email = new_email
    user.save(update_fields=["email"])
    record_change(
        actor=user,
        action=AuditAction.UPDATE,
        instance=user,
        changes={"email": [old_email, new_email]},
        message=_("Adresse e-mail modifiée."),
    )
    send_account_email(to=old_email, template="email_changed", context={"user": user, "new_email": new_email})
    messages.success(
        request, _("Adresse e-mail modifiée : utilisez %(email)s pour vous connecter.") % {"email": new_email}
    )
    return redirect("accounts:account")


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.filter(pk=pk, user=cast(User, request.user)).first()
    if membership is None:
        raise Http404
    team.leave_membership(user=request.user, membership=membership)
    messages.success(
        request, _("Vous avez quitté %(organisation)s.") % {"organisation": membership.organisation.name}
    )
    return redirect("accounts:account")
