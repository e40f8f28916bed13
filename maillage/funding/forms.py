"""Forms of the funding watch (French labels; amounts left blank stay unknown, never 0)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.accounts.models import Organisation
from maillage.funding.models import (
    GRANTED_STATUSES,
    AdvisorPost,
    Application,
    ApplicationStatus,
    DocumentKind,
    Instalment,
    Opportunity,
    PostYear,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_UPLOAD = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {".pdf", ".odt", ".ods", ".doc", ".docx", ".xls", ".xlsx", ".png", ".jpg", ".jpeg"}


class TerritoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def _funders() -> Any:
    return Organisation.objects.order_by("name")


class AmountField(forms.DecimalField):
    """A decimal typed the French way: « 12 500,50 » (spaces, non-breaking spaces, comma)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = (
                "".join(value.split())
                .replace("\u202f", "")
                .replace("€", "")
                .replace("%", "")
                .replace(",", ".")
            )
        return super().to_python(value)


def _localize(form: forms.BaseForm) -> None:
    for f in form.fields.values():
        if isinstance(f, forms.DecimalField):
            f.__class__ = AmountField
            f.localize = True
            f.widget.is_localized = True
            f.widget.input_type = "text"
            f.widget.attrs["inputmode"] = "decimal"


class OpportunityForm(forms.ModelForm):
    url = forms.URLField(label=_("Adresse de l'appel"), required=False, max_length=500, assume_scheme="https")
    new_funder = forms.CharField(
        label=_("Autre financeur (nom)"),
        required=False,
        max_length=250,
        help_text=_("S'il n'est pas dans la liste."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "territory",
            "title",
            "funder",
            "new_funder",
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
        widgets = {
            "opens_on": DATE_WIDGET,
            "deadline": DATE_WIDGET,
            "eligible_actions": forms.Textarea(attrs={"rows": 3}),
            "documents_required": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = self.fields["territory"].queryset.filter(  # type: ignore[attr-defined]
            pk__in=[t.pk for t in territories]
        )
        if len(territories) == 1 and not self.instance.pk:
            self.fields["territory"].initial = territories[0].pk
        self.fields["funder"].queryset = _funders()  # type: ignore[attr-defined]
        self.fields["funder"].required = False
        _localize(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, deadline = data.get("opens_on"), data.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", _("La date limite précède l'ouverture."))
        return data


class ApplicationForm(forms.ModelForm):
    new_funder = forms.CharField(
        label=_("Autre financeur (nom)"),
        required=False,
        max_length=250,
        help_text=_("S'il n'est pas dans la liste."),
    )
    read_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Application
        fields = [
            "action",
            "opportunity",
            "title",
            "funder",
            "new_funder",
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
        widgets = {
            "submitted_on": DATE_WIDGET,
            "decided_on": DATE_WIDGET,
            "cofunding_plan": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, actions: Any, opportunities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions  # type: ignore[attr-defined]
        self.fields["action"].label_from_instance = lambda a: f"{a.roadmap.title} — {a.label}. {a.title}"  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = opportunities  # type: ignore[attr-defined]
        self.fields["opportunity"].required = False
        self.fields["funder"].queryset = _funders()  # type: ignore[attr-defined]
        self.fields["funder"].required = False
        if self.instance.pk:
            del self.fields["action"]  # an application stays with its action
            self.fields["read_version"].initial = self.instance.version
        _localize(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        requested, granted = data.get("amount_requested"), data.get("granted_amount")
        status = data.get("status")
        if (
            granted is not None
            and requested is not None
            and granted > requested
            and not data.get("over_request_confirmed")
        ):
            self.add_error(
                "granted_amount",
                _(
                    "Le montant accordé (%(granted)s €) dépasse le montant demandé (%(requested)s €) : "
                    "cochez « montant accordé supérieur à la demande confirmé » si c'est bien la décision."
                )
                % {"granted": _money(granted), "requested": _money(requested)},
            )
        if status in GRANTED_STATUSES and granted is None:
            self.add_error("granted_amount", _("Indiquez le montant accordé par la décision."))
        if status == ApplicationStatus.SUBMITTED and not data.get("submitted_on"):
            self.add_error("submitted_on", _("Indiquez la date de dépôt du dossier."))
        if status in (ApplicationStatus.GRANTED, ApplicationStatus.REFUSED) and not data.get("decided_on"):
            self.add_error("decided_on", _("Indiquez la date de la décision."))
        if (
            status in (ApplicationStatus.PREPARING, ApplicationStatus.SUBMITTED, ApplicationStatus.REFUSED)
            and granted is not None
        ):
            self.add_error("granted_amount", _("Pas de montant accordé sans décision d'accord."))
        return data


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(",00", "")


class InstalmentForm(forms.ModelForm):
    class Meta:
        model = Instalment
        fields = ["received_on", "amount", "note"]
        widgets = {"received_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _localize(self)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Intitulé"), required=False, max_length=200)
    file = forms.FileField(
        label=_("Fichier"), help_text=_("PDF, bureautique ou image, 10 Mo au plus."), max_length=200
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Le fichier dépasse 10 Mo."))
        if Path(upload.name or "").suffix.lower() not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(_("Format non accepté : PDF, ODT, ODS, DOC(X), XLS(X), PNG ou JPEG."))
        return upload


class PostForm(forms.ModelForm):
    new_employer = forms.CharField(
        label=_("Autre structure employeuse (nom)"),
        required=False,
        max_length=250,
        help_text=_("Si elle n'est pas dans la liste."),
    )

    class Meta:
        model = AdvisorPost
        fields = [
            "territory",
            "employer",
            "new_employer",
            "label",
            "kind",
            "start_date",
            "state_funding_ends",
            "source",
        ]
        widgets = {"start_date": DATE_WIDGET, "state_funding_ends": DATE_WIDGET}

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = self.fields["territory"].queryset.filter(  # type: ignore[attr-defined]
            pk__in=[t.pk for t in territories]
        )
        self.fields["employer"].queryset = _funders()  # type: ignore[attr-defined]
        self.fields["employer"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("employer") and not (data.get("new_employer") or "").strip():
            self.add_error("employer", _("Choisissez la structure employeuse ou indiquez son nom."))
        return data


class PostYearForm(forms.ModelForm):
    class Meta:
        model = PostYear
        fields = ["year", "state_amount", "cost", "other_funding", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _localize(self)
        self.fields["source"].help_text = _("Convention, avenant, notification : d'où vient le montant.")

    def validate_unique(self) -> None:  # the service updates the year's row when it exists
        return
