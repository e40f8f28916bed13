"""Forms of the directory: the public search (GET) and the professional edit form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from maillage.places import opening_hours, territory_lookup
from maillage.places.choices import (
    AccessMode,
    Fee,
    Label,
    Mobility,
    NationalProgramme,
    Public,
    Service,
    SpecificSupport,
    SupportMode,
)
from maillage.places.contact_links import CONTACT_FIELDS
from maillage.places.editing import EDITABLE_FIELDS
from maillage.places.models import Place
from maillage.places.selectors import (
    DEFAULT_RADIUS_KM,
    RADIUS_CHOICES_KM,
    SearchFilters,
)

#: National programmes offered as search filters (the ones people ask for).
PROGRAMME_FILTERS = [
    NationalProgramme.FRANCE_SERVICES,
    NationalProgramme.DIGITAL_ADVISERS,
    NationalProgramme.AIDANTS_CONNECT,
]


class SearchForm(forms.Form):
    """Public search. French parameter names: they show in shared links."""

    q = forms.CharField(
        label=_("Besoin, nom du lieu ou commune"),
        help_text=_("Par exemple : impôts, CAF, France Services, atelier smartphone."),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    commune = forms.CharField(
        label=_("Près de (commune, code postal ou territoire)"),
        help_text=_(
            "Les lieux les plus proches sont affichés en premier. Une intercommunalité ou un département "
            "(par exemple « Grand Figeac », « Cauvaldor », « Lot ») affiche tous ses lieux."
        ),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "list": "communes-suggestions", "data-commune-autocomplete": ""}
        ),
    )
    rayon = forms.TypedChoiceField(
        label=_("Distance maximale"),
        choices=[(km, _("%(km)d km") % {"km": km}) for km in RADIUS_CHOICES_KM],
        coerce=int,
        required=False,
        initial=DEFAULT_RADIUS_KM,
        empty_value=DEFAULT_RADIUS_KM,  # type: ignore[arg-type]
    )
    service = forms.MultipleChoiceField(
        label=_("Besoin"), choices=Service.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    public = forms.MultipleChoiceField(
        label=_("Public spécifiquement accueilli"),
        choices=Public.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accompagnement = forms.MultipleChoiceField(
        label=_("Modalités d'accompagnement"),
        choices=SupportMode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    frais = forms.MultipleChoiceField(
        label=_("Frais à charge"), choices=Fee.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    prise_en_charge = forms.MultipleChoiceField(
        label=_("Accessibilité et prise en charge spécifique"),
        choices=SpecificSupport.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    acceslibre = forms.BooleanField(label=_("Avec une fiche d'accessibilité Acceslibre"), required=False)
    dispositif = forms.MultipleChoiceField(
        label=_("Dispositifs nationaux"),
        choices=[(p.value, p.label) for p in PROGRAMME_FILTERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ouvert = forms.BooleanField(label=_("Ouvert maintenant"), required=False)
    # « Autour de moi »: « 44.6086,2.0317 », filled by the browser's geolocation when the visitor asks
    # (never required: the commune field does the same without JavaScript).
    position = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("commune") or ""
        data["commune_obj"] = None
        data["territory_obj"] = None
        data["position_obj"] = None
        self.area_candidates: list[Any] = []
        position = (data.get("position") or "").strip()
        if position:
            try:
                lat, lon = (float(part) for part in position.split(","))
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
            except ValueError:
                self.add_error("position", _("Position invalide : recherchez plutôt par commune."))
            else:
                data["position_obj"] = (lat, lon)
                return data  # the position wins over the commune field
        if text:
            area = territory_lookup.resolve_area_cached(text)
            self.area_candidates = list(area.candidates)
            if area.commune is not None:
                data["commune_obj"] = area.commune
            elif area.territory is not None:
                data["territory_obj"] = area.territory
            elif area.ambiguous:
                self.add_error(
                    "commune",
                    _("Plusieurs territoires correspondent à « %(text)s » : choisissez-en un ci-dessous.")
                    % {"text": text},
                )
            else:
                self.add_error(
                    "commune",
                    _(
                        "Commune ou territoire introuvable : saisissez un nom, un code postal ou un code, par "
                        "exemple « Figeac », « 46100 » ou « Grand Figeac »."
                    )
                    + (
                        " " + _("Vouliez-vous dire l'un des territoires proposés ci-dessous ?")
                        if self.area_candidates
                        else ""
                    ),
                )
        return data

    def filters(self) -> SearchFilters:
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return SearchFilters(
            q=data.get("q") or "",
            commune=data.get("commune_obj"),
            territory=data.get("territory_obj"),
            radius_km=data.get("rayon") or DEFAULT_RADIUS_KM,
            services=data.get("service") or [],
            publics=data.get("public") or [],
            support_modes=data.get("accompagnement") or [],
            fees=data.get("frais") or [],
            specific_support=data.get("prise_en_charge") or [],
            national_programmes=data.get("dispositif") or [],
            accessibility_sheet=bool(data.get("acceslibre")),
            open_now=bool(data.get("ouvert")),
            position=data.get("position_obj"),
            invalid=self.is_bound and bool(self.errors),
        )

    GROUPS = ("service", "accompagnement", "public", "frais", "prise_en_charge", "dispositif")

    def checkbox_groups(self) -> dict[str, dict[str, Any]]:
        """The filter checkboxes as plain data: rendering 30 widgets through the form renderer costs
        more than the whole search query, so the template writes the inputs itself."""
        groups: dict[str, dict[str, Any]] = {}
        for name in self.GROUPS:
            field = self.fields[name]
            selected = set(self[name].value() or [])
            groups[name] = {
                "name": name,
                "label": field.label,
                "open": bool(selected),
                "options": [
                    {"id": f"id_{name}_{index}", "value": value, "label": label, "checked": value in selected}
                    for index, (value, label) in enumerate(field.choices)  # type: ignore[attr-defined]
                ],
            }
        return groups

    def radius_options(self) -> list[tuple[str, str, bool]]:
        """The distance's options as (value, label, selected): the template writes the ``<select>``
        itself, as the widget would (the form renderer costs ≈ 0.9 ms of CPU for six options)."""
        field = self.fields["rayon"]
        current = str(self["rayon"].value())
        return [(str(value), str(label), str(value) == current) for value, label in field.choices]  # type: ignore[attr-defined]

    def active_filter_count(self) -> int:
        data = getattr(self, "cleaned_data", {})
        names = ("service", "public", "accompagnement", "frais", "prise_en_charge", "dispositif")
        return (
            sum(len(data.get(n) or []) for n in names)
            + bool(data.get("acceslibre"))
            + bool(data.get("ouvert"))
        )


class _SharedFields(dict):  # type: ignore[type-arg]
    """A form's ``base_fields`` whose deep copy is a shallow one: each form gets its own dict of the
    same field objects. For forms that never change their fields per instance (the public search: one
    per request, and the deep copy of its 13 fields and their choices cost ≈ 0.8 ms of CPU)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return dict(self)


SearchForm.base_fields = _SharedFields(SearchForm.base_fields)


class ListField(forms.CharField):
    """A list stored as JSON, edited one value per line."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in re.split(r"[\n|]", text) if line.strip()]


def _multi(choices: Any, label: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


_PHONE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}$")


class PlaceForm(forms.ModelForm):
    """What mediators, place managers and coordinators edit (provenance and identifiers stay read-only)."""

    emails = ListField(label=_("Courriels de contact"), required=False, help_text=_("Un par ligne."))
    websites = ListField(
        label=_("Sites web"), required=False, help_text=_("Une adresse par ligne (https://…).")
    )
    services = _multi(Service.choices, _("Services"))
    publics = _multi(
        Public.choices,
        _("Publics spécifiquement adressés"),
        _("Laisser vide si le lieu accueille tout public."),
    )
    specific_support = _multi(SpecificSupport.choices, _("Prise en charge spécifique"))
    fees = _multi(Fee.choices, _("Frais à charge"))
    support_modes = _multi(SupportMode.choices, _("Modalités d'accompagnement"))
    access_modes = _multi(AccessMode.choices, _("Modalités d'accès"))
    national_programmes = _multi(NationalProgramme.choices, _("Dispositifs et programmes nationaux"))
    labels = _multi(Label.choices, _("Formations et labels"))
    mobility = _multi(Mobility.choices, _("Itinérance"))
    accessibility_url = forms.URLField(
        label=_("Fiche Acceslibre"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_("Adresse de la fiche du lieu sur acceslibre.beta.gouv.fr."),
    )
    booking_url = forms.URLField(
        label=_("Prise de rendez-vous en ligne"), required=False, assume_scheme="https", max_length=500
    )
    verified = forms.BooleanField(
        label=_("J'ai vérifié ces informations"),
        required=False,
        help_text=_("Cochez si toutes les informations de la fiche sont à jour, même sans modification."),
    )

    class Meta:
        model = Place
        fields = list(EDITABLE_FIELDS)  # one list: the service writes exactly what the form edits
        widgets = {
            "opening_hours": forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 3, "maxlength": 280}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        help_texts = {
            "opening_hours": _(
                "Format OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off » "
                "(Mo lundi, Tu mardi, We mercredi, Th jeudi, Fr vendredi, Sa samedi, Su dimanche, PH jours fériés)."
            ),
            "phone": _("Format international sans espace, par exemple +33565000000."),
        }

    def clean_opening_hours(self) -> str:
        value = self.cleaned_data.get("opening_hours") or ""
        try:
            return opening_hours.check(value)
        except opening_hours.InvalidOpeningHours as error:
            raise ValidationError(str(error), code="opening_hours") from None

    def clean_postcode(self) -> str:
        value = (self.cleaned_data.get("postcode") or "").strip()
        if not re.fullmatch(r"\d{5}", value):
            raise ValidationError(_("Le code postal compte 5 chiffres, par exemple 46100."))
        return value

    def clean_phone(self) -> str:
        value = re.sub(r"[\s.\-]", "", self.cleaned_data.get("phone") or "")
        if value.startswith("0") and len(value) == 10:
            value = "+33" + value[1:]
        if value and not _PHONE.match(value):
            raise ValidationError(_("Numéro invalide : écrivez-le au format +33565000000 ou 05 65 00 00 00."))
        return value

    def clean_emails(self) -> list[str]:
        values = self.cleaned_data.get("emails") or []
        for value in values:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(
                    _("Adresse e-mail invalide : « %(value)s ».") % {"value": value}
                ) from None
        return values

    def clean_websites(self) -> list[str]:
        values = self.cleaned_data.get("websites") or []
        validator = forms.URLField(assume_scheme="https").clean
        for value in values:
            try:
                validator(value)
            except ValidationError:
                raise ValidationError(_("Adresse web invalide : « %(value)s ».") % {"value": value}) from None
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            raise ValidationError(_("Renseignez la latitude et la longitude, ou aucune des deux."))
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("latitude", _("La latitude est comprise entre -90 et 90."))
        if lon is not None and not -180 <= lon <= 180:
            self.add_error("longitude", _("La longitude est comprise entre -180 et 180."))
        self._agree_with_insee_code(data)
        return data

    def _agree_with_insee_code(self, data: dict[str, Any]) -> None:
        """The INSEE code (kept by the place) decides the commune: name, postcode and point must agree."""
        from maillage.places.normalize import fold
        from maillage.places.services.duplicates import distance_m

        commune = getattr(self.instance, "commune", None)
        if commune is None:
            return
        labels = {"name": commune.name, "code": commune.code}
        name = data.get("commune_name")
        if name and fold(name) != fold(commune.name):
            self.add_error(
                "commune_name",
                _("Le code INSEE %(code)s est celui de %(name)s : écrivez « %(name)s ».") % labels,
            )
        postcode = data.get("postcode")
        if postcode and commune.postcodes and postcode not in commune.postcodes:
            self.add_error(
                "postcode",
                _("Code postal de %(name)s (%(code)s) attendu : %(postcodes)s.")
                % {**labels, "postcodes": ", ".join(commune.postcodes)},
            )
        lat, lon = data.get("latitude"), data.get("longitude")
        if (
            lat is not None
            and lon is not None
            and commune.latitude is not None
            and commune.longitude is not None
            and not self.errors.get("latitude")
            and distance_m(lat, lon, commune.latitude, commune.longitude) > MAX_KM_FROM_COMMUNE * 1000
        ):
            self.add_error(
                "latitude",
                _("Ce point est à plus de %(km)d km de %(name)s (%(code)s) : vérifiez les coordonnées.")
                % {**labels, "km": MAX_KM_FROM_COMMUNE},
            )


MAX_KM_FROM_COMMUNE = 30  # the largest French communes (Arles, Guyane aside) fit in this radius


class ReminderForm(forms.Form):
    place = forms.IntegerField(widget=forms.HiddenInput)


class AnnuaireForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Périmètre"),
        required=False,
        choices=[
            ("", _("Indifférent")),
            ("commune", _("Commune")),
            ("epci", _("Intercommunalité (EPCI)")),
            ("departement", _("Département")),
        ],
    )
    territoire = forms.CharField(
        label=_("Nom ou code du territoire"),
        help_text=_(
            "Nom, surnom ou code : par exemple « Figeac », « 46102 », « CC du Grand Figeac », « Grand Figeac », "
            "« Cauvaldor », « 200067361 » (SIREN) ou « 46 »."
        ),
        max_length=120,
    )


class ContactCorrectionForm(PlaceForm):
    """The public fields a place's contact corrects from the reminder's link (no account)."""

    class Meta(PlaceForm.Meta):
        fields = list(CONTACT_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in CONTACT_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        return forms.ModelForm.clean(self) or {}


class ErrorReportForm(forms.Form):
    """« Signaler une erreur » (public). ``site_web`` is a honeypot: people never see nor fill it."""

    message = forms.CharField(
        label=_("Qu'est-ce qui est inexact ?"),
        help_text=_("Par exemple : « Fermé le mercredi depuis septembre », « Le numéro a changé »."),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
    )
    email = forms.EmailField(
        label=_("Votre adresse e-mail (facultatif)"),
        help_text=_("Seulement pour vous dire ce que nous en avons fait ; elle n'est pas publiée."),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    site_web = forms.CharField(
        label=_("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("accept", _("Accepter")), ("decline", _("Refuser"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif ou réponse"),
        help_text=_("Obligatoire pour un refus ; envoyé à la personne si elle a laissé son adresse."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez le motif du refus."))
        return data
