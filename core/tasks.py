"""Celery entry points: thin, take ids, call one service."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="core.run_job", acks_late=True, ignore_result=True)
def run_job(*, job_id: int) -> str:
    return services.job_run(job_id=job_id, clock=timezone.now)


@shared_task(name="core.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict:
    return services.jobs_sweep(as_of=timezone.now())


@shared_task(name="core.purge_jobs", ignore_result=True)
def purge_jobs() -> int:
    return services.jobs_purge(as_of=timezone.now())


@shared_task(name="core.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    return services.idempotency_records_purge(as_of=timezone.now())
