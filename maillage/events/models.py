"""Animation of the network: sessions (training, sensibilisation, network meeting, Numérique en Commun,
webinar), registrations with a waiting list, attendance, evaluation; and event projects (the NEC or a
meeting organised as a small project: committee, budget, checklist).

A registration is either a professional with an account (one click) or an outsider who typed a name, a
structure and an e-mail. A person registered twice is one: unique user and unique normalised e-mail per
session. Past capacity, registrations go to the waiting list (``services.register`` locks the session).
Outsiders' identities are blanked by ``retention.purge`` after ``EVENTS_RETENTION_DAYS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel


class SessionKind(models.TextChoices):
    TRAINING = "training", _("Module de formation")
    SENSIBILISATION = "sensibilisation", _("Sensibilisation")
    NETWORK_MEETING = "network_meeting", _("Rencontre du réseau")
    NEC = "nec", _("Numérique en Commun")
    WEBINAR = "webinar", _("Webinaire")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Publique (page et agenda ouverts)")
    PRIVATE = "private", _("Réservée aux professionnels du territoire")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Programmée")
    CANCELLED = "cancelled", _("Annulée")


class EventProject(TimestampedModel):
    """A network event organised as a small project (a NEC, a quarterly meeting)."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("intitulé"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=SessionKind.choices, default=SessionKind.NEC)
    organiser = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure organisatrice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.TextField(_("programme"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("projet d'événement")
        verbose_name_plural = _("projets d'événement")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class CommitteeMember(models.Model):
    project = models.ForeignKey(EventProject, on_delete=models.CASCADE, related_name="committee")
    name = models.CharField(_("nom"), max_length=200)
    organisation_name = models.CharField(_("structure"), max_length=250, blank=True)
    role = models.CharField(_("rôle dans le comité"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("membre du comité")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class BudgetKind(models.TextChoices):
    COST = "cost", _("Dépense")
    FUNDING = "funding", _("Financement")


class BudgetLine(models.Model):
    project = models.ForeignKey(EventProject, on_delete=models.CASCADE, related_name="budget_lines")
    kind = models.CharField(_("nature"), max_length=10, choices=BudgetKind.choices)
    label = models.CharField(_("intitulé"), max_length=200)
    funder = models.CharField(_("financeur"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("montant (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Vide : inconnu."),
    )
    confirmed = models.BooleanField(_("confirmé"), default=False)

    class Meta:
        verbose_name = _("ligne de budget")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.label


class ChecklistItem(models.Model):
    project = models.ForeignKey(EventProject, on_delete=models.CASCADE, related_name="checklist")
    label = models.CharField(_("tâche"), max_length=250)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    owner = models.CharField(_("responsable"), max_length=200, blank=True)
    done_on = models.DateField(_("faite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tâche")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.label


class Session(TimestampedModel):
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=20, choices=SessionKind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("programme et public visé"), blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("lieu (annuaire)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_remote = models.BooleanField(_("à distance"), default=False)
    remote_url = models.URLField(_("lien de connexion"), blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Vide : sans limite.")
    )
    speakers = models.CharField(_("formateurs ou intervenants"), max_length=500, blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    organiser = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure organisatrice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    module = models.ForeignKey(
        "training.Module",
        verbose_name=_("module de formation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        EventProject,
        verbose_name=_("projet d'événement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    evaluation_sent_at = models.DateTimeField(_("questionnaire envoyé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_at", "pk"]
        indexes = [models.Index(fields=["territory", "starts_at"], name="events_session_territory")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="events_session_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Inscrit")
    WAITING = "waiting", _("Liste d'attente")
    CANCELLED = "cancelled", _("Annulée")


class Attendance(models.TextChoices):
    PRESENT = "present", _("Présent")
    EXCUSED = "excused", _("Excusé")
    ABSENT = "absent", _("Absent")


class Registration(TimestampedModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    full_name = models.CharField(_("nom et prénom"), max_length=200)
    structure_name = models.CharField(_("structure"), max_length=250, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, editable=False)
    accessibility_needs = models.TextField(_("besoins d'accessibilité"), max_length=1000, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=RegistrationStatus.choices)
    attendance = models.CharField(_("présence"), max_length=10, choices=Attendance.choices, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    link_version = models.PositiveSmallIntegerField(default=1)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(user__isnull=False),
                name="events_registration_user_once",
            ),
            models.UniqueConstraint(
                fields=["session", "email_normalised"],
                condition=~Q(email_normalised=""),
                name="events_registration_email_once",
            ),
        ]
        indexes = [models.Index(fields=["session", "status"], name="events_registration_status")]

    def __str__(self) -> str:
        return self.full_name


class Evaluation(models.Model):
    """The short questionnaire after the session: four fixed questions (1 to 5) and free text."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="evaluation")
    answered_at = models.DateTimeField(auto_now_add=True)
    overall = models.PositiveSmallIntegerField(_("Satisfaction générale"))
    usefulness = models.PositiveSmallIntegerField(_("Utilité pour votre pratique"))
    organisation = models.PositiveSmallIntegerField(_("Organisation (lieu, horaires, accueil)"))
    speakers = models.PositiveSmallIntegerField(_("Qualité des intervenants"))
    comment = models.TextField(_("Commentaire libre"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("évaluation")
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__range=(1, 5))
                & Q(usefulness__range=(1, 5))
                & Q(organisation__range=(1, 5))
                & Q(speakers__range=(1, 5)),
                name="events_evaluation_scale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.overall}/5"
