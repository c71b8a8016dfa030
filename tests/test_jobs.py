"""core.services job lifecycle: enqueue on commit, run once, retry, give up, recover, sweep."""

import threading
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction

from core import jobs, services
from core.models import Job
from tasks.models import FollowUpTask

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
REDISPATCH = timedelta(seconds=settings.DEBITOR_JOBS["REDISPATCH_AFTER_SECONDS"])
LEASE = timedelta(seconds=settings.DEBITOR_JOBS["LEASE_SECONDS"])
MAX_BROKER_DELAY = timedelta(seconds=settings.DEBITOR_JOBS["MAX_BROKER_DELAY_SECONDS"])
SWEEP_EVERY = timedelta(seconds=30)  # core.schedules: "Dispatch due background jobs"


@pytest.fixture
def calls():
    """A job kind 'test.record' whose handler records its payloads and can be made to fail."""

    class Recorded(list):
        behaviour = {"fail": None}

    recorded = Recorded()
    behaviour = recorded.behaviour = {"fail": None}

    def handler(**payload):
        recorded.append(payload)
        if behaviour["fail"] is not None:
            raise behaviour["fail"]
        return {"seen": payload}

    jobs._HANDLERS["test.record"] = handler
    yield recorded
    del jobs._HANDLERS["test.record"]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def published():
    with mock.patch("core.tasks.run_job.apply_async") as apply_async:
        yield apply_async


def test_a_job_is_published_only_after_its_transaction_commits(calls, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            job = services.job_enqueue(kind="test.record", payload={"invoice_id": 7}, as_of=T0)
            assert published.call_count == 0  # the worker must not look for a row that is not there yet
    assert len(callbacks) == 1
    published.assert_called_once_with(kwargs={"job_id": job.pk}, eta=None, retry=True)
    assert job.status == Job.Status.PENDING and job.run_after == T0


def test_a_rolled_back_change_leaves_no_job_and_publishes_nothing(calls, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.job_enqueue(kind="test.record", as_of=T0)
            raise RuntimeError("the change failed")
    assert not Job.objects.exists()
    assert published.call_count == 0


def test_an_unknown_job_kind_fails_the_change_at_once():
    with pytest.raises(LookupError, match="no.such.kind"):
        services.job_enqueue(kind="no.such.kind", as_of=T0)


def test_a_dedupe_key_returns_the_active_job_instead_of_a_second(calls, published):
    first = services.job_enqueue(kind="test.record", as_of=T0, dedupe_key="customer:1")
    again = services.job_enqueue(kind="test.record", as_of=T0, dedupe_key="customer:1")
    assert again.pk == first.pk
    services.job_run(job_id=first.pk, clock=Clock(T0))
    later = services.job_enqueue(kind="test.record", as_of=T0, dedupe_key="customer:1")
    assert later.pk != first.pk  # the first one is done: new work is new


def test_running_a_job_calls_its_handler_once_and_stores_the_result(calls, published):
    job = services.job_enqueue(kind="test.record", payload={"invoice_id": 7}, as_of=T0)
    assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "done"
    assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "skipped_done"  # a duplicate delivery
    job.refresh_from_db()
    assert calls == [{"invoice_id": 7}]
    assert (job.status, job.attempts, job.result) == (Job.Status.DONE, 1, {"seen": {"invoice_id": 7}})


def test_a_job_is_not_run_before_it_is_due(calls, published, django_capture_on_commit_callbacks):
    soon = T0 + MAX_BROKER_DELAY  # still within the broker's delay cap: published with an ETA
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_enqueue(kind="test.record", as_of=T0, run_after=soon)
    assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "not_due"
    assert calls == []
    published.assert_called_once()
    assert published.call_args.kwargs["eta"] == soon


def test_a_failing_job_is_retried_with_growing_backoff(calls, published):
    calls.behaviour["fail"] = ConnectionError("provider timed out")
    job = services.job_enqueue(kind="test.record", as_of=T0)
    clock = Clock(T0)
    delays = []
    for _ in range(3):
        assert services.job_run(job_id=job.pk, clock=clock) == "retry"
        job.refresh_from_db()
        assert job.status == Job.Status.PENDING and "provider timed out" in job.last_error
        delays.append(job.run_after - clock.now)
        clock.now = job.run_after
    base = settings.DEBITOR_JOBS["BACKOFF_BASE_SECONDS"]
    assert delays == [timedelta(seconds=base), timedelta(seconds=2 * base), timedelta(seconds=4 * base)]


def test_a_job_that_keeps_failing_ends_failed_and_opens_one_task(calls, published):
    calls.behaviour["fail"] = ConnectionError("still down")
    job = services.job_enqueue(kind="test.record", as_of=T0, max_attempts=2)
    clock = Clock(T0)
    assert services.job_run(job_id=job.pk, clock=clock) == "retry"
    clock.now = Job.objects.get(pk=job.pk).run_after
    assert services.job_run(job_id=job.pk, clock=clock) == "failed"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at) == (Job.Status.FAILED, 2, clock.now)
    task = FollowUpTask.objects.get(kind="job_failed")
    assert task.about == job and task.created_by_rule == "core.job_failed"
    assert "still down" in task.description


def test_a_permanent_error_fails_the_job_without_retrying(calls, published):
    calls.behaviour["fail"] = services.PermanentJobError("invoice 7 no longer exists")
    job = services.job_enqueue(kind="test.record", as_of=T0)
    assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 1


def test_the_sweeper_dispatches_pending_jobs_whose_message_was_lost(
    calls, published, django_capture_on_commit_callbacks
):
    job = services.job_enqueue(kind="test.record", as_of=T0)
    published.reset_mock()
    assert services.jobs_sweep(as_of=T0 + REDISPATCH / 2)["dispatched"] == 0  # give the broker time
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_sweep(as_of=T0 + REDISPATCH)["dispatched"] == 1
    published.assert_called_once_with(kwargs={"job_id": job.pk}, eta=None, retry=True)
    # Dispatched again only after another grace period, not on every sweep.
    assert services.jobs_sweep(as_of=T0 + REDISPATCH + timedelta(seconds=1))["dispatched"] == 0
    assert services.jobs_sweep(as_of=T0 + 2 * REDISPATCH)["dispatched"] == 1


def test_the_sweeper_recovers_a_job_whose_worker_died_and_it_then_runs(calls, published):
    job = services.job_enqueue(kind="test.record", as_of=T0)
    # Simulate a worker that claimed the job and died before finishing.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1, started_at=T0)
    assert services.jobs_sweep(as_of=T0 + LEASE / 2)["recovered"] == 0  # may still be working
    result = services.jobs_sweep(as_of=T0 + LEASE)
    assert result["recovered"] == 1 and result["dispatched"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING and "stopped without finishing" in job.last_error
    assert services.job_run(job_id=job.pk, clock=Clock(T0 + LEASE)) == "done"
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_a_failed_job_can_be_retried_and_a_done_one_cannot(calls, published):
    calls.behaviour["fail"] = services.PermanentJobError("broken")
    job = services.job_enqueue(kind="test.record", as_of=T0)
    services.job_run(job_id=job.pk, clock=Clock(T0))
    calls.behaviour["fail"] = None
    services.job_retry(job=job, as_of=T0)
    assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "done"
    with pytest.raises(services.ValidationError, match="Only failed or cancelled"):
        services.job_retry(job=job, as_of=T0)


def test_a_cancelled_job_never_runs(calls, published):
    job = services.job_enqueue(kind="test.record", as_of=T0)
    services.job_cancel(job=job, as_of=T0)
    assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "skipped_cancelled"
    assert calls == []


# --- Work due later waits in the table, not in the broker -------------------------------------


def beat_ticks(start: datetime, end: datetime):
    """The moments beat sends the sweeper between start and end."""
    tick = start
    while tick <= end:
        yield tick
        tick += SWEEP_EVERY


def test_work_due_beyond_the_broker_cap_is_dispatched_by_the_sweeper_once_it_is_due(
    calls, published, django_capture_on_commit_callbacks
):
    due = T0 + timedelta(hours=6, seconds=7)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_enqueue(kind="test.record", as_of=T0, run_after=due)
    assert published.call_count == 0  # not a delayed message Redis would redeliver after an hour
    assert Job.objects.get(pk=job.pk).dispatched_at is None

    outcomes = []
    for tick in beat_ticks(T0, due + 10 * SWEEP_EVERY):
        with django_capture_on_commit_callbacks(execute=True):
            if services.jobs_sweep(as_of=tick)["dispatched"]:
                # The worker gets the message, and a duplicate of it (a redelivery) too.
                outcomes += [tick, *(services.job_run(job_id=job.pk, clock=Clock(tick)) for _ in range(2))]
    assert len(outcomes) == 3  # dispatched once: the first delivery ran it, later sweeps find it done
    dispatched_at, first, duplicate = outcomes
    assert timedelta(0) <= dispatched_at - due < SWEEP_EVERY
    assert (first, duplicate) == ("done", "skipped_done")
    published.assert_called_once_with(kwargs={"job_id": job.pk}, eta=None, retry=True)
    assert calls == [{}]


def test_work_due_within_the_broker_cap_is_published_at_once_with_its_eta(
    calls, published, django_capture_on_commit_callbacks
):
    due = T0 + MAX_BROKER_DELAY
    with django_capture_on_commit_callbacks(execute=True):
        services.job_enqueue(kind="test.record", as_of=T0, run_after=due)
        services.job_enqueue(kind="test.record", as_of=T0, run_after=due + timedelta(seconds=1))
    assert [c.kwargs["eta"] for c in published.call_args_list] == [due]


def test_a_retry_after_a_long_backoff_waits_for_the_sweeper(
    calls, published, settings, django_capture_on_commit_callbacks
):
    settings.DEBITOR_JOBS = {**settings.DEBITOR_JOBS, "BACKOFF_BASE_SECONDS": 3600}
    calls.behaviour["fail"] = ConnectionError("provider down")
    job = services.job_enqueue(kind="test.record", as_of=T0)
    published.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.job_run(job_id=job.pk, clock=Clock(T0)) == "retry"
    job.refresh_from_db()
    assert (job.run_after, job.dispatched_at, published.call_count) == (T0 + timedelta(hours=1), None, 0)
    assert services.jobs_sweep(as_of=T0 + timedelta(minutes=59))["dispatched"] == 0
    assert services.jobs_sweep(as_of=T0 + timedelta(hours=1))["dispatched"] == 1


# --- Retention ---------------------------------------------------------------------------------

RETENTION = timedelta(days=settings.DEBITOR_JOBS["RETENTION_DAYS"])


def finished_job(calls, *, at: datetime, outcome: str = "done") -> Job:
    """A job that ended at ``at``: done, failed (permanent error) or cancelled."""
    calls.behaviour["fail"] = services.PermanentJobError("gone") if outcome == "failed" else None
    job = services.job_enqueue(kind="test.record", as_of=at)
    if outcome == "cancelled":
        services.job_cancel(job=job, as_of=at)
    else:
        assert services.job_run(job_id=job.pk, clock=Clock(at)) == outcome
    calls.behaviour["fail"] = None
    return Job.objects.get(pk=job.pk)


def test_done_jobs_are_purged_after_the_retention_and_failed_or_cancelled_ones_are_kept(calls, published):
    old = T0 - RETENTION - timedelta(seconds=1)
    purged = finished_job(calls, at=old)
    boundary = finished_job(calls, at=T0 - RETENTION)
    recent = finished_job(calls, at=T0 - timedelta(days=1))
    failed = finished_job(calls, at=old, outcome="failed")
    cancelled = finished_job(calls, at=old, outcome="cancelled")
    pending = services.job_enqueue(kind="test.record", as_of=old)

    assert services.jobs_purge(as_of=T0) == 1
    assert services.jobs_purge(as_of=T0) == 0  # idempotent
    remaining = set(Job.objects.values_list("pk", flat=True))
    assert purged.pk not in remaining
    assert {boundary.pk, recent.pk, failed.pk, cancelled.pk, pending.pk} <= remaining
    assert Job.objects.get(pk=failed.pk).status == Job.Status.FAILED


def test_the_purge_deletes_in_bounded_batches_and_a_backlog_is_finished_by_later_runs(calls, published):
    old = T0 - RETENTION - timedelta(days=1)
    for _ in range(5):
        finished_job(calls, at=old)

    assert services.jobs_purge(as_of=T0, batch_size=2, max_batches=2) == 4
    assert services.jobs_purge(as_of=T0, batch_size=2, max_batches=2) == 1
    assert not Job.objects.filter(status=Job.Status.DONE).exists()


def test_the_purge_refuses_a_retention_below_one_day(settings):
    settings.DEBITOR_JOBS = {**settings.DEBITOR_JOBS, "RETENTION_DAYS": 0}
    with pytest.raises(services.ImproperlyConfigured, match="RETENTION_DAYS"):
        services.jobs_purge(as_of=T0)


def test_the_beat_task_purges_as_of_now(calls, published):
    from core.tasks import purge_jobs

    job = finished_job(calls, at=T0)
    with time_machine.travel(T0 + RETENTION - timedelta(minutes=1), tick=False):
        assert purge_jobs() == 0
    with time_machine.travel(T0 + RETENTION + timedelta(minutes=1), tick=False):
        assert purge_jobs() == 1
    assert not Job.objects.filter(pk=job.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_job_at_the_same_moment_run_it_once(calls, published):
    started = threading.Event()
    release = threading.Event()

    def slow_handler(**payload):
        calls.append(payload)
        started.set()
        release.wait(10)

    jobs._HANDLERS["test.record"] = slow_handler
    job = services.job_enqueue(kind="test.record", as_of=T0)
    outcomes = []

    def deliver():
        try:
            outcomes.append(services.job_run(job_id=job.pk, clock=Clock(T0)))
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    first.start()
    assert started.wait(10)
    deliver()  # the duplicate arrives while the first is still running
    release.set()
    first.join(10)
    assert sorted(outcomes) == ["done", "skipped_running"]
    assert len(calls) == 1
