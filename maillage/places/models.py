"""Places (lieux de médiation numérique), the people working in them, imports and duplicates.

``Place`` holds every field of the national « standard de données des lieux de médiation numérique »
v1.0.2 under an English name; ``maillage.places.interop.standard.FIELD_MAP`` maps them to the
standard's column names. Multi-valued enumerations are stored twice (docs/adr/places-standard-storage.md):

* a JSON list (``services``…) keeps the exact values and their order (lossless round trips);
* a normalised text column (``services_search = "|v1|v2|"``) is kept in sync by ``Place.save()`` and by
  ``Place.sync_search_columns()`` (call it before ``bulk_create``/``bulk_update``), and is filtered
  with ``services_search__contains="|value|"`` on SQLite and PostgreSQL alike
  (``Place.objects.with_value("services", value)``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel
from maillage.places.choices import (
    AccessMode,
    DuplicateReason,
    DuplicateStatus,
    Fee,
    ImportStatus,
    Label,
    MediatorKind,
    Mobility,
    NationalProgramme,
    Public,
    Service,
    SpecificSupport,
    SupportMode,
)
from maillage.places.normalize import fold, pipe_column

#: Multi-valued fields with a normalised ``<name>_search`` column, and their enumeration (None: free codes).
MULTI_VALUE_FIELDS: dict[str, type[models.TextChoices] | None] = {
    "typologies": None,
    "services": Service,
    "publics": Public,
    "specific_support": SpecificSupport,
    "fees": Fee,
    "mobility": Mobility,
    "national_programmes": NationalProgramme,
    "labels": Label,
    "access_modes": AccessMode,
    "support_modes": SupportMode,
}

DEFAULT_SOURCE = "Maillage"


def new_source_id() -> str:
    return str(uuid.uuid4())


class PlaceQuerySet(models.QuerySet["Place"]):
    def published(self) -> PlaceQuerySet:
        return self.filter(is_published=True)

    def in_territories(self, territories: Any) -> PlaceQuerySet:
        """Places whose commune lies in any of ``territories`` (Territory list/QuerySet, any level)."""
        from maillage.territories.models import Territory

        return self.filter(Territory.communes_q(territories, prefix="commune__"))

    def in_territory(self, territory: Any) -> PlaceQuerySet:
        return self.in_territories([territory])

    def with_value(self, field: str, value: str) -> PlaceQuerySet:
        """Places whose multi-valued ``field`` (e.g. ``"services"``) contains ``value``."""
        if field not in MULTI_VALUE_FIELDS:
            raise ValueError(f"{field} n'est pas un champ multivalué")
        return self.filter(**{f"{field}_search__contains": f"|{value}|"})

    def editable_by(self, user: Any) -> PlaceQuerySet:
        """Places ``user`` may edit: coordinators → every place of their territories; others → places
        they manage (``PlaceManager``) or work in (``Mediator.user``)."""
        from maillage.core.permissions import commune_scope_q, grants_revoked, territories_for

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        q = Q(pk__in=[]) if grants_revoked(user) else Q(managers=user) | Q(mediators__user=user)
        if territories_for(user, ["coordinator"]):
            q |= commune_scope_q(user, roles=["coordinator"])
        return self.filter(q).distinct()


class Place(TimestampedModel):
    """A lieu de médiation numérique (every field of the national standard v1.0.2)."""

    # Provenance: the standard's ``source`` (collecting organisation) and ``id`` (producer's local id).
    source = models.CharField(_("source"), max_length=200, blank=True, default=DEFAULT_SOURCE)
    source_id = models.CharField(_("identifiant à la source"), max_length=255, default=new_source_id)

    pivot = models.CharField(
        _("SIRET ou RNA"), max_length=20, blank=True, help_text=_("SIRET (14 chiffres) ou RNA (W + 9).")
    )
    name = models.CharField(_("nom"), max_length=250)
    address = models.CharField(
        _("adresse"), max_length=250, help_text=_("Numéro et voie, par exemple « 12 BIS RUE DE LECLERCQ ».")
    )
    address_complement = models.CharField(_("complément d'adresse"), max_length=250, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5)
    insee_code = models.CharField(_("code INSEE"), max_length=5, blank=True)
    commune_name = models.CharField(_("commune"), max_length=150)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune (référentiel)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="places",
        db_index=False,  # covered by the (commune, is_published) index
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    typologies = models.JSONField(_("typologie"), default=list, blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    emails = models.JSONField(_("courriels"), default=list, blank=True)
    websites = models.JSONField(_("sites web"), default=list, blank=True)
    opening_hours = models.TextField(
        _("horaires"), blank=True, help_text=_("Syntaxe OpenStreetMap opening_hours.")
    )
    summary = models.CharField(_("présentation résumée"), max_length=280, blank=True)
    description = models.TextField(_("présentation détaillée"), blank=True)
    mobility = models.JSONField(_("itinérance"), default=list, blank=True)
    parent_organisation = models.CharField(_("structure parente"), max_length=250, blank=True)
    data_updated_on = models.DateField(_("date de mise à jour"), db_index=True)

    services = models.JSONField(_("services"), default=list, blank=True)
    publics = models.JSONField(_("publics spécifiquement adressés"), default=list, blank=True)
    specific_support = models.JSONField(_("prise en charge spécifique"), default=list, blank=True)
    fees = models.JSONField(_("frais à charge"), default=list, blank=True)
    national_programmes = models.JSONField(_("dispositifs et programmes nationaux"), default=list, blank=True)
    labels = models.JSONField(_("formations et labels"), default=list, blank=True)
    other_labels = models.JSONField(_("autres formations et labels"), default=list, blank=True)
    access_modes = models.JSONField(_("modalités d'accès"), default=list, blank=True)
    support_modes = models.JSONField(_("modalités d'accompagnement"), default=list, blank=True)
    accessibility_url = models.URLField(_("fiche Acceslibre"), max_length=500, blank=True)
    booking_url = models.URLField(_("prise de rendez-vous en ligne"), max_length=500, blank=True)

    # Normalised columns (derived, maintained by save()/sync_search_columns()).
    typologies_search = models.CharField(max_length=500, blank=True, editable=False)
    services_search = models.CharField(max_length=1000, blank=True, editable=False)
    publics_search = models.CharField(max_length=300, blank=True, editable=False)
    specific_support_search = models.CharField(max_length=500, blank=True, editable=False)
    fees_search = models.CharField(max_length=100, blank=True, editable=False)
    mobility_search = models.CharField(max_length=50, blank=True, editable=False)
    national_programmes_search = models.CharField(max_length=1000, blank=True, editable=False)
    labels_search = models.CharField(max_length=1000, blank=True, editable=False)
    access_modes_search = models.CharField(max_length=500, blank=True, editable=False)
    support_modes_search = models.CharField(max_length=200, blank=True, editable=False)
    normalized_name = models.CharField(max_length=250, blank=True, editable=False)  # indexed in Meta
    search_text = models.TextField(
        blank=True, editable=False, help_text="nom, commune, code postal, adresse sans accents ni casse"
    )
    opening_hours_key = models.BigIntegerField(
        null=True, blank=True, editable=False, help_text="clé des horaires (maillage.places.open_now)"
    )
    opening_schedule = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="numéro des horaires (OpeningSchedule.id)"
    )
    search_document = models.TextField(
        blank=True,
        editable=False,
        help_text="mots racinisés sans accents : nom, commune, services, publics, dispositifs, présentations "
        "(maillage.places.search_document)",
    )
    standard_document = models.TextField(
        blank=True,
        editable=False,
        help_text="l'élément JSON du lieu au standard national, tel que l'API le sert (sans « url »), "
        "précédé de l'empreinte du code qui l'a produit (maillage.places.interop.writer.standard_document)",
    )

    # Local management.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        db_index=False,  # partial index in Meta
    )
    is_published = models.BooleanField(_("publié"), default=True)
    verified_at = models.DateTimeField(_("vérifié le"), null=True, blank=True, db_index=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vérifié par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("fusionné dans"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta
        help_text=_("Doublon fusionné : la fiche est dépubliée et garde sa provenance pour les ré-imports."),
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestionnaires"),
        through="PlaceManager",
        through_fields=("place", "user"),
        related_name="managed_places",
        blank=True,
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="place_unique_source_id"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "is_published"], name="place_commune_published"),
            models.Index(fields=["pivot"], name="place_pivot"),
            # The open-data API looks source ids up (duplicated ids across sources).
            models.Index(fields=["source_id"], name="place_source_id"),
            # The open-data API pages published places by id: the ids of a page (OFFSET included) are
            # read from this small index alone, never from the wide rows before the page.
            models.Index(fields=["id"], condition=Q(is_published=True), name="place_published_id"),
            # Sorted lists and the duplicate check (equality, ORDER BY): one B-tree, not the second
            # ``varchar_pattern_ops`` copy that ``db_index`` adds for LIKE 'x%', which nothing asks.
            models.Index(fields=["normalized_name"], name="place_normalized_name"),
            # Optional links, empty on every imported place: only the rows that have one are indexed (the
            # lookups by value and the SET NULL of a deleted row still use them; an import adds no entry).
            models.Index(
                fields=["organisation"],
                condition=Q(organisation__isnull=False),
                name="place_organisation_set",
            ),
            models.Index(
                fields=["verified_by"], condition=Q(verified_by__isnull=False), name="place_verified_by_set"
            ),
            models.Index(
                fields=["merged_into"], condition=Q(merged_into__isnull=False), name="place_merged_into_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune_name})"

    def sync_search_columns(self) -> None:
        """Recompute the derived columns from the stored values (idempotent)."""
        for name, value in search_columns(_Attributes(self)).items():
            setattr(self, name, value)

    def save(self, *args: Any, **kwargs: Any) -> None:
        from maillage.places import open_now

        self.sync_search_columns()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | set(SEARCH_COLUMNS)
        super().save(*args, **kwargs)
        if update_fields is None or "opening_hours" in update_fields:
            open_now.ensure_place(self)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def welcomes_public(self) -> bool:
        return AccessMode.NO_PUBLIC.value not in (self.access_modes or [])


SEARCH_COLUMNS = [f"{f}_search" for f in MULTI_VALUE_FIELDS] + [
    "normalized_name",
    "search_text",
    "search_document",
    "opening_hours_key",
    "standard_document",
]


class _Attributes:
    """``values.get(name)`` on a model instance (loads deferred fields like attribute access)."""

    def __init__(self, instance: models.Model):
        self.instance = instance

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self.instance, name, default)


def search_columns(values: Any) -> dict[str, Any]:
    """The derived columns of a place from its field values (a mapping of attnames)."""
    from maillage.places import search_document
    from maillage.places.interop.writer import standard_document

    columns: dict[str, Any] = {f"{f}_search": pipe_column(values.get(f) or []) for f in MULTI_VALUE_FIELDS}
    # The open-data item, written in the same statement as the fields it is made of (API pages are
    # served from it: docs/operations.md).
    columns["standard_document"] = standard_document(
        values.instance if isinstance(values, _Attributes) else values
    )
    columns["search_document"] = search_document.build(values)
    columns["opening_hours_key"] = hours_key(values.get("opening_hours") or "")
    name = fold(values.get("name") or "")
    columns["normalized_name"] = name[:250]
    columns["search_text"] = " ".join(
        part
        for part in (
            name,
            fold(values.get("commune_name") or ""),
            values.get("postcode") or "",
            fold(values.get("address") or ""),
        )
        if part
    )
    return columns


class PlaceManager(models.Model):
    """Gives ``user`` the right to edit ``place`` (place managers and mediators edit their own places)."""

    place = models.ForeignKey(Place, verbose_name=_("lieu"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utilisateur"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ajouté par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("gestionnaire de lieu")
        verbose_name_plural = _("gestionnaires de lieux")
        constraints = [models.UniqueConstraint(fields=["place", "user"], name="place_manager_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.place}"


class Mediator(TimestampedModel):
    """A person working in places: conseiller or médiateur numérique, aidant (Helper)… Private data:
    never in the public directory nor in the open-data API."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_profiles",
    )
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure employeuse"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediators",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Territoire de rattachement (utile quand la personne n'a pas encore de lieu)."),
    )
    kind = models.CharField(
        _("fonction"), max_length=30, choices=MediatorKind.choices, default=MediatorKind.DIGITAL_MEDIATOR
    )
    aidants_connect_habilitated = models.BooleanField(_("habilité·e Aidants Connect"), default=False)
    is_active = models.BooleanField(_("en activité"), default=True)
    places = models.ManyToManyField(Place, verbose_name=_("lieux"), related_name="mediators", blank=True)

    class Meta:
        verbose_name = _("médiateur·rice ou aidant·e")
        verbose_name_plural = _("médiateurs·rices et aidants·es")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ImportJob(models.Model):
    """One import of a standard file (from the page or the command), with its report."""

    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    filename = models.CharField(_("fichier"), max_length=255, blank=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    source = models.CharField(_("source par défaut"), max_length=200, blank=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    rows = models.PositiveIntegerField(_("lignes"), default=0)
    created_count = models.PositiveIntegerField(_("créés"), default=0)
    updated_count = models.PositiveIntegerField(_("mis à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("inchangés"), default=0)
    error_count = models.PositiveIntegerField(_("erreurs"), default=0)
    duplicate_count = models.PositiveIntegerField(_("doublons probables"), default=0)
    report = models.JSONField(_("rapport"), default=dict, blank=True)
    started_at = models.DateTimeField(_("démarré le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de lieux")
        verbose_name_plural = _("imports de lieux")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename or self.sha256[:12]} ({self.get_status_display()})"


class DuplicateCandidate(models.Model):
    """Two places that look like the same one; a coordinator merges them or marks them distinct."""

    place_a = models.ForeignKey(Place, verbose_name=_("lieu A"), on_delete=models.CASCADE, related_name="+")
    place_b = models.ForeignKey(Place, verbose_name=_("lieu B"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("motif"), max_length=20, choices=DuplicateReason.choices)
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=DuplicateStatus.choices,
        default=DuplicateStatus.PENDING,
        db_index=True,
    )
    import_job = models.ForeignKey(
        ImportJob,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("détecté le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kept_place_id = models.PositiveIntegerField(_("lieu conservé"), null=True, blank=True)

    class Meta:
        verbose_name = _("doublon probable")
        verbose_name_plural = _("doublons probables")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["place_a", "place_b"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=Q(place_a__lt=models.F("place_b")), name="duplicate_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_a_id} ≈ {self.place_b_id} ({self.get_reason_display()})"


class OpeningSchedule(models.Model):
    """A distinct opening-hours string and its small number (the rank of its bit in « open now » sets)."""

    hours_key = models.BigIntegerField(unique=True, editable=False)
    hours = models.TextField(editable=False)

    class Meta:
        verbose_name = _("horaires distincts")
        verbose_name_plural = _("horaires distincts")

    def __str__(self) -> str:
        return self.hours


class WeeklyHours(models.Model):
    """An opening-hours string whose open intervals of ``week`` are computed (``maillage.places.open_now``)."""

    hours_key = models.BigIntegerField(editable=False)
    hours = models.TextField(editable=False)
    week = models.DateField(editable=False, help_text="lundi de la semaine (Europe/Paris)")

    class Meta:
        verbose_name = _("horaires calculés d'une semaine")
        verbose_name_plural = _("horaires calculés des semaines")
        constraints = [models.UniqueConstraint(fields=["week", "hours_key"], name="weekly_hours_unique")]

    def __str__(self) -> str:
        return f"{self.week} {self.hours}"


class OpeningInterval(models.Model):
    """One open interval of an opening-hours string during a week, in minutes from Monday 00:00 (local
    wall-clock time), never across midnight: « ouvert maintenant » is an index-only lookup of the
    schedules open at a minute, then one bit test per place (``maillage.places.open_now``)."""

    schedule = models.PositiveIntegerField(editable=False)
    week = models.DateField(editable=False)
    start_minute = models.PositiveSmallIntegerField(editable=False)
    end_minute = models.PositiveSmallIntegerField(editable=False)

    class Meta:
        verbose_name = _("intervalle d'ouverture")
        verbose_name_plural = _("intervalles d'ouverture")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "schedule", "start_minute"], name="opening_interval_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["week", "start_minute", "end_minute", "schedule"], name="opening_interval_now"
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.start_minute}-{self.end_minute} {self.schedule}"


def hours_key(hours: str) -> int | None:
    """A 48-bit key of an opening-hours string (None when empty): strings may be long, keys are compared
    fast. 10 000 distinct strings collide with a probability of about 2·10⁻⁷."""
    import hashlib

    if not hours:
        return None
    return int(hashlib.sha1(hours.encode("utf-8"), usedforsecurity=False).hexdigest()[:12], 16)


from maillage.places.models_annuaire import AnnuaireFile  # noqa: E402,F401
from maillage.places.models_loops import (  # noqa: E402,F401 — registers the loops' models with the app
    ChangeStatus,
    ContactChangesMode,
    DirectorySettings,
    ErrorReport,
    FreshnessCampaign,
    PlaceChangeRequest,
    PlaceReminder,
)
