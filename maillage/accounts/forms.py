from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
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


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        help_text=_("Au moins 15 caractères ; une phrase de plusieurs mots est plus simple à retenir."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=_("J'accepte les conditions d'utilisation et j'ai lu la politique de confidentialité"),
        error_messages={"required": _("Acceptez les conditions d'utilisation pour continuer.")},
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import password_validation

        from maillage.accounts.models import User

        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif first:
            probe = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class AcceptTermsForm(forms.Form):
    accept_terms = AcceptInvitationForm.base_fields["accept_terms"]


class ThrottledPasswordResetForm(PasswordResetForm):
    """Every request counts (it sends an e-mail); the answer never says whether the address is known."""

    email = forms.EmailField(
        label=_("Adresse e-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request = request
        self.throttled = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = cleaned.get("email")
        if email and self.request is not None:
            reservation = throttle.attempt("reset", email=email, ip=throttle.client_ip(self.request))
            if not reservation.allowed:
                self.throttled = True
        return cleaned

    def get_users(self, email: str) -> Any:
        from maillage.accounts.models import User

        return (
            u
            for u in User.objects.filter(email=throttle.normalise_email(email), is_active=True)
            if u.has_usable_password()
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from maillage.accounts.mail import send_account_email

        send_account_email(to=to_email, template="password_reset", context=context)


class FrenchSetPasswordForm(SetPasswordForm):
    pass


class ProfileForm(forms.ModelForm):
    class Meta:
        from maillage.accounts.models import User

        model = User
        fields = ["first_name", "last_name", "phone"]
        labels = {"first_name": _("Prénom"), "last_name": _("Nom"), "phone": _("Téléphone professionnel")}


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=_("Nouvelle adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_email(self) -> str:
        from maillage.accounts.models import User

        email = throttle.normalise_email(self.cleaned_data["new_email"])
        if email == self.user.email:
            raise ValidationError(_("C'est déjà votre adresse."))
        if User.objects.filter(email=email).exists():
            # Said plainly to a logged-in professional; the confirmation mail would fail anyway.
            raise ValidationError(_("Cette adresse est déjà utilisée par un autre compte."))
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Mot de passe incorrect."))
        return password
