"""A worker killed during the hand-off: never two hand-offs, never a silent loss.

PostgreSQL, Redis, a real ``celery worker`` process and a real SMTP server. The worker is started
with a pause point (``DEBITOR_OUTBOX_PAUSE``, see ``communications.mail.outbox_pause_point``) just
before or just after it hands the message to the SMTP server; the test waits for the marker
file, SIGKILLs the worker, and then lets the platform recover as it would in production: the
job sweeper re-runs the job on a fresh worker, and beat's stuck-message check runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from communications.models import OutboxMessage
from communications.services.outbox import (
    SEND_JOB_KIND,
    STUCK_TASK_KIND,
    AttachmentSpec,
    message_queue,
    message_recipients,
    messages_check_stuck,
)
from core.models import Job
from core.services import jobs_sweep
from customers.tests.factories import make_customer
from invoicing.tests.factories import make_company_profile, reseed_after_module  # noqa: F401
from tasks.models import FollowUpTask
from tests.support.celery_worker import start_worker, wait_for
from tests.support.smtp_server import smtp_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.broker,
    pytest.mark.usefixtures("require_redis", "reseed_after_module"),
]

PDF = b"%PDF-1.7\n\x00\xff attachment bytes\n%%EOF"


@contextlib.contextmanager
def worker_with_env(**env: str):
    """``start_worker`` with extra environment variables for the worker process only."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    stack = contextlib.ExitStack()
    try:
        worker = stack.enter_context(start_worker())
    finally:  # the worker copied the environment when it started; this process keeps its own
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    with stack:
        yield worker


def queue_message() -> OutboxMessage:
    make_company_profile(mail_from_email="rechnung@debitor.example", mail_bcc_archive="")
    customer = make_customer(
        contacts=[{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}]
    )
    now = timezone.now()
    return message_queue(
        customer=customer,
        template="reminder",
        language="de",
        subject="Zahlungserinnerung RE-2026-000001",
        body_text="Guten Tag Frau Schmidt, …",
        to=message_recipients(customer=customer),
        cause="dunning level 1",
        as_of=now,
        attachments=[AttachmentSpec("Mahnung.pdf", "application/pdf", PDF)],
    )


def _job_done(message: OutboxMessage):
    job = Job.objects.get(kind=SEND_JOB_KIND, payload={"message_id": message.pk})
    return job if job.status == Job.Status.DONE else None


@pytest.mark.parametrize(("stage", "handed_over"), [("before_handoff", 0), ("after_handoff", 1)])
def test_a_worker_killed_during_the_hand_off_never_sends_twice_and_leaves_a_task(tmp_path, stage, handed_over):
    marker = tmp_path / "paused"
    with smtp_server() as server:
        with worker_with_env(
            EMAIL_URL=server.url, DEBITOR_OUTBOX_PAUSE=stage, DEBITOR_OUTBOX_PAUSE_FILE=str(marker)
        ) as worker:
            message = queue_message()  # commits: the job is published to the worker
            wait_for(marker.exists, timeout=30, what=f"the worker to reach {stage}\n{worker.log()}")
            os.kill(worker.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)

        message.refresh_from_db()
        assert message.status == "sending"
        assert message.attempts == 1
        assert len(server.received) == handed_over
        job = Job.objects.get(kind=SEND_JOB_KIND, payload={"message_id": message.pk})
        assert job.status == Job.Status.RUNNING  # its worker died with it

        with worker_with_env(EMAIL_URL=server.url) as fresh:
            # The lease runs out (the worker's clock is real, so the job's start moves back instead).
            lease = timedelta(seconds=settings.DEBITOR_JOBS["LEASE_SECONDS"])
            Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - lease - timedelta(seconds=1))
            swept = jobs_sweep(as_of=timezone.now())
            assert swept["recovered"] == 1 and swept["dispatched"] >= 1
            wait_for(lambda: _job_done(message), timeout=30, what=f"the re-run job to finish\n{fresh.log()}")

            flagged = messages_check_stuck(as_of=timezone.now() + timedelta(minutes=16))

        message.refresh_from_db()
        assert message.status == "sending"  # not resent, not silently marked sent
        assert message.attempts == 1
        assert len(server.received) == handed_over
        assert flagged == 1
        task = FollowUpTask.objects.get(kind=STUCK_TASK_KIND, object_id=str(message.pk))
        assert task.customer_id == message.customer_id and task.is_open
        assert list(message.events.values_list("kind", flat=True)) == ["queued", "sending", "stuck"]
        if handed_over:
            assert server.received[0].message()["Message-ID"] == message.message_id
