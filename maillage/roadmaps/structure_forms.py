"""Forms of the structure pages: roadmap, axes, objectives, actions, indicators, budget lines, steps.

Every rule the exchange format enforces is checked here too (field by field, in French), so that a
row made by a form exports and re-imports cleanly.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from maillage.accounts.models import Organisation
from maillage.core.metrics import all_metrics
from maillage.core.permissions import territories_for
from maillage.roadmaps.forms import LinesField
from maillage.roadmaps.models import (
    Action,
    Axis,
    BudgetLine,
    Indicator,
    IndicatorKind,
    Milestone,
    Objective,
    Roadmap,
    Step,
)
from maillage.territories.models import Territory

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DECIMAL_WIDGET = forms.TextInput(attrs={"inputmode": "decimal"})  # accepts « 0,5 » as well as « 0.5 »


class FieldsetsMixin:
    """``fieldsets = [(legend, [field names])]``; the template renders each group in a <fieldset>."""

    fieldsets: list[tuple[Any, list[str]]] = []

    def fieldset_list(self) -> list[tuple[Any, list[Any]]]:
        out = []
        for legend, names in self.fieldsets:
            bound = [self[name] for name in names if name in self.fields]  # type: ignore[index,attr-defined]
            if bound:
                out.append((legend, bound))
        return out


def organisation_queryset() -> Any:
    return Organisation.objects.order_by("name", "pk")


def organisations_field(label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=organisation_queryset(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )


def coordinated_territories(user: Any) -> Any:
    if getattr(user, "is_superuser", False):
        return Territory.objects.exclude(kind="commune").order_by("kind", "name")
    ids = [t.pk for t in territories_for(user, ("coordinator",))]
    return Territory.objects.filter(pk__in=ids).order_by("name")


class RoadmapCreateForm(FieldsetsMixin, forms.ModelForm):
    def clean_action_term(self) -> str:
        return self.cleaned_data.get("action_term") or self.instance.action_term or "action"

    def clean_sub_action_term(self) -> str:
        return self.cleaned_data.get("sub_action_term") or self.instance.sub_action_term or "sous_action"

    fieldsets = [
        (_("La feuille de route"), ["title", "slug", "territory", "carrier", "summary", "fne"]),
        (_("Période et adoption"), ["start_year", "end_year", "status", "submitted_on", "adopted_on"]),
        (_("Les mots du document"), ["action_term", "sub_action_term"]),
        (_("Diagnostic"), ["diagnostic"]),
    ]

    class Meta:
        model = Roadmap
        fields = [
            "title",
            "slug",
            "territory",
            "carrier",
            "summary",
            "fne",
            "start_year",
            "end_year",
            "status",
            "submitted_on",
            "adopted_on",
            "action_term",
            "sub_action_term",
            "diagnostic",
        ]
        widgets = {
            "adopted_on": DATE_WIDGET,
            "submitted_on": DATE_WIDGET,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "diagnostic": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"slug": _("Utilisé dans le fichier d'export ; laissé vide, il est déduit du titre.")}
        error_messages = {
            "title": {"required": _("Indiquez le titre de la feuille de route.")},
            "territory": {"required": _("Choisissez le territoire.")},
            "carrier": {"required": _("Choisissez la structure porteuse.")},
            "start_year": {"required": _("Indiquez l'année de début.")},
            "end_year": {"required": _("Indiquez l'année de fin.")},
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("action_term", "sub_action_term"):
            self.fields[name].required = False
        if self.instance.pk is None:
            self.fields["slug"].required = False
            self.fields["territory"].queryset = coordinated_territories(user)  # type: ignore[attr-defined]
        else:  # the territory of an existing roadmap does not change (its whole scope would move)
            del self.fields["territory"]
            self.fields["slug"].help_text = _(
                "Identifiant du fichier d'export : le changer fait d'un ancien fichier une autre feuille de route."
            )
        self.fields["carrier"].queryset = organisation_queryset()  # type: ignore[attr-defined]
        for name in ("start_year", "end_year"):
            self.fields[name].min_value = 2000  # type: ignore[attr-defined]
            self.fields[name].widget.attrs.update({"min": 2000, "max": 2100})

    def clean_slug(self) -> str:
        return str(self.cleaned_data.get("slug") or "")

    def _year(self, name: str) -> int | None:
        year = self.cleaned_data.get(name)
        if year is not None and not 2000 <= year <= 2100:
            self.add_error(name, _("Indiquez une année entre 2000 et 2100."))
            return None
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = self._year("start_year"), self._year("end_year")
        if start is not None and end is not None and end < start:
            self.add_error("end_year", _("L'année de fin précède l'année de début."))
        if not self.errors.get("slug"):
            slug = data.get("slug") or slugify(f"{data.get('title', '')} {start or ''}-{end or ''}")[:120]
            if not slug and "title" not in self.errors:
                self.add_error("slug", _("Indiquez un identifiant (lettres, chiffres et tirets)."))
            elif Roadmap.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "slug" if data.get("slug") else "title",
                    _("L'identifiant « %(slug)s » est déjà utilisé par une autre feuille de route.")
                    % {"slug": slug},
                )
            else:
                data["slug"] = slug
                self.instance.slug = slug
        return data

    def validate_unique(self) -> None:
        """Uniqueness is checked field by field above, with French messages."""


class AxisForm(FieldsetsMixin, forms.ModelForm):
    fieldsets = [(_("Axe"), ["number", "title", "description"])]

    class Meta:
        model = Axis
        fields = ["number", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"number": _("Les axes sont affichés dans l'ordre de leur numéro.")}
        error_messages = {
            "number": {"required": _("Indiquez le numéro de l'axe.")},
            "title": {"required": _("Indiquez l'intitulé de l'axe.")},
        }

    def __init__(self, *args: Any, roadmap: Roadmap, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roadmap = roadmap
        self.instance.roadmap = roadmap
        if self.instance.pk is None and not self.is_bound:
            last = roadmap.axes.order_by("-number").values_list("number", flat=True).first() or 0
            self.initial["number"] = last + 1

    def clean_number(self) -> int:
        number = self.cleaned_data["number"]
        if not 1 <= number <= 99:
            raise forms.ValidationError(_("Numéro entre 1 et 99."))
        if self.roadmap.axes.filter(number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Un autre axe porte déjà le numéro %(n)s.") % {"n": number})
        return int(number)

    def validate_unique(self) -> None:
        """Uniqueness is checked field by field above, with French messages."""


class ObjectiveForm(FieldsetsMixin, forms.ModelForm):
    fieldsets = [(_("Objectif"), ["code", "title"])]

    class Meta:
        model = Objective
        fields = ["code", "title"]
        help_texts = {"code": _("Par exemple « 2.1 » ; les objectifs sont classés par code.")}
        error_messages = {
            "code": {"required": _("Indiquez le code de l'objectif.")},
            "title": {"required": _("Indiquez l'intitulé de l'objectif.")},
        }

    def __init__(self, *args: Any, axis: Axis, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.axis = axis
        self.instance.axis = axis

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code:
            raise forms.ValidationError(_("Indiquez un code."))
        if self.axis.objectives.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("L'objectif « %(code)s » existe déjà dans cet axe.") % {"code": code}
            )
        return str(code)

    def validate_unique(self) -> None:
        """Uniqueness is checked field by field above, with French messages."""


class ActionStructureForm(FieldsetsMixin, forms.ModelForm):
    """Creation of an action, and later its place in the tree, its porteurs and partners."""

    lead_organisations = organisations_field(_("Porteurs"))
    new_leads = LinesField(
        label=_("Autres porteurs (structures absentes de la liste)"),
        required=False,
        help_text=_("Une structure par ligne ; elle est créée si elle n'existe pas."),
    )
    partners = organisations_field(_("Partenaires"))
    new_partners = LinesField(
        label=_("Autres partenaires (structures absentes de la liste)"),
        required=False,
        help_text=_("Une structure par ligne ; elle est créée si elle n'existe pas."),
    )
    fieldsets = [
        (_("Place dans la feuille de route"), ["axis", "objective", "number", "title", "introduced_by"]),
        (_("Porteurs"), ["lead_organisations", "new_leads"]),
        (_("Partenaires"), ["partners", "new_partners"]),
    ]

    class Meta:
        model = Action
        fields = ["axis", "objective", "number", "title", "introduced_by", "lead_organisations", "partners"]
        help_texts = {"number": _("Numéro unique dans la feuille de route (1 à 999).")}
        error_messages = {
            "axis": {"required": _("Choisissez l'axe de l'action.")},
            "number": {"required": _("Indiquez le numéro de l'action.")},
            "title": {"required": _("Indiquez l'intitulé de l'action.")},
        }

    def __init__(self, *args: Any, roadmap: Roadmap, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roadmap = roadmap
        self.instance.roadmap = roadmap
        self.fields["axis"].queryset = roadmap.axes.all()  # type: ignore[attr-defined]
        self.fields["objective"].queryset = (  # type: ignore[attr-defined]
            Objective.objects.filter(axis__roadmap=roadmap)
            .select_related("axis")
            .order_by("axis__number", "code")
        )
        self.fields["objective"].label_from_instance = lambda o: (  # type: ignore[attr-defined]
            f"{_('Axe')} {o.axis.number} — {o.code} {o.title}"
        )
        self.fields["objective"].help_text = _("Facultatif ; il doit appartenir à l'axe choisi.")
        self.fields["introduced_by"].queryset = roadmap.versions.all()  # type: ignore[attr-defined]
        self.fields["introduced_by"].label_from_instance = lambda v: (  # type: ignore[attr-defined]
            f"v{v.number} — {v.decided_by}, {v.decided_on:%d/%m/%Y}"
        )
        self.fields["introduced_by"].help_text = _(
            "Pour une action ajoutée par un avenant ; vide pour une action de la version initiale."
        )
        if self.instance.pk is None and not self.is_bound:
            last = roadmap.actions.order_by("-number").values_list("number", flat=True).first() or 0
            self.initial["number"] = last + 1

    def clean_number(self) -> int:
        number = self.cleaned_data["number"]
        if not 1 <= number <= 999:
            raise forms.ValidationError(_("Numéro entre 1 et 999."))
        if self.roadmap.actions.filter(number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("L'action n°%(n)s existe déjà.") % {"n": number})
        return int(number)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        axis, objective = data.get("axis"), data.get("objective")
        if axis is not None and objective is not None and objective.axis_id != axis.pk:
            self.add_error("objective", _("Cet objectif n'appartient pas à l'axe choisi."))
        for name in ("new_leads", "new_partners"):
            if any(len(line) > 250 for line in data.get(name) or []):
                self.add_error(name, _("Un nom de structure compte 250 caractères au plus."))
        return data

    def validate_unique(self) -> None:
        """Uniqueness is checked field by field above, with French messages."""


def metric_choices() -> list[tuple[str, Any]]:
    return [("", _("Aucun : valeur saisie par le porteur"))] + [
        (m.key, f"{m.label} ({m.unit})" if m.unit else m.label) for m in all_metrics()
    ]


class IndicatorForm(FieldsetsMixin, forms.ModelForm):
    metric_key = forms.ChoiceField(
        label=_("Calculé depuis les données de Maillage"),
        required=False,
        help_text=_("Choisir une donnée calculée remplace la saisie : l'indicateur doit être quantitatif."),
    )
    new_position = forms.IntegerField(
        label=_("Ordre d'affichage"),
        required=False,
        min_value=1,
        help_text=_("Position dans la liste des indicateurs de l'action ; vide : à la fin."),
    )
    fieldsets = [
        (_("Indicateur"), ["label", "kind", "metric_key", "unit", "new_position"]),
        (_("Valeurs et cible"), ["baseline", "target", "target_text", "target_date"]),
        (_("Suivi"), ["frequency", "aggregation"]),
    ]

    class Meta:
        model = Indicator
        fields = [
            "label",
            "kind",
            "metric_key",
            "unit",
            "baseline",
            "target",
            "target_text",
            "target_date",
            "frequency",
            "aggregation",
        ]
        widgets = {"target_date": DATE_WIDGET, "baseline": DECIMAL_WIDGET, "target": DECIMAL_WIDGET}
        help_texts = {
            "target_text": _("Pour une cible qualitative ou un livrable (ex. « schéma adopté »)."),
        }
        error_messages = {
            "label": {"required": _("Indiquez le libellé de l'indicateur.")},
        }

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.instance.action = action
        self.fields["metric_key"].choices = metric_choices()  # type: ignore[attr-defined]
        for name in ("baseline", "target"):
            self.fields[name].localize = True
        if self.instance.pk is not None and not self.is_bound:
            self.initial["new_position"] = self.instance.position
        self.has_measurements = bool(self.instance.pk and self.instance.measurements.exists())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        metric = data.get("metric_key") or ""
        if metric and kind and kind != IndicatorKind.QUANTITATIVE:
            self.add_error("metric_key", _("Un indicateur calculé est forcément quantitatif."))
        if kind and kind != IndicatorKind.QUANTITATIVE:
            for name in ("baseline", "target"):
                if data.get(name) is not None:
                    self.add_error(
                        name,
                        _(
                            "Une valeur chiffrée ne s'applique qu'à un indicateur quantitatif ; "
                            "utilisez la cible en texte."
                        ),
                    )
        if self.has_measurements:
            if "kind" in self.changed_data:
                self.add_error("kind", _("Des valeurs ont déjà été saisies : le type ne peut plus changer."))
            if metric and not self.instance.metric_key:
                self.add_error(
                    "metric_key",
                    _("Des valeurs ont déjà été saisies : l'indicateur ne peut pas devenir calculé."),
                )
        return data


class BudgetLineForm(FieldsetsMixin, forms.ModelForm):
    new_funder = forms.CharField(
        label=_("Autre financeur (absent de la liste)"),
        required=False,
        max_length=250,
        help_text=_("La structure est créée si elle n'existe pas."),
    )
    fieldsets = [
        (_("Ligne budgétaire"), ["nature", "unit", "label", "year"]),
        (_("Montants"), ["planned", "spent"]),
        (_("Financement"), ["funder", "new_funder"]),
    ]

    class Meta:
        model = BudgetLine
        fields = ["nature", "unit", "label", "year", "planned", "spent", "funder"]
        widgets = {"planned": DECIMAL_WIDGET, "spent": DECIMAL_WIDGET}
        help_texts = {
            "unit": _("ETP pour du temps de travail, € pour une dépense ou un cofinancement."),
            "year": _("Facultative : l'année budgétaire concernée."),
        }
        error_messages = {
            "nature": {"required": _("Choisissez la nature de la dépense ou de la ressource.")},
        }

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.instance.action = action
        self.fields["funder"].queryset = organisation_queryset()  # type: ignore[attr-defined]
        for name in ("planned", "spent"):
            self.fields[name].localize = True

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        if year is not None and not 2000 <= year <= 2100:
            raise forms.ValidationError(_("Indiquez une année entre 2000 et 2100."))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("planned", "spent"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("Le montant ne peut pas être négatif."))
        # an amount may be unknown (« non renseigné »), but the line must say something
        if (
            data.get("planned") is None
            and data.get("spent") is None
            and not data.get("label")
            and "planned" not in self.errors
            and "spent" not in self.errors
        ):
            self.add_error(
                "label", _("Indiquez un libellé ou un montant (le montant peut rester non renseigné).")
            )
        if data.get("funder") is not None and data.get("new_funder"):
            self.add_error(
                "new_funder",
                _("Choisissez un financeur dans la liste ou saisissez-en un autre, pas les deux."),
            )
        return data


class StepForm(FieldsetsMixin, forms.ModelForm):
    new_position = forms.IntegerField(
        label=_("Ordre"),
        required=False,
        min_value=1,
        help_text=_("Position de l'étape ; vide : à la fin."),
    )
    fieldsets = [(_("Étape clé"), ["title", "new_position", "done"])]

    class Meta:
        model = Step
        fields = ["title", "done"]
        error_messages = {
            "title": {"required": _("Indiquez l'intitulé de l'étape.")},
        }

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.instance.action = action
        if self.instance.pk is not None and not self.is_bound:
            self.initial["new_position"] = self.instance.position

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Indiquez l'intitulé de l'étape."))
        return str(title)

    def validate_unique(self) -> None:
        """Uniqueness is checked field by field above, with French messages."""


class MilestoneForm(FieldsetsMixin, forms.ModelForm):
    fieldsets = [(_("Jalon"), ["title", "due_on", "done_on"])]

    class Meta:
        model = Milestone
        fields = ["title", "due_on", "done_on"]
        widgets = {"due_on": DATE_WIDGET, "done_on": DATE_WIDGET}
        help_texts = {"done_on": _("Vide tant que le jalon n'est pas atteint.")}
        error_messages = {
            "title": {"required": _("Indiquez l'intitulé du jalon.")},
            "due_on": {"required": _("Indiquez l'échéance du jalon."), "invalid": _("Date attendue.")},
            "done_on": {"invalid": _("Date attendue.")},
        }

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.instance.action = action

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Indiquez l'intitulé du jalon."))
        return str(title)
