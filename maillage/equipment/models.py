"""The refurbishment loop: donations → devices through the workshop → allocation to a person → follow-up.

A device belongs to the territory that runs the loop (a département or an EPCI). Its life is a small
state machine (``services.TRANSITIONS``) whose every step is kept in ``DeviceEvent``. A person receiving
a device is identified only by a first name or initials, the commune and the priority criteria met;
the identity is anonymised after ``EQUIPMENT_IDENTITY_RETENTION_DAYS`` by ``retention.purge``.
Unknown is not zero: dates, costs, counts and declared states may be left « non renseigné ».
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel


class DonorKind(models.TextChoices):
    COMPANY = "company", _("Entreprise")
    COLLECTIVITY = "collectivity", _("Collectivité")
    PUBLIC_BODY = "public_body", _("Établissement public")
    ASSOCIATION = "association", _("Association")
    INDIVIDUAL = "individual", _("Particulier")
    OTHER = "other", _("Autre")


class Donor(TimestampedModel):
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type de donateur"), max_length=20, choices=DonorKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure du territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)

    class Meta:
        verbose_name = _("donateur")
        verbose_name_plural = _("donateurs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="equipment_donor_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class LegalFrame(models.TextChoices):
    CONVENTION = "convention", _("Convention de cession")
    DELIBERATION = "deliberation", _("Délibération")
    GIFT_LETTER = "gift_letter", _("Lettre de don")
    PURCHASE = "purchase", _("Achat")
    OTHER = "other", _("Autre")


class Donation(TimestampedModel):
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    donor = models.ForeignKey(
        Donor, verbose_name=_("donateur"), on_delete=models.PROTECT, related_name="donations"
    )
    received_on = models.DateField(_("reçu le"), null=True, blank=True)
    legal_frame = models.CharField(
        _("cadre juridique"), max_length=20, choices=LegalFrame.choices, blank=True
    )
    reference = models.CharField(_("référence (convention, délibération)"), max_length=120, blank=True)
    decided_on = models.DateField(_("date de la délibération ou de la convention"), null=True, blank=True)
    document = models.FileField(_("document"), upload_to="equipment/donations/%Y/", blank=True)
    declared_count = models.PositiveIntegerField(
        _("nombre d'appareils annoncés"),
        null=True,
        blank=True,
        help_text=_("Le don initial, pour calculer la perte : laisser vide s'il n'est pas connu."),
    )
    notes = models.TextField(_("observations"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("don")
        verbose_name_plural = _("dons")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.label_for(str(self.donor), self.received_on)

    @staticmethod
    def label_for(donor_name: str, received_on: Any) -> str:
        return f"{donor_name} ({received_on:%d/%m/%Y})" if received_on else donor_name


class DeviceKind(models.TextChoices):
    LAPTOP = "laptop", _("Ordinateur portable")
    DESKTOP = "desktop", _("Ordinateur fixe")
    TABLET = "tablet", _("Tablette")
    SMARTPHONE = "smartphone", _("Smartphone")
    SCREEN = "screen", _("Écran")
    PRINTER = "printer", _("Imprimante")
    OTHER = "other", _("Autre")


COMPUTER_KINDS = (DeviceKind.LAPTOP, DeviceKind.DESKTOP)


class DeclaredState(models.TextChoices):
    WORKING = "working", _("Fonctionne")
    TO_CHECK = "to_check", _("À vérifier")
    BROKEN = "broken", _("En panne")


class DeviceState(models.TextChoices):
    RECEIVED = "received", _("Reçu")
    DIAGNOSED = "diagnosed", _("Diagnostiqué")
    REFURBISHING = "refurbishing", _("En reconditionnement")
    READY = "ready", _("Prêt")
    RESERVED = "reserved", _("Réservé")
    GIVEN = "given", _("Remis")
    SCRAPPED = "scrapped", _("Mis au rebut")


class ScrapReason(models.TextChoices):
    BEYOND_REPAIR = "beyond_repair", _("Irréparable")
    PARTS_TOO_COSTLY = "parts_too_costly", _("Pièces trop coûteuses")
    DATA_NOT_ERASABLE = "data_not_erasable", _("Données impossibles à effacer")
    OBSOLETE = "obsolete", _("Trop ancien pour un usage actuel")
    MISSING_PARTS = "missing_parts", _("Pièces manquantes")
    OTHER = "other", _("Autre")


class ErasureMethod(models.TextChoices):
    SOFTWARE_OVERWRITE = "overwrite", _("Réécriture logicielle certifiée (ex. : nwipe, Blancco)")
    SECURE_ERASE = "secure_erase", _("Effacement sécurisé du fabricant (ATA / NVMe Secure Erase)")
    FACTORY_RESET_ENCRYPTED = "factory_reset", _("Réinitialisation d'usine d'un appareil chiffré")
    STORAGE_REPLACED = "storage_replaced", _("Support de stockage remplacé et détruit")


class Device(TimestampedModel):
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    donation = models.ForeignKey(
        Donation, verbose_name=_("don"), on_delete=models.PROTECT, related_name="devices"
    )
    asset_tag = models.CharField(_("numéro d'inventaire"), max_length=30, unique=True)
    source_key = models.CharField(
        _("identifiant dans l'inventaire importé"), max_length=80, blank=True, db_index=True
    )
    kind = models.CharField(_("type"), max_length=20, choices=DeviceKind.choices)
    brand = models.CharField(_("marque"), max_length=80, blank=True)
    model = models.CharField(_("modèle"), max_length=120, blank=True)
    serial_number = models.CharField(_("numéro de série"), max_length=80, blank=True)
    declared_state = models.CharField(
        _("état déclaré au don"), max_length=20, choices=DeclaredState.choices, blank=True
    )
    state = models.CharField(
        _("état"), max_length=20, choices=DeviceState.choices, default=DeviceState.RECEIVED
    )
    state_changed_at = models.DateTimeField(_("état depuis le"), null=True, blank=True)
    scrap_reason = models.CharField(
        _("motif de mise au rebut"), max_length=30, choices=ScrapReason.choices, blank=True
    )
    workshop_place = models.ForeignKey(
        "places.Place",
        verbose_name=_("atelier (lieu)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    operating_system = models.CharField(_("système installé"), max_length=120, blank=True)
    erased_at = models.DateField(_("données effacées le"), null=True, blank=True)
    erasure_method = models.CharField(
        _("méthode d'effacement"), max_length=20, choices=ErasureMethod.choices, blank=True
    )
    erasure_reference = models.CharField(
        _("référence du certificat d'effacement"), max_length=120, blank=True
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("effacé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Running totals of the device's log, kept by the services in the same transaction as the log rows
    # (see ``totals.py``): the figures read one row per device instead of scanning the log.
    refurbished_at = models.DateTimeField(_("prêt pour la première fois le"), null=True, blank=True)
    minutes_spent = models.PositiveIntegerField(_("temps passé (minutes)"), null=True, blank=True)
    parts_count = models.PositiveIntegerField(_("pièces ajoutées"), default=0)
    parts_without_cost = models.PositiveIntegerField(_("pièces sans coût connu"), default=0)
    parts_cost_known = models.DecimalField(
        _("coût connu des pièces"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("appareil")
        verbose_name_plural = _("appareils")
        ordering = ["asset_tag"]
        indexes = [
            models.Index(fields=["territory", "state"], name="equipment_device_state"),
            models.Index(fields=["territory", "serial_number"], name="equipment_device_serial"),
            models.Index(fields=["workshop_place", "state"], name="equipment_device_place"),
            # The workshop list: a state, oldest change first, read in index order up to the page.
            models.Index(fields=["state", "state_changed_at", "id"], name="equipment_device_queue"),
            # The figures and the workshop's stock read this index only, never the wide rows (PostgreSQL:
            # 4.6 MB for 50 000 devices against 23 MB of table), in the order of the figures' GROUP BY.
            models.Index(
                fields=["territory", "state", "kind", "donation", "scrap_reason"],
                include=[
                    "workshop_place",
                    "refurbished_at",
                    "minutes_spent",
                    "parts_cost_known",
                    "parts_without_cost",
                    "parts_count",
                    "id",
                ],
                name="equipment_device_figures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="scrapped") | ~Q(scrap_reason=""), name="equipment_scrapped_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="given") | Q(erased_at__isnull=False), name="equipment_given_is_erased"
            ),
        ]

    def __str__(self) -> str:
        label = " ".join(part for part in (self.brand, self.model) if part) or self.get_kind_display()
        return f"{self.asset_tag} — {label}"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class EventKind(models.TextChoices):
    CREATED = "created", _("Enregistrement")
    TRANSITION = "transition", _("Changement d'état")
    CORRECTION = "correction", _("Correction")
    PART = "part", _("Pièce ajoutée")
    ERASURE = "erasure", _("Effacement des données")
    ALLOCATION = "allocation", _("Attribution")


class DeviceEvent(models.Model):
    """What happened to a device, by whom and when (the workshop's log; append-only in services)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("nature"), max_length=20, choices=EventKind.choices)
    from_state = models.CharField(_("de"), max_length=20, choices=DeviceState.choices, blank=True)
    to_state = models.CharField(_("vers"), max_length=20, choices=DeviceState.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("par"), max_length=200, blank=True)
    at = models.DateTimeField(_("le"), db_index=True)
    minutes_spent = models.PositiveIntegerField(_("temps passé (minutes)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("événement d'atelier")
        verbose_name_plural = _("événements d'atelier")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y}"


class PartKind(models.TextChoices):
    STORAGE = "storage", _("Disque dur / SSD")
    RAM = "ram", _("Mémoire vive")
    BATTERY = "battery", _("Batterie")
    CHARGER = "charger", _("Chargeur")
    SCREEN = "screen", _("Écran / dalle")
    KEYBOARD = "keyboard", _("Clavier")
    OTHER = "other", _("Autre")


class PartUsage(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(_("pièce"), max_length=20, choices=PartKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantité"), default=1)
    unit_cost = models.DecimalField(
        _("coût unitaire (€)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("ajoutée le"))

    class Meta:
        verbose_name = _("pièce utilisée")
        verbose_name_plural = _("pièces utilisées")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def total_cost(self):  # type: ignore[no-untyped-def]
        return None if self.unit_cost is None else self.unit_cost * self.quantity


class PriorityCriterion(models.Model):
    """A priority criterion the territory sets (minima sociaux, pas d'équipement au foyer…)."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=200)
    is_active = models.BooleanField(_("en vigueur"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère de priorité")
        verbose_name_plural = _("critères de priorité")
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="equipment_criterion_unique_code")
        ]

    def __str__(self) -> str:
        return self.label


class AllocationStatus(models.TextChoices):
    RESERVED = "reserved", _("Réservé")
    GIVEN = "given", _("Remis")
    CANCELLED = "cancelled", _("Annulé")


class AgreementKind(models.TextChoices):
    GIFT = "gift", _("Don")
    LOAN = "loan", _("Prêt")


class Allocation(TimestampedModel):
    """A device reserved for, then handed to, a person oriented by a prescriber."""

    device = models.ForeignKey(
        Device, verbose_name=_("appareil"), on_delete=models.PROTECT, related_name="allocations"
    )
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    referral = models.ForeignKey(
        "pathways.Referral",
        verbose_name=_("orientation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    diagnostic = models.ForeignKey(
        "pathways.Diagnostic",
        verbose_name=_("diagnostic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person_label = models.CharField(_("prénom ou initiales"), max_length=60, blank=True)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune de la personne"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    criteria = models.ManyToManyField(PriorityCriterion, verbose_name=_("critères de priorité"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=AllocationStatus.choices, default=AllocationStatus.RESERVED
    )
    reserved_at = models.DateTimeField(_("réservé le"))
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    training_completed_on = models.DateField(_("formation à l'usage suivie le"), null=True, blank=True)
    training_activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("séance de formation (activité)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    training_session = models.ForeignKey(
        "events.Session",
        verbose_name=_("séance de formation (agenda)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agreement_kind = models.CharField(_("nature"), max_length=10, choices=AgreementKind.choices, blank=True)
    agreement_signed = models.BooleanField(_("convention signée"), default=False)
    follow_up_consent = models.BooleanField(_("accord pour le suivi à six mois"), default=False)
    cancelled_reason = models.CharField(_("motif d'annulation"), max_length=200, blank=True)
    identity_anonymised_at = models.DateTimeField(_("identité anonymisée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["-reserved_at", "-pk"]
        constraints = [
            # A device is reserved or given to one person at a time, and given once.
            models.UniqueConstraint(
                fields=["device"], condition=~Q(status="cancelled"), name="equipment_one_live_allocation"
            ),
        ]
        indexes = [models.Index(fields=["territory", "status"], name="equipment_alloc_status")]

    def __str__(self) -> str:
        return f"{self.device.asset_tag} → {self.person_label or '—'}"


class StillUsed(models.TextChoices):
    YES = "yes", _("Oui, régulièrement")
    SOMETIMES = "sometimes", _("Parfois")
    NO = "no", _("Non")
    UNREACHABLE = "unreachable", _("Personne injoignable")


class FollowUpUse(models.TextChoices):
    PROCEDURES = "procedures", _("Démarches administratives")
    COMMUNICATION = "communication", _("Échanger avec ses proches")
    JOB = "job", _("Recherche d'emploi")
    TRAINING = "training", _("Formation, scolarité")
    HEALTH = "health", _("Santé")
    LEISURE = "leisure", _("Loisirs, information")


class FollowUpProblem(models.TextChoices):
    NONE = "none", _("Aucun")
    HARDWARE = "hardware", _("Panne matérielle")
    SOFTWARE = "software", _("Problème logiciel")
    CONNECTION = "connection", _("Pas de connexion internet")
    SKILLS = "skills", _("Difficulté d'utilisation")
    LOST = "lost", _("Perdu, volé ou revendu")
    OTHER = "other", _("Autre")


class FollowUp(models.Model):
    """The +6 months check: answers are kept as statistics, never as a story about the person."""

    allocation = models.OneToOneField(Allocation, on_delete=models.CASCADE, related_name="follow_up")
    due_on = models.DateField(_("à faire à partir du"), db_index=True)
    done_at = models.DateTimeField(_("fait le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    still_used = models.CharField(
        _("l'appareil est-il utilisé ?"), max_length=20, choices=StillUsed.choices, blank=True
    )
    uses = models.JSONField(_("usages"), default=list, blank=True)
    problem = models.CharField(
        _("problème rencontré"), max_length=20, choices=FollowUpProblem.choices, blank=True
    )

    class Meta:
        verbose_name = _("suivi à six mois")
        verbose_name_plural = _("suivis à six mois")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.allocation_id} ({self.due_on:%d/%m/%Y})"


class DataVersion(models.Model):
    """The version of a territory's loop data: every service that writes devices, their log or parts,
    donations, donors, allocations, follow-ups or priority criteria bumps it in its own transaction
    (``versions.bump``). The pages keep their figures in the cache under the versions they were computed
    from, so a write is seen at once and nothing is computed twice for the same data.

    ``token`` is drawn anew at each bump: unlike the counter, it never repeats after a restored backup,
    so a shared cache cannot serve figures of the lost timeline.
    """

    territory = models.OneToOneField(
        "territories.Territory", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveBigIntegerField(_("version"), default=0)
    token = models.CharField(_("jeton"), max_length=32)

    class Meta:
        verbose_name = _("version des données du reconditionnement")
        verbose_name_plural = _("versions des données du reconditionnement")

    def __str__(self) -> str:
        return f"{self.territory_id} v{self.version}"
