"""Forms: the activity report made for a phone, followed beneficiaries, coordination, filters, import."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from maillage.activities import selectors, services
from maillage.activities.choices import (
    DURATION_OPTIONS,
    MAX_PARTICIPANTS,
    ActivityKind,
    AgeBand,
    Autonomy,
    CoordinationKind,
    Device,
    EventType,
    Gender,
    MeetingType,
    Orientation,
    PartnershipNature,
    PlaceType,
    Procedure,
    SocialStatus,
    TerritorialLevel,
    Theme,
    WorkshopLevel,
)
from maillage.activities.models import Activity, Beneficiary
from maillage.core.permissions import territories_for
from maillage.core.validators import period_validators
from maillage.territories.models import Territory

OTHER_DURATION = "autre"


class AccessibleFormMixin:
    """Ties each error message to its field (``aria-describedby`` + ``aria-invalid``)."""

    def _set(self, name: str, attribute: str, value: Any) -> None:
        setattr(self.fields[name], attribute, value)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name not in self.fields:  # type: ignore[attr-defined]
                continue
            bound = self[name]  # type: ignore[index]
            attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:  # type: ignore[attr-defined]
                described.append(f"{bound.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)
            attrs["aria-invalid"] = "true"


def _choices_with_blank(choices: Any, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


def commune_queryset(user: Any) -> Any:
    territories = territories_for(user)
    return (
        Territory.objects.communes_of(territories).order_by("name")
        if territories
        else Territory.objects.none()
    )


def place_queryset(user: Any) -> Any:
    from maillage.places.models import Place

    territories = territories_for(user)
    if not territories:
        return Place.objects.none()
    return Place.objects.in_territories(territories).filter(merged_into__isnull=True).order_by("name")


def _duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest:02d}"


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class ActivityForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ActivityKind.choices, widget=forms.HiddenInput)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la date."), "invalid": _("Date invalide (JJ/MM/AAAA).")},
    )
    duration = forms.ChoiceField(
        label=_("Durée"),
        choices=[
            *((str(m), _duration_label(m)) for m in DURATION_OPTIONS),
            (OTHER_DURATION, _("Autre durée")),
        ],
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        error_messages={"required": _("Choisissez la durée.")},
    )
    duration_other = forms.IntegerField(
        label=_("Autre durée, en minutes"),
        required=False,
        min_value=1,
        max_value=1439,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    place_type = forms.ChoiceField(
        label=_("Lieu de l’accompagnement"),
        choices=PlaceType.choices,
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        error_messages={"required": _("Choisissez où a eu lieu l’accompagnement.")},
    )
    place = forms.ModelChoiceField(
        label=_("Lieu d’activité"), queryset=Territory.objects.none(), required=False
    )
    commune = CommuneChoiceField(
        label=_("Commune (à domicile, autre lieu)"),
        queryset=Territory.objects.none(),
        required=False,
    )
    themes = forms.MultipleChoiceField(
        label=_("Thématiques"),
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une thématique.")},
    )
    procedures = forms.MultipleChoiceField(
        label=_("Démarches administratives"),
        help_text=_("Seulement avec la thématique « Aide aux démarches administratives »."),
        choices=Procedure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    procedure_details = forms.CharField(label=_("Précisions sur la démarche"), max_length=250, required=False)
    devices = forms.MultipleChoiceField(
        label=_("Matériel utilisé"),
        choices=Device.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # Individual
    beneficiary = forms.ModelChoiceField(
        label=_("Bénéficiaire suivi·e (facultatif)"),
        help_text=_("Laissez vide pour un accompagnement anonyme."),
        queryset=Beneficiary.objects.none(),
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("Genre"),
        choices=Gender.choices,
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        required=False,
    )
    age_band = forms.ChoiceField(
        label=_("Tranche d’âge"),
        choices=AgeBand.choices,
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        required=False,
    )
    social_status = forms.ChoiceField(
        label=_("Statut social"),
        choices=SocialStatus.choices,
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        required=False,
    )
    residence_commune = CommuneChoiceField(
        label=_("Commune de résidence (facultatif)"), queryset=Territory.objects.none(), required=False
    )
    autonomy = forms.ChoiceField(
        label=_("Autonomie"),
        choices=Autonomy.choices,
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        required=False,
    )
    orientation = forms.ChoiceField(
        label=_("Orientation vers une autre structure"),
        choices=_choices_with_blank(Orientation.choices, _("Pas d’orientation")),
        required=False,
    )
    # Collective
    workshop_title = forms.CharField(label=_("Titre de l’atelier"), max_length=200, required=False)
    workshop_level = forms.ChoiceField(
        label=_("Niveau de l’atelier"),
        choices=WorkshopLevel.choices,
        widget=forms.RadioSelect(attrs={"class": "pill"}),
        required=False,
    )
    participants = forms.IntegerField(
        label=_("Participant·es anonymes"),
        min_value=0,
        max_value=MAX_PARTICIPANTS,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    followed_participants = forms.ModelMultipleChoiceField(
        label=_("Participant·es suivi·es"),
        queryset=Beneficiary.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    tags = forms.CharField(
        label=_("Étiquettes"), help_text=_("Séparées par des virgules."), max_length=300, required=False
    )

    COUNT_PREFIX = "n"

    def __init__(self, *args: Any, user: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.activity_kind = kind
        self.fields["kind"].initial = kind
        self._set("commune", "queryset", commune_queryset(user))
        self._set("residence_commune", "queryset", commune_queryset(user))
        self._set("place", "queryset", place_queryset(user))
        beneficiaries = selectors.beneficiaries_visible_to(user).order_by("last_name", "first_name")
        self._set("beneficiary", "queryset", beneficiaries)
        self._set("followed_participants", "queryset", beneficiaries)
        self.count_fields: dict[str, list[tuple[str, str]]] = {}
        if kind == ActivityKind.COLLECTIVE:
            for dimension, choices in (
                ("gender", Gender),
                ("age_band", AgeBand),
                ("social_status", SocialStatus),
            ):
                names = []
                for value, label in choices.choices:
                    if value == "non_communique":
                        continue
                    name = f"{self.COUNT_PREFIX}_{dimension}_{value}"
                    self.fields[name] = forms.IntegerField(
                        label=label,
                        required=False,
                        min_value=0,
                        max_value=MAX_PARTICIPANTS,
                        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "count"}),
                    )
                    names.append((name, value))
                self.count_fields[dimension] = names
            for name in (
                "beneficiary",
                "gender",
                "age_band",
                "social_status",
                "residence_commune",
                "autonomy",
                "orientation",
            ):
                del self.fields[name]
        else:
            for name in ("workshop_title", "workshop_level", "participants", "followed_participants"):
                del self.fields[name]

    def count_groups(self) -> list[tuple[str, list[Any]]]:
        labels = {"gender": _("Genre"), "age_band": _("Tranche d’âge"), "social_status": _("Statut social")}
        return [
            (str(labels[dim]), [self[name] for name, _value in names])
            for dim, names in self.count_fields.items()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        duration = cleaned.get("duration")
        if duration == OTHER_DURATION:
            if not cleaned.get("duration_other"):
                self.add_error("duration_other", _("Indiquez la durée en minutes (de 1 à 1439)."))
            else:
                cleaned["duration_minutes"] = cleaned["duration_other"]
        elif duration:
            cleaned["duration_minutes"] = int(duration)
        place_type = cleaned.get("place_type")
        if place_type == PlaceType.PLACE and not cleaned.get("place"):
            self.add_error("place", _("Choisissez le lieu d’activité."))
        if place_type in (PlaceType.HOME, PlaceType.OTHER) and not cleaned.get("commune"):
            self.add_error("commune", _("Indiquez la commune où a eu lieu l’accompagnement."))
        if cleaned.get("procedures") and Theme.ADMINISTRATIVE not in (cleaned.get("themes") or []):
            self.add_error(
                "procedures",
                _("Cochez aussi la thématique « Aide aux démarches administratives »."),
            )
        if self.activity_kind == ActivityKind.COLLECTIVE:
            anonymous = cleaned.get("participants") or 0
            followed = cleaned.get("followed_participants") or []
            if anonymous + len(followed) < 1:
                self.add_error("participants", _("Indiquez au moins un·e participant·e."))
            for names in self.count_fields.values():
                subtotal = sum(cleaned.get(name) or 0 for name, _value in names)
                if subtotal > anonymous:
                    self.add_error(
                        names[0][0],
                        _("%(n)s personnes comptées dans cette catégorie pour %(t)s participant·es anonymes.")
                        % {"n": subtotal, "t": anonymous},
                    )
        return cleaned

    def to_data(self) -> services.ActivityData:
        c = self.cleaned_data
        tags = [t.strip() for t in (c.get("tags") or "").split(",") if t.strip()]
        data = services.ActivityData(
            kind=self.activity_kind,
            date=c["date"],
            duration_minutes=c["duration_minutes"],
            place_type=c["place_type"],
            place=c.get("place"),
            commune=c.get("commune"),
            themes=list(c.get("themes") or []),
            procedures=list(c.get("procedures") or []),
            procedure_details=c.get("procedure_details") or "",
            devices=list(c.get("devices") or []),
            tags=tags,
        )
        if self.activity_kind == ActivityKind.INDIVIDUAL:
            data.beneficiary = c.get("beneficiary")
            data.person = services.Person(
                age_band=c.get("age_band") or "non_communique",
                gender=c.get("gender") or "non_communique",
                social_status=c.get("social_status") or "non_communique",
                residence_commune=c.get("residence_commune"),
            )
            data.autonomy = c.get("autonomy") or ""
            data.oriented = bool(c.get("orientation"))
            data.orientation = c.get("orientation") or ""
        else:
            data.workshop_title = c.get("workshop_title") or ""
            data.workshop_level = c.get("workshop_level") or ""
            data.participants = services.Participants(
                anonymous=c.get("participants") or 0,
                counts={
                    dim: {value: c.get(name) or 0 for name, value in names}
                    for dim, names in self.count_fields.items()
                },
                followed=list(c.get("followed_participants") or []),
            )
        return data


def initial_for(
    user: Any, kind: str, *, duplicate: Activity | None = None, today: date | None = None
) -> dict[str, Any]:
    """Sensible defaults: today, last place used, usual duration; or a copy of ``duplicate``."""
    today = today or timezone.localdate()
    last = duplicate or selectors.last_activity(user)
    durations = selectors.recent_durations(user)
    usual = services.usual_duration([Activity(duration_minutes=d) for d in durations]) if durations else 30
    initial: dict[str, Any] = {"kind": kind, "date": today, "place_type": PlaceType.PLACE}
    initial.update(_duration_initial(usual))
    if kind == ActivityKind.INDIVIDUAL:
        initial.update(gender="non_communique", age_band="non_communique", social_status="non_communique")
    if last is not None:
        initial.update(place_type=last.place_type, place=last.place_id, commune=last.commune_id)
    if duplicate is not None:
        initial.update(_duration_initial(duplicate.duration_minutes))
        initial.update(
            themes=duplicate.themes,
            procedures=duplicate.procedures,
            procedure_details=duplicate.procedure_details,
            devices=duplicate.devices,
            tags=", ".join(duplicate.tags),
            autonomy=duplicate.autonomy,
            orientation=duplicate.orientation if duplicate.oriented else "",
            workshop_title=duplicate.workshop_title,
            workshop_level=duplicate.workshop_level,
        )
    return initial


def _duration_initial(minutes: int) -> dict[str, Any]:
    if minutes in DURATION_OPTIONS:
        return {"duration": str(minutes)}
    return {"duration": OTHER_DURATION, "duration_other": minutes}


def initial_from_activity(activity: Activity) -> dict[str, Any]:
    initial = initial_for(activity.mediator, activity.kind, duplicate=activity, today=activity.date)
    initial["date"] = activity.date
    if activity.kind == ActivityKind.INDIVIDUAL:
        acc = activity.accompaniments.first()
        if acc is not None:
            initial.update(
                beneficiary=acc.beneficiary_id,
                gender=acc.gender,
                age_band=acc.age_band,
                social_status=acc.social_status,
                residence_commune=acc.residence_commune_id,
            )
    else:
        initial["participants"] = activity.anonymous_count
        initial["followed_participants"] = [
            a.beneficiary_id for a in activity.accompaniments.all() if a.beneficiary_id
        ]
        for count in activity.participant_counts.all():
            if count.value != "non_communique":
                initial[f"{ActivityForm.COUNT_PREFIX}_{count.dimension}_{count.value}"] = count.count
    return initial


class BeneficiaryForm(AccessibleFormMixin, forms.ModelForm):
    informed = forms.BooleanField(
        label=_("La personne a été informée de l’enregistrement de ses données et de ses droits"),
        help_text=_(
            "Obligatoire : remettez-lui la notice d’information. Les données sont anonymisées "
            "%(days)s jours après le dernier accompagnement."
        )
        % {"days": settings.BENEFICIARY_RETENTION_DAYS},
        required=True,
    )
    residence_commune = CommuneChoiceField(
        label=_("Commune de résidence"), queryset=Territory.objects.none(), required=False
    )

    class Meta:
        model = Beneficiary
        fields = [
            "first_name",
            "last_name",
            "birth_year",
            "phone",
            "email",
            "gender",
            "age_band",
            "social_status",
            "residence_commune",
        ]
        widgets = {
            "gender": forms.RadioSelect(attrs={"class": "pill"}),
            "age_band": forms.RadioSelect(attrs={"class": "pill"}),
            "social_status": forms.RadioSelect(attrs={"class": "pill"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set("residence_commune", "queryset", commune_queryset(user))
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        if self.instance.pk and self.instance.informed_at:
            self.fields["informed"].initial = True

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            raise ValidationError(
                _("L’année de naissance doit être comprise entre 1900 et l’année en cours.")
            )
        return year

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        values["informed_at"] = self.instance.informed_at or timezone.now()
        return values


class CoordinationForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=CoordinationKind.choices, widget=forms.RadioSelect(attrs={"class": "pill"})
    )
    name = forms.CharField(label=_("Intitulé"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=1, max_value=1439, initial=120
    )
    territorial_level = forms.ChoiceField(
        label=_("Échelon territorial"), choices=TerritorialLevel.choices, initial=TerritorialLevel.DEPARTMENT
    )
    meeting_type = forms.ChoiceField(
        label=_("Type d’animation"), choices=_choices_with_blank(MeetingType.choices, "—"), required=False
    )
    event_type = forms.ChoiceField(
        label=_("Type d’événement"), choices=_choices_with_blank(EventType.choices, "—"), required=False
    )
    partnership_natures = forms.MultipleChoiceField(
        label=_("Nature du partenariat"),
        choices=PartnershipNature.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mediators_count = forms.IntegerField(label=_("Médiateur·rices présent·es"), min_value=0, initial=0)
    structures_count = forms.IntegerField(label=_("Structures présentes"), min_value=0, initial=0)
    other_actors_count = forms.IntegerField(label=_("Autres acteur·rices"), min_value=0, initial=0)
    participants_count = forms.IntegerField(label=_("Participant·es (événement)"), min_value=0, initial=0)
    territory = forms.ModelChoiceField(label=_("Territoire"), queryset=Territory.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        territories = selectors.coordinator_territories(user)
        self._set("territory", "queryset", Territory.objects.filter(pk__in=[t.pk for t in territories]))
        if territories:
            self.fields["territory"].initial = territories[0].pk
        self.fields["date"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind == CoordinationKind.MEETING and not cleaned.get("meeting_type"):
            self.add_error("meeting_type", _("Choisissez le type d’animation."))
        if kind == CoordinationKind.EVENT and not cleaned.get("event_type"):
            self.add_error("event_type", _("Choisissez le type d’événement."))
        if kind == CoordinationKind.PARTNERSHIP and not cleaned.get("partnership_natures"):
            self.add_error("partnership_natures", _("Choisissez au moins une nature de partenariat."))
        return cleaned

    def values(self) -> dict[str, Any]:
        c = dict(self.cleaned_data)
        c.pop("territory")
        return c


class QuickSelect(forms.Select):
    """A ``<select>`` whose options are written in Python: a coordinator's list of scopes has hundreds
    of options (EPCI, organisations, mediators) and Django renders each through its own template (a
    third of the statistics page's time). Same markup; grouped choices fall back to Django."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        choices = list(self.choices)
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        current = {str(v) for v in self.format_value(value)}
        selected = mark_safe(" selected")  # noqa: S308 — a constant
        options = format_html_join(
            "\n",
            '  <option value="{}"{}>{}</option>',
            ((v, selected if str(v) in current else "", label) for v, label in choices),
        )
        attributes = format_html_join(
            "",
            "{}",
            (
                (format_html(' {}="{}"', key, v) if v is not True else format_html(" {}", key),)
                for key, v in final.items()
                if v is not None and v is not False
            ),
        )
        return format_html("<select{}>\n{}\n</select>", attributes, options)


class StatsFilterForm(AccessibleFormMixin, forms.Form):
    perimetre = forms.ChoiceField(label=_("Périmètre"), required=False, widget=QuickSelect)
    du = forms.DateField(
        label=_("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=period_validators(),
    )
    au = forms.DateField(
        label=_("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=period_validators(),
    )
    lignes = forms.ChoiceField(label=_("Croiser : en lignes"), required=False)
    colonnes = forms.ChoiceField(label=_("en colonnes"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set("perimetre", "choices", selectors.scope_choices(user))
        dims = [("", "—"), *((k, v) for k, v in selectors.available_dimensions().items())]
        self._set("lignes", "choices", dims)
        self._set("colonnes", "choices", dims)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            self.add_error("au", _("La date de fin doit suivre la date de début."))
        rows, cols = cleaned.get("lignes"), cleaned.get("colonnes")
        if rows and cols and rows == cols:
            self.add_error("colonnes", _("Choisissez deux dimensions différentes."))
        return cleaned


class ImportForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("Export XLSX « Liste des accompagnements » de la Coop ou modèle CSV ; 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )


class TeamImportForm(ImportForm):
    file = forms.FileField(
        label=_("Export d’équipe"),
        help_text=_(
            "Export XLSX « Liste des accompagnements » de votre équipe dans la Coop ; 10 Mo au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )


class TeamMappingForm(AccessibleFormMixin, forms.Form):
    """One choice per mediator named by the file: a mediator of the territory, or leave their rows out."""

    def __init__(self, *args: Any, proposals: list[Any], mediators: list[Any], **kwargs: Any) -> None:
        from maillage.activities.team import SKIP

        super().__init__(*args, **kwargs)
        self.proposals = proposals
        choices = [
            ("", _("— Choisir —")),
            (SKIP, _("Ne pas importer ses lignes")),
            *[(str(user.pk), f"{user.get_full_name() or user.email} ({user.email})") for user in mediators],
        ]
        for index, proposal in enumerate(proposals):
            member = proposal.member
            label = member.label + (f" — Conum {member.conum_id}" if member.conum_id else "")
            self.fields[f"m{index}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                initial=str(proposal.mediator.pk) if proposal.mediator is not None else "",
                help_text=(
                    _("%(n)s ligne(s) ; proposé·e : %(reason)s")
                    % {"n": member.rows, "reason": proposal.reason}
                    if proposal.mediator is not None
                    else _(
                        "%(n)s ligne(s) ; aucun·e médiateur·rice du territoire ne correspond : choisissez."
                    )
                    % {"n": member.rows}
                ),
                error_messages={
                    "required": _("Choisissez un·e médiateur·rice ou « Ne pas importer ses lignes ».")
                },
                widget=forms.Select(attrs={"aria-describedby": f"id_m{index}_helptext"}),
            )

    def choices(self) -> dict[str, str]:
        return {p.member.key: self.cleaned_data[f"m{i}"] for i, p in enumerate(self.proposals)}

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"m{i}"], p) for i, p in enumerate(self.proposals)]
