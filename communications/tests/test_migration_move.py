"""The move out of customers keeps every row: tables renamed, content types and the beat row follow."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0007_language_choices_from_settings"), ("communications", None)]


@pytest.mark.django_db(transaction=True)
def test_messages_written_before_the_move_are_there_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    Customer = old.get_model("customers", "Customer")
    Outbox = old.get_model("customers", "OutboxMessage")
    Event = old.get_model("customers", "MessageEvent")
    ContentType = old.get_model("contenttypes", "ContentType")
    PeriodicTask = old.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = old.get_model("django_celery_beat", "IntervalSchedule")
    at = datetime(2026, 11, 27, 9, tzinfo=UTC)
    customer = Customer.objects.create(legal_name="Alt GmbH", created_at=at, updated_at=at)
    message = Outbox.objects.create(
        customer=customer,
        template="invoice",
        language="de",
        from_email="a@b.example",
        subject="S",
        body_text="T",
        status="sent",
        sending_at=at,
        cause="c",
        created_at=at,
        updated_at=at,
    )
    Event.objects.create(message=message, kind="sent", at=at)
    ContentType.objects.filter(app_label="communications").delete()
    ct, _ = ContentType.objects.get_or_create(app_label="customers", model="outboxmessage")
    PeriodicTask.objects.filter(name="Check e-mails stuck in sending").delete()
    PeriodicTask.objects.create(
        name="Check e-mails stuck in sending",
        task="customers.check_stuck_messages",
        interval=IntervalSchedule.objects.create(every=5, period="minutes"),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    moved = new.get_model("communications", "OutboxMessage").objects.get(pk=message.pk)
    assert (moved.customer_id, moved.subject, moved.status) == (customer.pk, "S", "sent")
    assert new.get_model("communications", "MessageEvent").objects.filter(message_id=message.pk).count() == 1
    ct = new.get_model("contenttypes", "ContentType").objects.get(pk=ct.pk)
    assert (ct.app_label, ct.model) == ("communications", "outboxmessage")
    row = new.get_model("django_celery_beat", "PeriodicTask").objects.get(name="Check e-mails stuck in sending")
    assert row.task == "communications.check_stuck_messages"
