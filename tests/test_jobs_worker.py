"""Durable background work against a real broker and a real Celery worker process."""

import os
import shutil
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from core.models import Job
from core.services import jobs_sweep
from tests.conftest import SERVICES_REQUIRED, client_for, missing_service, redis_url_from_env
from tests.support.celery_worker import private_redis, publishing_to, start_worker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.broker]


def _job_done(job_id: int):
    job = Job.objects.get(pk=job_id)
    return job if job.status == Job.Status.DONE else None


def test_celery_runs_for_real_in_tests_never_eagerly():
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert celery_app.conf.task_always_eager is False
    if SERVICES_REQUIRED:  # CI: the broker under test is the machine's Redis
        assert celery_app.conf.broker_url.startswith("redis://"), celery_app.conf.broker_url


def test_a_worker_process_runs_the_job_a_request_enqueued(manager):
    if redis_url_from_env() is None and SERVICES_REQUIRED:
        missing_service("CI runs this against Redis; set CELERY_BROKER_URL=redis://...")
    with start_worker() as worker:
        response = client_for(manager).post("/api/v1/platform/jobs/ping/")
        assert response.status_code == 202, response.content
        job = wait_for(lambda: _job_done(response.json()["id"]), timeout=30, what=f"the job to run\n{worker.log()}")
    # The handler ran in the worker's process, not in this one.
    assert job.result["pid"] == worker.pid != os.getpid()
    assert job.attempts == 1
    assert "core.run_job" in worker.log()


def test_a_request_succeeds_while_the_broker_is_down_and_the_work_runs_when_it_is_back(manager):
    if shutil.which("redis-server") is None:
        missing_service("needs the redis-server binary to start a broker of the test's own")
    with private_redis() as redis, publishing_to(redis.url):
        redis.stop()  # the broker is down

        started = time.monotonic()
        response = client_for(manager).post("/api/v1/platform/jobs/ping/")
        elapsed = time.monotonic() - started

        assert response.status_code == 202, response.content
        # A bound, not a benchmark: unbounded publish retries would hang for minutes.
        assert elapsed < 5, f"the request stalled {elapsed:.1f}s on the dead broker"
        job = Job.objects.get(pk=response.json()["id"])
        assert job.status == Job.Status.PENDING  # committed with the change, not lost

        redis.start()  # back, but empty: the message published during the outage is gone
        with start_worker(broker_url=redis.url) as worker:
            time.sleep(2)
            assert Job.objects.get(pk=job.pk).status == Job.Status.PENDING
            redispatch = timedelta(seconds=settings.DEBITOR_JOBS["REDISPATCH_AFTER_SECONDS"])
            swept = jobs_sweep(as_of=timezone.now() + redispatch)
            assert swept["dispatched"] == 1
            done = wait_for(lambda: _job_done(job.pk), timeout=30, what=f"the swept job to run\n{worker.log()}")
    assert done.result["pid"] == worker.pid


def test_an_event_written_by_a_job_in_the_worker_names_the_job_as_its_actor(manager):
    """The actor travels into the worker process: an invoice issued through the API is rendered
    there, and the 'documents created' event names the job kind, not the user who issued it."""
    from core.models import Event
    from invoicing.services.documents import RENDER_JOB
    from invoicing.tests.factories import make_company_profile, make_draft, seed_rates_and_terms

    if redis_url_from_env() is None and SERVICES_REQUIRED:
        missing_service("CI runs this against Redis; set CELERY_BROKER_URL=redis://...")
    seed_rates_and_terms()
    make_company_profile()
    draft = make_draft()
    with start_worker() as worker:
        response = client_for(manager).post(f"/api/v1/invoices/{draft.pk}/issue/")
        assert response.status_code == 200, response.content
        job = Job.objects.get(kind=RENDER_JOB, payload__invoice_id=draft.pk)
        wait_for(lambda: _job_done(job.pk), timeout=90, what=f"the documents to render\n{worker.log()}")
    issued = Event.objects.get(type="invoice.issued", object_id=draft.pk)
    assert (issued.actor_kind, issued.actor_user_id) == ("user", manager.pk)
    created = Event.objects.get(type="invoice.documents_created", object_id=draft.pk)
    assert (created.actor_kind, created.actor_name) == ("system", f"job:{RENDER_JOB}")
