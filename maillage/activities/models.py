"""Activity reports (CRA) of mediators, compatible with La Coop de la médiation numérique.

- ``Activity``: one CRA, individual accompaniment or collective workshop (Coop ``Activite``).
- ``Accompaniment``: one person in an activity — the person of an individual CRA (anonymous
  attributes stored on the row, or a followed ``Beneficiary``), or a followed participant of a workshop.
- ``ParticipantCount``: anonymous workshop participants as honest aggregate counts per category
  (age band, gender, social status). Never turned into invented individual rows.
- ``Beneficiary``: a followed (named) person, optional, with the date they were informed and a
  retention period; anonymised by ``retention.purge``.
- ``ActivityRollup``: pre-aggregated counts by (month, département, EPCI, dimension, value) kept in
  sync by the services and the import; the territory statistics read it instead of the raw tables.
- ``CoordinationActivity``: coordinators' network activity (meetings, events, partnerships).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.activities.choices import (
    NOT_GIVEN,
    ActivityKind,
    AgeBand,
    Autonomy,
    CoordinationKind,
    Device,
    EventType,
    Gender,
    MeetingType,
    Orientation,
    ParticipantDimension,
    PlaceType,
    Procedure,
    SocialStatus,
    TerritorialLevel,
    Theme,
    WorkshopLevel,
    mask_of,
)
from maillage.core.models import TimestampedModel


class ActivitySource(models.TextChoices):
    FORM = "maillage", _("Saisie dans Maillage")
    COOP = "coop", _("Import de la Coop")
    CSV = "csv", _("Import CSV")


class Activity(TimestampedModel):
    kind = models.CharField(_("type"), max_length=12, choices=ActivityKind.choices)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("médiateur·rice"),
        on_delete=models.PROTECT,
        db_index=False,  # covered by the (…, date) index
        related_name="activities",
    )
    structure = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure employeuse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # covered by the (…, date) index
        related_name="+",
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    place_type = models.CharField(_("lieu"), max_length=16, choices=PlaceType.choices)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("lieu d'activité"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # covered by the (…, date) index
        related_name="activities",
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # covered by the (…, date) index
        related_name="+",
    )
    # Denormalised from the commune (or the mediator's territory) so territory statistics filter on
    # one indexed column; maintained by the services and the import.
    department = models.ForeignKey(
        "territories.Territory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    epci = models.ForeignKey(
        "territories.Territory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    themes = models.JSONField(_("thématiques"), default=list, blank=True)
    themes_mask = models.IntegerField(default=0, editable=False)
    procedures = models.JSONField(_("démarches administratives"), default=list, blank=True)
    procedures_mask = models.IntegerField(default=0, editable=False)
    procedure_details = models.CharField(_("précisions sur la démarche"), max_length=250, blank=True)
    devices = models.JSONField(_("matériel utilisé"), default=list, blank=True)
    devices_mask = models.IntegerField(default=0, editable=False)
    autonomy = models.CharField(_("autonomie"), max_length=32, choices=Autonomy.choices, blank=True)
    oriented = models.BooleanField(_("orienté·e vers une autre structure"), null=True, blank=True)
    orientation = models.CharField(
        _("structure de redirection"), max_length=40, choices=Orientation.choices, blank=True
    )
    workshop_title = models.CharField(_("titre de l'atelier"), max_length=200, blank=True)
    workshop_level = models.CharField(
        _("niveau de l'atelier"), max_length=16, choices=WorkshopLevel.choices, blank=True
    )
    tags = models.JSONField(_("étiquettes"), default=list, blank=True)
    participants_count = models.PositiveIntegerField(
        _("accompagnements"), default=1, help_text=_("1 pour un accompagnement individuel.")
    )
    anonymous_count = models.PositiveIntegerField(
        _("personnes anonymes"), default=1, help_text=_("Accompagnements sans bénéficiaire suivi·e.")
    )
    # Unique through a constraint (not ``unique=True``) so PostgreSQL gets no extra ``varchar_pattern_ops``
    # index: nothing searches ids by prefix, and every import writes this index.
    coop_id = models.CharField(_("identifiant Coop"), max_length=64, null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=ActivitySource.choices, default=ActivitySource.FORM
    )

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["mediator", "date"], name="activity_mediator_date"),
            models.Index(fields=["department", "date"], name="activity_department_date"),
            models.Index(fields=["epci", "date"], name="activity_epci_date"),
            models.Index(fields=["structure", "date"], name="activity_structure_date"),
            models.Index(fields=["commune", "date"], name="activity_commune_date"),
            # Partial: most activities happen at home, remotely or elsewhere (no directory place), and
            # every place filter (= or IN) implies NOT NULL; the import then skips this index for them.
            models.Index(
                fields=["place", "date"],
                name="activity_place_date_set",
                condition=models.Q(place__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=1439),
                name="activity_duration_range",
            ),
            models.CheckConstraint(condition=models.Q(participants_count__gte=1), name="activity_has_people"),
            models.UniqueConstraint(fields=["coop_id"], name="activity_coop_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y}"

    def compute_masks(self) -> None:
        self.themes_mask = mask_of(self.themes, Theme)
        self.procedures_mask = mask_of(self.procedures, Procedure)
        self.devices_mask = mask_of(self.devices, Device)

    def save(self, *args: object, **kwargs: object) -> None:
        self.compute_masks()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_individual(self) -> bool:
        return self.kind == ActivityKind.INDIVIDUAL

    def theme_labels(self) -> list[str]:
        return [str(Theme(t).label) for t in self.themes if t in Theme.values]

    def procedure_labels(self) -> list[str]:
        return [str(Procedure(t).label) for t in self.procedures if t in Procedure.values]

    def device_labels(self) -> list[str]:
        return [str(Device(t).label) for t in self.devices if t in Device.values]


class Beneficiary(TimestampedModel):
    """A followed person. Anonymous people have no row here: their attributes sit on the accompaniment."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("médiateur·rice"),
        on_delete=models.PROTECT,
        related_name="beneficiaries",
    )
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("année de naissance"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    age_band = models.CharField(_("tranche d'âge"), max_length=32, choices=AgeBand.choices, default=NOT_GIVEN)
    gender = models.CharField(_("genre"), max_length=16, choices=Gender.choices, default=NOT_GIVEN)
    social_status = models.CharField(
        _("statut social"), max_length=16, choices=SocialStatus.choices, default=NOT_GIVEN
    )
    residence_commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    informed_at = models.DateTimeField(
        _("informé·e le"),
        null=True,
        blank=True,
        help_text=_("Date à laquelle la personne a été informée du traitement de ses données."),
    )
    last_activity_date = models.DateField(_("dernier accompagnement"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("bénéficiaire suivi·e")
        verbose_name_plural = _("bénéficiaires suivi·es")
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["mediator", "anonymised_at"], name="beneficiary_mediator_anon")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(informed_at__isnull=False) | models.Q(anonymised_at__isnull=False),
                name="beneficiary_informed_or_anonymised",
            )
        ]

    def __str__(self) -> str:
        if self.anonymised_at:
            return str(_("Bénéficiaire anonymisé·e n° %(id)s") % {"id": self.pk})
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


class Accompaniment(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activité"), on_delete=models.CASCADE, related_name="accompaniments"
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("bénéficiaire suivi·e"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # partial index below: most accompaniments are anonymous (NULL)
        related_name="accompaniments",
    )
    age_band = models.CharField(_("tranche d'âge"), max_length=32, choices=AgeBand.choices, default=NOT_GIVEN)
    gender = models.CharField(_("genre"), max_length=16, choices=Gender.choices, default=NOT_GIVEN)
    social_status = models.CharField(
        _("statut social"), max_length=16, choices=SocialStatus.choices, default=NOT_GIVEN
    )
    residence_commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    already_accompanied = models.BooleanField(_("déjà accompagné·e"), null=True, blank=True)

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        indexes = [
            models.Index(
                fields=["beneficiary"],
                condition=models.Q(beneficiary__isnull=False),
                name="accompaniment_beneficiary",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "beneficiary"],
                condition=models.Q(beneficiary__isnull=False),
                name="accompaniment_unique_beneficiary",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} #{self.pk}"


class ParticipantCount(models.Model):
    """How many anonymous participants of a workshop fall in one category. Sums equal the total."""

    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        db_index=False,  # covered by the unique (activity, dimension, value)
        related_name="participant_counts",
    )
    dimension = models.CharField(max_length=16, choices=ParticipantDimension.choices)
    value = models.CharField(max_length=32)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("effectif de participants")
        verbose_name_plural = _("effectifs de participants")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "dimension", "value"], name="participant_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}: {self.count}"


class ActivityRollup(models.Model):
    """Pre-aggregated statistics. ``grain`` 'd' = per département (epci_id 0), 'e' = per EPCI.

    ``department_id``/``epci_id`` are plain integers (0 = unknown) so the upsert key has no NULL.
    Measures: activities (CRA count), accompaniments (weighted by participants), anonymous
    (accompaniments without a followed beneficiary: each counts as one person, like the Coop).
    """

    grain = models.CharField(max_length=1)
    dimension = models.CharField(max_length=20)
    department_id = models.IntegerField()
    epci_id = models.IntegerField()
    month = models.DateField()
    value = models.CharField(max_length=64)
    activities = models.IntegerField(default=0)
    accompaniments = models.IntegerField(default=0)
    anonymous = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("agrégat d'activité")
        verbose_name_plural = _("agrégats d'activité")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "department_id", "month", "dimension", "epci_id", "value"],
                name="activity_rollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "dimension", "month"], name="activity_rollup_dimension"),
            # What a statistics page reads (a département's months), answered from the index alone on
            # PostgreSQL: the rows of one département are scattered over the table (written month after
            # month, among every other département's), ~1 heap page read per row without it.
            models.Index(
                fields=["grain", "department_id", "month", "dimension", "value"],
                include=["activities", "accompaniments", "anonymous"],
                name="activity_rollup_read",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain}/{self.dimension}/{self.department_id}/{self.month}/{self.value}"


class ActivityPairRollup(models.Model):
    """National accompaniments crossed by two short dimensions, per month (``rollup.PAIR_DIMENSIONS``):
    one row per (month, pair, value pair) in the canonical order of the pair, with the cross-tab's
    weight (participants for two activity dimensions, accompaniments + anonymous workshop counts for a
    person dimension and an activity one, accompaniments only for two person dimensions)."""

    month = models.DateField()
    dim_a = models.CharField(max_length=20)
    value_a = models.CharField(max_length=64)
    dim_b = models.CharField(max_length=20)
    value_b = models.CharField(max_length=64)
    weight = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("agrégat croisé d'activité")
        verbose_name_plural = _("agrégats croisés d'activité")
        constraints = [
            models.UniqueConstraint(
                fields=["dim_a", "dim_b", "month", "value_a", "value_b"],
                name="activity_pair_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month}/{self.dim_a}={self.value_a}/{self.dim_b}={self.value_b}"


class ActivityRollupVersion(models.Model):
    """A counter per département (0 = unknown), bumped in the same transaction as every write of the
    rollup rows of that département: the statistics cache is keyed on it (``rollup.versions``)."""

    department_id = models.IntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("version de l'agrégat d'activité")
        verbose_name_plural = _("versions de l'agrégat d'activité")

    def __str__(self) -> str:
        return f"{self.department_id}: {self.version}"


class ActivityImportJob(models.Model):
    """One import of a Coop export or of the CSV template (history; idempotence is on coop_id)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None: imported by a command
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("fichier"), max_length=255, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("importé le"), auto_now_add=True)
    counts = models.JSONField(_("effectifs"), default=dict)

    class Meta:
        verbose_name = _("import d'activités")
        verbose_name_plural = _("imports d'activités")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y})"


class CoordinationActivity(TimestampedModel):
    """A coordinator's network activity (Coop ``ActiviteCoordination``)."""

    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinateur·rice"),
        on_delete=models.PROTECT,
        related_name="coordination_activities",
    )
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=12, choices=CoordinationKind.choices)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    name = models.CharField(_("intitulé"), max_length=200)
    territorial_level = models.CharField(
        _("échelon territorial"), max_length=16, choices=TerritorialLevel.choices
    )
    meeting_type = models.CharField(
        _("type d'animation"), max_length=24, choices=MeetingType.choices, blank=True
    )
    event_type = models.CharField(_("type d'événement"), max_length=24, choices=EventType.choices, blank=True)
    partnership_natures = models.JSONField(_("nature du partenariat"), default=list, blank=True)
    mediators_count = models.PositiveIntegerField(_("médiateur·rices présent·es"), default=0)
    structures_count = models.PositiveIntegerField(_("structures présentes"), default=0)
    other_actors_count = models.PositiveIntegerField(_("autres acteur·rices"), default=0)
    participants_count = models.PositiveIntegerField(_("participant·es"), default=0)
    tags = models.JSONField(_("étiquettes"), default=list, blank=True)

    class Meta:
        verbose_name = _("activité de coordination")
        verbose_name_plural = _("activités de coordination")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["coordinator", "date"], name="coordination_coord_date")]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d/%m/%Y})"

    @property
    def total_participants(self) -> int:
        return (
            self.mediators_count + self.structures_count + self.other_actors_count + self.participants_count
        )


class PendingTeamImport(models.Model):
    """A coordinator's team export waiting for the mapping of its mediators (nothing written yet).

    The file is held here between the upload and the confirmation (a team export holds no names of
    beneficiaries nor notes); deleted once imported, and by ``maillage purge`` after a day."""

    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("fichier"), max_length=255)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("import d'équipe en attente")
        verbose_name_plural = _("imports d'équipe en attente")

    def __str__(self) -> str:
        return self.filename


class TeamMemberLink(models.Model):
    """A coordinator's choice remembered: the mediator named ``key`` in the Coop's team exports (Conum id,
    e-mail or name, see ``importer.member_key``) is this user. Proposed first at the next import."""

    key = models.CharField(max_length=320)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rattachement d'un·e médiateur·rice de la Coop")
        verbose_name_plural = _("rattachements de médiateur·rices de la Coop")
        constraints = [models.UniqueConstraint(fields=["key", "mediator"], name="team_member_link_unique")]

    def __str__(self) -> str:
        return self.key
