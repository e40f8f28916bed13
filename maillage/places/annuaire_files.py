"""Printed annuaires as stored files: built once by a job, served from the media storage, rebuilt on change.

- The first request for a territory's annuaire queues the job ``places.annuaire`` and answers a page
  « en préparation » with an « Actualiser » link and ``Retry-After`` (no timed reload: WCAG 2.2.1, and no
  JavaScript needed); the job writes the PDF to the media
  storage (``annuaires/…``) and records it in ``AnnuaireFile``.
- Later requests serve that file as it is: two small queries and a file read, on every worker alike (not a
  per-process memory cache).
- A change to a place (save, delete, import) bumps the ``version`` of the annuaires of its commune, EPCI,
  département and région, and queues their rebuild. Until the new file is written, the last good one is
  served: it carries its own date (« Données à jour au … », « Imprimé le … ») and a ``Last-Modified``.
- The build reads the places without holding a transaction (on SQLite a write transaction would block the
  team for the length of a large build), then records the new file in one short transaction; the old file
  is deleted once that commits.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.core import jobs
from maillage.core.models import Job, JobStatus
from maillage.places import pdf
from maillage.places.models_annuaire import AnnuaireFile
from maillage.territories.models import Territory

logger = logging.getLogger("maillage.places.annuaire")

#: A failed build is not queued again by the public page before this delay (the failure is shown).
RETRY_AFTER_FAILURE = timedelta(minutes=10)
#: Seconds the « en préparation » page asks to wait before reloading (text and ``Retry-After``).
REFRESH_SECONDS = 5
_CHUNK = 500


def record_for(territory: Territory) -> AnnuaireFile:
    record = AnnuaireFile.objects.select_related("job").filter(territory=territory).first()
    if record is None:  # first request for this territory (get_or_create alone costs a savepoint each time)
        record, _created = AnnuaireFile.objects.select_related("job").get_or_create(territory=territory)
    return record


def is_pending(record: AnnuaireFile) -> bool:
    """A build is waiting or running for this annuaire."""
    return record.job is not None and record.job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def recently_failed(record: AnnuaireFile) -> bool:
    job = record.job
    return (
        job is not None
        and job.status == JobStatus.FAILED
        and job.finished_at is not None
        and timezone.now() - job.finished_at < RETRY_AFTER_FAILURE
    )


def queue_build(record: AnnuaireFile, *, actor: Any = None) -> Job:
    """Queue the build of ``record``'s file (the caller checked nothing is waiting already)."""
    from maillage.places.jobs import build_annuaire_job

    territory = record.territory
    job = jobs.enqueue(
        build_annuaire_job,
        actor=actor,
        territory_code=territory.code,
        label=_("Annuaire imprimable : %(name)s") % {"name": territory.name},
        territory_id=territory.pk,
    )
    AnnuaireFile.objects.filter(pk=record.pk).update(job=job)
    record.job = job
    return job


def ensure_build(record: AnnuaireFile, *, actor: Any = None) -> None:
    """Queue a build unless the file is fresh, one waits or runs already, or the last one failed just now.

    A build running since before a change ends by queuing one more (see ``build``).
    """
    if record.is_fresh or is_pending(record) or recently_failed(record):
        return
    queue_build(record, actor=actor)


def mark_stale(commune_ids: Iterable[int | None]) -> int:
    """Places of these communes changed: every stored annuaire containing one of them is out of date.

    Bumps their version and queues their rebuild (stored annuaires only: a territory nobody asked for is
    built on its first request). Returns the number of annuaires marked.
    """
    ids = sorted({pk for pk in commune_ids if pk})
    if not ids or not AnnuaireFile.objects.exists():
        return 0
    territory_ids: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        for row in Territory.objects.filter(pk__in=ids[start : start + _CHUNK]).values_list(
            "pk", "epci_id", "department_id", "region_id"
        ):
            territory_ids.update(pk for pk in row if pk)
    wanted = sorted(territory_ids)
    marked = 0
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marked += AnnuaireFile.objects.filter(territory_id__in=chunk).update(version=F("version") + 1)
        for record in AnnuaireFile.objects.filter(
            territory_id__in=chunk, built_version__isnull=False
        ).select_related("job", "territory"):
            ensure_build(record)
    return marked


def place_counts(kinds: Iterable[str]) -> dict[int, int]:
    """Published places of every territory of these kinds (commune, EPCI, département) holding at
    least one: one grouped query over the places, summed up by the communes' parents."""
    wanted = {str(kind) for kind in kinds}
    counts: dict[int, int] = {}
    rows = (
        pdf.public_places()
        .exclude(commune=None)
        .order_by()
        .values_list("commune_id", "commune__epci_id", "commune__department_id")
        .annotate(n=Count("pk"))
    )
    for commune_id, epci_id, department_id, count in rows:
        for kind, pk in (("commune", commune_id), ("epci", epci_id), ("department", department_id)):
            if pk and kind in wanted:
                counts[pk] = counts.get(pk, 0) + count
    return counts


def prebuild(
    territories: Iterable[Territory], *, force: bool = False, actor: Any = None
) -> dict[str, list[str]]:
    """Queue the build of each territory's annuaire ahead of its first request (``maillage
    prebuild-annuaires``). A fresh file is kept (rebuilt with ``force``), a build waiting or running is
    not queued twice, a territory of more than ``pdf.MAX_PLACES`` places is left out (its build would
    fail). Returns the territory codes by outcome: queued, fresh, pending, too_large, empty."""
    outcome: dict[str, list[str]] = {"queued": [], "fresh": [], "pending": [], "too_large": [], "empty": []}
    territories = list(territories)
    counts = place_counts({t.kind for t in territories})
    for territory in territories:
        count = counts.get(territory.pk, 0)
        if count == 0:
            outcome["empty"].append(territory.code)
            continue
        if count > pdf.MAX_PLACES:
            outcome["too_large"].append(territory.code)
            continue
        record = record_for(territory)
        if is_pending(record):
            outcome["pending"].append(territory.code)
            continue
        if record.is_fresh and not force:
            outcome["fresh"].append(territory.code)
            continue
        if record.is_fresh:  # forced: the stored file is out of date from now on
            AnnuaireFile.objects.filter(pk=record.pk).update(version=F("version") + 1)
            record.refresh_from_db()
        queue_build(record, actor=actor)
        outcome["queued"].append(territory.code)
    return outcome


def _file_name(territory: Territory) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"annuaires/{slugify(territory.name)[:60]}-{territory.code}-{stamp}-{uuid.uuid4().hex[:6]}.pdf"


def build(territory_id: int, *, progress: Any = None) -> dict[str, Any]:
    """Build and store the annuaire of a territory (the job's body). Returns the job's report."""
    territory = Territory.objects.filter(pk=territory_id).first()
    if territory is None:
        raise jobs.JobError(_("Ce territoire n'existe plus : l'annuaire n'a pas été produit."))
    record = record_for(territory)
    if record.is_fresh and default_storage.exists(record.file_name):
        return {"skipped": True, "places": record.place_count, "size": record.size}
    version = record.version
    count = pdf.public_places().in_territory(territory).count()
    if count > pdf.MAX_PLACES:
        raise jobs.JobError(
            _(
                "%(name)s compte %(count)d lieux : l'annuaire imprimé en contient %(max)d au plus. "
                "Choisissez une intercommunalité ou une commune."
            )
            % {"name": territory.name, "count": count, "max": pdf.MAX_PLACES}
        )
    if progress is not None:
        progress(_("Mise en page de %(count)d lieux") % {"count": count}, 0, count)
    started = time.monotonic()
    data = pdf.render_annuaire(territory)
    seconds = time.monotonic() - started
    name = default_storage.save(_file_name(territory), ContentFile(data))
    with transaction.atomic():
        previous = AnnuaireFile.objects.select_for_update().get(pk=record.pk).file_name
        AnnuaireFile.objects.filter(pk=record.pk).update(
            file_name=name,
            built_version=version,
            generated_at=timezone.now(),
            place_count=count,
            size=len(data),
            build_seconds=round(seconds, 3),
        )
        if previous and previous != name:
            transaction.on_commit(lambda: _delete_quietly(previous))
    record = AnnuaireFile.objects.select_related("job", "territory").get(pk=record.pk)
    if record.version != version and not (record.job is not None and record.job.status == JobStatus.QUEUED):
        queue_build(record)  # places changed during the build: once more
    logger.info("Annuaire %s built: %s places, %s bytes, %.1f s", territory.code, count, len(data), seconds)
    return {"places": count, "size": len(data), "seconds": round(seconds, 1), "url": url_for(territory)}


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # already gone, or the storage is read-only: the next purge will find it
        logger.warning("Could not delete the old annuaire file %s", name)


def url_for(territory: Territory) -> str:
    from django.urls import reverse

    return reverse("places:annuaire_pdf", args=[pdf.SLUG_BY_KIND[territory.kind], territory.code])


def download_name(territory: Territory) -> str:
    return pdf.annuaire_filename(territory)


# --- signals: a place saved or deleted one by one (imports call mark_stale themselves) -----------------


def _remember_commune(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or instance.pk is None or (update_fields is not None and "commune" not in update_fields):
        instance._annuaire_old_commune_id = None
        return
    instance._annuaire_old_commune_id = (
        type(instance).objects.filter(pk=instance.pk).values_list("commune_id", flat=True).first()
    )


def _place_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    mark_stale([instance.commune_id, getattr(instance, "_annuaire_old_commune_id", None)])


def _place_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    mark_stale([instance.commune_id])


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from maillage.places.models import Place

    pre_save.connect(_remember_commune, sender=Place, dispatch_uid="annuaire_remember_commune")
    post_save.connect(_place_saved, sender=Place, dispatch_uid="annuaire_place_saved")
    post_delete.connect(_place_deleted, sender=Place, dispatch_uid="annuaire_place_deleted")
