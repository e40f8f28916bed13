"""Forms of the team pages. Territory choices are the coordinator's own territories and EPCIs only."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from maillage.accounts.invitations import Invitee
from maillage.accounts.models import Organisation, OrganisationKind, Role
from maillage.accounts.selectors import grantable_territories, organisations_visible_to
from maillage.territories.models import Territory

MAX_INVITEES = 500
MAX_CSV_BYTES = 1024 * 1024
SEPARATORS = re.compile(r"[\s,;]+")


class FastSelect(forms.Select):
    """A plain <select> rendered in one pass (Django renders each <option> through a template: 500
    organisations cost ~0.5 s on a loaded machine). Same markup and attributes."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            options.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    text,
                    mark_safe(" selected") if text in selected else "",  # noqa: S308 — constant
                    label,
                )
            )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options)))  # noqa: S308 — escaped above


class TerritoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Territory) -> str:
        return str(obj)


def _territory_field(user: Any, **kwargs: Any) -> TerritoryChoiceField:
    territories = grantable_territories(user)
    kwargs.setdefault("label", _("Territoire"))
    field = TerritoryChoiceField(
        queryset=Territory.objects.filter(pk__in=[t.pk for t in territories]).order_by("kind", "name"),
        **kwargs,
    )
    if len(territories) == 1:
        field.initial = territories[0].pk
    return field


def siret_is_valid(value: str) -> bool:
    if not re.fullmatch(r"\d{14}", value):
        return False
    if value.startswith("356000000"):  # La Poste's establishments: digit sum divisible by 5
        return sum(int(c) for c in value) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(value)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Adresses e-mail"),
        help_text=_("Une ou plusieurs adresses, une par ligne (ou séparées par des virgules)."),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        required=False,
        max_length=50_000,
    )
    csv_file = forms.FileField(
        label=_("Ou un fichier CSV"),
        help_text=_(
            "Colonnes : email (obligatoire), prenom, nom ; séparateur virgule ou point-virgule ; UTF-8."
        ),
        required=False,
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Structure"), widget=FastSelect
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["territory"] = _territory_field(user)
        self.order_fields(["emails", "csv_file", "organisation", "territory", "role"])

    def clean_emails(self) -> list[Invitee]:
        text = self.cleaned_data.get("emails") or ""
        invitees: list[Invitee] = []
        errors: list[str] = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            for item in SEPARATORS.split(line.strip()):
                if not item:
                    continue
                try:
                    validate_email(item)
                except ValidationError:
                    errors.append(
                        str(
                            _("Ligne %(line)s : « %(value)s » n'est pas une adresse e-mail valide.")
                            % {"line": line_number, "value": item[:100]}
                        )
                    )
                    continue
                invitees.append(Invitee(item))
        if errors:
            raise ValidationError(
                errors[:20]
                + (
                    [str(_("… et %(n)s autres erreurs.") % {"n": len(errors) - 20})]
                    if len(errors) > 20
                    else []
                )
            )
        return invitees

    def clean_csv_file(self) -> list[Invitee]:
        upload = self.cleaned_data.get("csv_file")
        if not upload:
            return []
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError(_("Le fichier dépasse 1 Mo."))
        raw = upload.read(MAX_CSV_BYTES + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _("Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 ».")
            ) from exc
        if "\x00" in text:
            raise ValidationError(_("Le fichier contient des caractères nuls : ce n'est pas un CSV texte."))
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = [h.strip().lower() for h in next(reader, [])][:50]
        except csv.Error as exc:
            raise ValidationError(_("Ligne 1 : en-tête illisible (%(error)s).") % {"error": exc}) from exc
        aliases = {
            "email": "email",
            "e-mail": "email",
            "courriel": "email",
            "adresse e-mail": "email",
            "prenom": "first_name",
            "prénom": "first_name",
            "nom": "last_name",
        }
        columns = {aliases[h]: i for i, h in enumerate(header) if h in aliases}
        if "email" not in columns:
            raise ValidationError(
                _("Ligne 1 : colonne « email » introuvable (en-têtes lus : %(header)s).")
                % {"header": ", ".join(header)[:200]}
            )
        invitees: list[Invitee] = []
        errors: list[str] = []
        try:
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(invitees) + len(errors) >= MAX_INVITEES:
                    raise ValidationError(
                        _("Plus de %(max)s personnes : découpez le fichier.") % {"max": MAX_INVITEES}
                    )

                def cell(name: str, row: list[str] = row) -> str:
                    index = columns.get(name)
                    return row[index].strip() if index is not None and index < len(row) else ""

                email = cell("email")
                try:
                    validate_email(email)
                except ValidationError:
                    label = email[:100] or str(_("vide"))
                    errors.append(
                        str(
                            _(
                                "Ligne %(line)s, colonne email : « %(value)s » n'est pas une adresse e-mail valide."
                            )
                            % {"line": line, "value": label}
                        )
                    )
                    continue
                first_name, last_name = cell("first_name"), cell("last_name")
                if len(first_name) > 150 or len(last_name) > 150:
                    errors.append(
                        str(_("Ligne %(line)s : prénom ou nom de plus de 150 caractères.") % {"line": line})
                    )
                    continue
                invitees.append(Invitee(email, first_name, last_name))
        except csv.Error as exc:
            raise ValidationError(
                _("Ligne %(line)s : CSV illisible (%(error)s).") % {"line": reader.line_num, "error": exc}
            ) from exc
        if errors:
            raise ValidationError(
                errors[:20]
                + (
                    [str(_("… et %(n)s autres erreurs.") % {"n": len(errors) - 20})]
                    if len(errors) > 20
                    else []
                )
            )
        return invitees

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        invitees = list(cleaned.get("emails") or []) + list(cleaned.get("csv_file") or [])
        if not self.errors.get("emails") and not self.errors.get("csv_file"):
            if not invitees:
                raise ValidationError(_("Indiquez au moins une adresse e-mail ou un fichier CSV."))
            if len(invitees) > MAX_INVITEES:
                raise ValidationError(
                    _("Plus de %(max)s personnes : découpez la liste.") % {"max": MAX_INVITEES}
                )
        cleaned["invitees"] = invitees
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Nouveau rôle"), choices=Role.choices)


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    siret = forms.CharField(label=_("SIRET"), required=False, max_length=20)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "siret", "rna", "territory", "email", "website"]
        labels = {"territory": _("Territoire de rattachement")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["territory"] = _territory_field(user, label=_("Territoire de rattachement"))
        self.fields["kind"].choices = OrganisationKind.choices  # type: ignore[attr-defined]
        self.fields["siret"].help_text = _("14 chiffres, sans espace.")
        self.fields["siret"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_siret(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data.get("siret") or "")
        if value and not siret_is_valid(value):
            raise ValidationError(
                _("Ce SIRET n'est pas valide : 14 chiffres dont la clé de contrôle est juste.")
            )
        return value

    def clean_rna(self) -> str:
        value = (self.cleaned_data.get("rna") or "").strip().upper()
        if value and not re.fullmatch(r"W\d{9}|W\d[A-Z\d]\d{7}", value):
            raise ValidationError(_("Un numéro RNA s'écrit W suivi de 9 caractères (ex. W462001234)."))
        return value


class ApproveAccessForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        widget=FastSelect,
        label=_("Structure existante"),
        required=False,
        help_text=_("Ou laissez vide pour créer la structure indiquée dans la demande."),
    )
    role = forms.ChoiceField(label=_("Rôle accordé"), choices=Role.choices)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["territory"] = _territory_field(user)
        self.order_fields(["organisation", "territory", "role"])


class DeclineAccessForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (envoyé à la personne)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
