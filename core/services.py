"""Platform services: durable background jobs, API keys, idempotency housekeeping.

Job semantics (the transactional-outbox pattern): ``job_enqueue`` writes the row in
the caller's transaction and publishes its id after commit; ``jobs_sweep`` (beat)
publishes again whatever the broker or a dead worker dropped; ``job_run`` locks the
row and checks its status, so a duplicate delivery is harmless. Work is therefore
at-least-once, and handlers are idempotent by their own status checks.

Only work due within ``MAX_BROKER_DELAY_SECONDS`` is published with an ETA. Later work
(a scheduled job, a long backoff) waits in the job table, never dispatched, and the sweeper
publishes it once it is due: Redis redelivers a delayed message nobody acknowledged after
its visibility timeout, so hours of ETA in the broker meant duplicates and surprises.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from .events import actor_for_system, event_record
from .followups import followup_kind_register, followup_open
from .jobs import handler_for
from .models import ApiKey, IdempotencyRecord, Job

logger = logging.getLogger(__name__)


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help (e.g. the row it needs is gone)."""


def _jobs_setting(name: str) -> int:
    return settings.DEBITOR_JOBS[name]


def job_enqueue(
    *,
    kind: str,
    as_of: datetime,
    payload: dict | None = None,
    run_after: datetime | None = None,
    dedupe_key: str = "",
    created_by=None,
    max_attempts: int | None = None,
) -> Job:
    """Record work caused by a change; it is published to the broker after commit.

    Call it inside the transaction of the change. With a ``dedupe_key``, enqueueing the
    same work while it is still pending or running returns the existing job.
    """
    handler_for(kind)  # an unknown kind is a programming error: fail the change now
    run_after = run_after or as_of
    with transaction.atomic():
        if dedupe_key:
            existing = Job.objects.filter(
                kind=kind, dedupe_key=dedupe_key, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
            ).first()
            if existing is not None:
                return existing
        job = Job(
            kind=kind,
            payload=payload or {},
            dedupe_key=dedupe_key,
            run_after=run_after,
            max_attempts=max_attempts or _jobs_setting("MAX_ATTEMPTS"),
            created_at=as_of,
            created_by=created_by,
        )
        publish = _job_plan_dispatch(job=job, now=as_of)
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            if not dedupe_key:
                raise
            # A concurrent transaction enqueued the same work first.
            return Job.objects.get(
                kind=kind, dedupe_key=dedupe_key, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
            )
        if publish:
            transaction.on_commit(
                partial(job_dispatch, job_id=job.pk, eta=job.run_after if job.run_after > as_of else None)
            )
    return job


def _job_plan_dispatch(*, job: Job, now: datetime) -> bool:
    """Decide whether a pending job is published now (with an ETA) or left to the sweeper.

    Sets ``dispatched_at`` accordingly: published jobs count as dispatched at their due time
    (the sweeper publishes again only if nobody picked them up ``REDISPATCH_AFTER_SECONDS``
    later); a job due beyond the broker cap stays undispatched, so the first sweep after its
    due time publishes it.
    """
    if job.run_after - now <= timedelta(seconds=_jobs_setting("MAX_BROKER_DELAY_SECONDS")):
        job.dispatched_at = job.run_after
        return True
    job.dispatched_at = None
    return False


def job_dispatch(*, job_id: int, eta: datetime | None = None) -> bool:
    """Publish a job's id to the broker. Never raises: the sweeper covers a failure.

    The publish retry policy is bounded (settings.CELERY_TASK_PUBLISH_RETRY_POLICY), so
    a request whose broker is down still answers within about two seconds.
    """
    from .tasks import run_job

    try:
        run_job.apply_async(kwargs={"job_id": job_id}, eta=eta, retry=True)
    except Exception:  # noqa: BLE001 - any broker failure must not reach the user
        logger.warning("Could not publish job %s; the sweeper will dispatch it.", job_id, exc_info=True)
        return False
    return True


def job_backoff(*, attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt, capped."""
    base = _jobs_setting("BACKOFF_BASE_SECONDS")
    cap = _jobs_setting("BACKOFF_MAX_SECONDS")
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def job_run(*, job_id: int, clock: Callable[[], datetime]) -> str:
    """Run one delivery of a job; returns what happened (for logs and tests).

    The row is claimed under a lock (``skip_locked``: a concurrent duplicate delivery
    simply returns) and marked running in its own commit before the handler starts, so
    a crash leaves a visible ``running`` row that the sweeper recovers after the lease.
    """
    now = clock()
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            return "missing_or_locked"
        if job.status != Job.Status.PENDING:
            return f"skipped_{job.status}"
        if job.run_after > now:
            return "not_due"
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = now
        job.save(update_fields=["status", "attempts", "started_at"])

    try:
        handler = handler_for(job.kind)
        # Events the handler writes name the job kind as their actor.
        with actor_for_system(f"job:{job.kind}"):
            result = handler(**job.payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        permanent = isinstance(exc, (PermanentJobError, LookupError, TypeError, ValidationError))
        status = _job_record_failure(job_id=job.pk, error=traceback.format_exc(), permanent=permanent, now=clock())
        return "failed" if status == Job.Status.FAILED else "retry"

    with transaction.atomic():
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.DONE,
            finished_at=clock(),
            last_error="",
            result=result if isinstance(result, (dict, list)) else None,
        )
    return "done"


def _job_record_failure(*, job_id: int, error: str, permanent: bool, now: datetime) -> str:
    """Record a failed attempt: retry later with backoff, or give up. Returns the new status."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Job.Status.RUNNING:
            return job.status
        job.last_error = error[-8000:]
        if permanent or job.attempts >= job.max_attempts:
            _job_fail(job=job, now=now)
        else:
            job.status = Job.Status.PENDING
            job.run_after = now + job_backoff(attempts=job.attempts)
            publish = _job_plan_dispatch(job=job, now=now)
            job.save(update_fields=["status", "run_after", "dispatched_at", "last_error"])
            if publish:
                transaction.on_commit(partial(job_dispatch, job_id=job.pk, eta=job.run_after))
    return job.status


JOB_FAILED_TASK_KIND = followup_kind_register("job_failed", gettext_lazy("background job failed"))


def _job_fail(*, job: Job, now: datetime) -> None:
    job.status = Job.Status.FAILED
    job.finished_at = now
    job.save(update_fields=["status", "finished_at", "last_error"])
    # A person has to look at work the system gave up on.
    followup_open(
        kind=JOB_FAILED_TASK_KIND,
        about=job,
        title=gettext("Background job failed: %(kind)s #%(id)s") % {"kind": job.kind, "id": job.pk},
        description=job.last_error.strip().splitlines()[-1] if job.last_error.strip() else "",
        rule="core.job_failed",
        as_of=now,
    )


def jobs_sweep(*, as_of: datetime, batch_size: int = 500) -> dict[str, int]:
    """Beat: recover jobs whose worker died, and dispatch due jobs nobody picked up."""
    lease = timedelta(seconds=_jobs_setting("LEASE_SECONDS"))
    redispatch_after = timedelta(seconds=_jobs_setting("REDISPATCH_AFTER_SECONDS"))
    recovered = failed = 0
    with transaction.atomic():
        stale = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.RUNNING, started_at__lte=as_of - lease)
            .order_by("pk")[:batch_size]
        )
        for job in stale:
            job.last_error = (
                f"The worker running attempt {job.attempts} stopped without finishing "
                f"(started {job.started_at.isoformat()})."
            )
            if job.attempts >= job.max_attempts:
                _job_fail(job=job, now=as_of)
                failed += 1
            else:
                job.status = Job.Status.PENDING
                job.run_after = as_of
                job.dispatched_at = None
                job.save(update_fields=["status", "run_after", "dispatched_at", "last_error"])
                recovered += 1

    with transaction.atomic():
        due_ids = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.PENDING, run_after__lte=as_of)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=as_of - redispatch_after))
            .order_by("run_after", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        Job.objects.filter(pk__in=due_ids).update(dispatched_at=as_of)
        for job_id in due_ids:
            transaction.on_commit(partial(job_dispatch, job_id=job_id))
    return {"recovered": recovered, "failed": failed, "dispatched": len(due_ids)}


def job_ping(*, as_of: datetime, created_by=None) -> Job:
    """Queue a no-op job to check that workers run (poll it until it is done)."""
    with transaction.atomic():
        job = job_enqueue(kind="core.ping", as_of=as_of, created_by=created_by)
        event_record(type="job.pinged", obj=job, data={"kind": job.kind}, at=as_of)
    return job


def job_retry(*, job: Job, as_of: datetime) -> Job:
    """A finance manager retries a failed or cancelled job from scratch."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in {Job.Status.FAILED, Job.Status.CANCELLED}:
            raise ValidationError(
                {"status": f"Only failed or cancelled jobs can be retried; this one is {job.status}."}
            )
        event_record(type="job.retried", obj=job, data={"kind": job.kind, "from_status": job.status}, at=as_of)
        job.status = Job.Status.PENDING
        job.attempts = 0
        job.run_after = as_of
        job.dispatched_at = as_of
        job.finished_at = None
        job.save(update_fields=["status", "attempts", "run_after", "dispatched_at", "finished_at"])
        transaction.on_commit(partial(job_dispatch, job_id=job.pk))
    return job


def job_cancel(*, job: Job, as_of: datetime) -> Job:
    """Stop a pending or failed job from running (a running one cannot be stopped)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in {Job.Status.PENDING, Job.Status.FAILED}:
            raise ValidationError(
                {"status": f"Only pending or failed jobs can be cancelled; this one is {job.status}."}
            )
        event_record(type="job.cancelled", obj=job, data={"kind": job.kind, "from_status": job.status}, at=as_of)
        job.status = Job.Status.CANCELLED
        job.finished_at = as_of
        job.save(update_fields=["status", "finished_at"])
    return job


def jobs_purge(*, as_of: datetime, batch_size: int = 1000, max_batches: int = 50) -> int:
    """Beat: delete done jobs finished more than ``RETENTION_DAYS`` before ``as_of``.

    Failed and cancelled jobs are kept: a person still has to decide about them. Deletes in
    batches of ``batch_size`` rows, each in its own short transaction (no long lock, no
    unbounded DELETE), at most ``max_batches`` per run; a backlog is finished by the next
    runs. Idempotent: a second run with the same ``as_of`` deletes nothing. Returns the
    number of jobs deleted.
    """
    days = _jobs_setting("RETENTION_DAYS")
    if days < 1:
        raise ImproperlyConfigured(f"DEBITOR_JOBS['RETENTION_DAYS'] must be at least 1, not {days}.")
    cutoff = as_of - timedelta(days=days)
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic():
            ids = list(
                Job.objects.filter(status=Job.Status.DONE, finished_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if ids:
                # Re-checked in the DELETE: a finance manager may have retried one meanwhile.
                count, _ = Job.objects.filter(pk__in=ids, status=Job.Status.DONE).delete()
                deleted += count
        if len(ids) < batch_size:
            break
    return deleted


def idempotency_records_purge(*, as_of: datetime) -> int:
    """Forget Idempotency-Key responses older than their retention (24 h)."""
    cutoff = as_of - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def api_key_create(
    *, name: str, scopes: list[str], created_by, expiry_date: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create an API key; the plaintext is returned once and never stored."""
    from .api.scopes import validate_scopes

    validate_scopes(scopes)
    with transaction.atomic():
        api_key, plaintext = ApiKey.objects.create_key(
            name=name, scopes=sorted(set(scopes)), created_by=created_by, expiry_date=expiry_date
        )
    return api_key, plaintext
