from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from maillage.accounts import throttle

TOO_MANY_ATTEMPTS = _(
    "Trop de tentatives : par sécurité, cette étape est suspendue pendant %(minutes)s minutes. "
    "Réessayez ensuite ou utilisez « mot de passe oublié »."
)


class ThrottledAuthenticationMixin:
    """Every password login (site and admin) goes through the shared throttle, failures only counted."""

    throttled = False
    request: Any
    data: Any

    def clean(self) -> dict[str, Any]:
        reservation = throttle.attempt(
            "login",
            email=throttle.normalise_email(self.data.get("username")),
            ip=throttle.client_ip(self.request) if self.request is not None else "",
        )
        if not reservation.allowed:
            self.throttled = True
            raise ValidationError(
                TOO_MANY_ATTEMPTS, code="throttled", params={"minutes": throttle.window_minutes()}
            )
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        reservation.succeeded()  # reached only when the password was right (or nothing was tried)
        return cleaned


class LoginForm(ThrottledAuthenticationMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }


class AdminLoginForm(ThrottledAuthenticationMixin, AdminAuthenticationForm):
    """The admin's login form, throttled like the site's (same scope: no fresh tries on the other)."""

    def confirm_login_allowed(self, user: Any) -> None:
        # The admin is for superusers only (maillage/core/admin.py), whatever the staff flag says.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not user.is_superuser:
            raise self.get_invalid_login_error()
