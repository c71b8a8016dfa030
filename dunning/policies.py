"""Dunning policies and their levels: the checks every writer shares (admin and API) and the
service that saves a policy with its levels at once.

Rules (database constraints back the ones it can hold): exactly one default policy, which is
active; levels numbered 1..n without gaps; a level waits at least one day; the first level counts
from the due date (there is no previous one); fees are not negative; the template is one of the
reminder templates; a follow-up task is a known kind (``core.followups``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from core.events import event_record
from core.followups import followup_kinds
from core.locks import lock_rows
from customers.models import Customer

from .documents import MAIL_TEMPLATES
from .models import DunningLevel, DunningPolicy, DunningProfile, LevelBasis

LEVEL_FIELDS = (
    "position",
    "name",
    "days",
    "counted_from",
    "template",
    "fee",
    "attach_invoices",
    "attach_statement",
    "charges_interest",
    "task_kind",
)
POLICY_FIELDS = (
    "name",
    "is_default",
    "active",
    "minimum_amount",
    "default_by_reminder",
    "default_by_agreed_date",
    "default_after_30_days",
    "receipt_assumed_after_days",
    "interest_jurisdiction",
    "interest_from_day_after_default",
    "interest_includes_payment_day",
    "day_count",
    "flat_fee_enabled",
    "first_default_reminder_free",
)


def policy_default_errors(*, policy_pk: int | None, is_default: bool, active: bool) -> dict[str, list[str]]:
    """Exactly one default, and it is active: what is wrong with this policy's flags."""
    errors: dict[str, list[str]] = {}
    other = DunningPolicy.objects.filter(is_default=True).exclude(pk=policy_pk).first()
    if is_default and other is not None:
        errors["is_default"] = [
            _("“%(name)s” is the default policy. Untick “default policy” there first; there is exactly one.")
            % {"name": other.name}
        ]
    is_the_default = policy_pk is not None and DunningPolicy.objects.filter(pk=policy_pk, is_default=True).exists()
    if not is_default and is_the_default:
        errors["is_default"] = [
            _("One policy must be the default. Make another policy the default instead of unticking this one.")
        ]
    if is_default and not active:
        errors["active"] = [_("The default policy is active.")]
    return errors


def level_errors(level: dict) -> dict[str, list[str]]:
    """The field errors of one level's values."""
    errors: dict[str, list[str]] = {}
    days = level.get("days")
    if days is None or int(days) < 1:
        errors["days"] = [_("A level waits at least one day.")]
    fee = level.get("fee")
    if fee is not None and Decimal(str(fee)) < 0:
        errors["fee"] = [_("The fee cannot be negative.")]
    if level.get("template") not in MAIL_TEMPLATES:
        errors["template"] = [_("Choose one of the reminder templates: %s") % ", ".join(MAIL_TEMPLATES)]
    kind = level.get("task_kind") or ""
    if kind and kind not in followup_kinds():
        errors["task_kind"] = [_("Unknown task kind; choose one of: %s") % ", ".join(sorted(followup_kinds()))]
    if level.get("position") == 1 and level.get("counted_from") == LevelBasis.PREVIOUS:
        errors["counted_from"] = [_("The first level counts from the due date: there is no previous level.")]
    return errors


def levels_order_error(positions: list[int]) -> str | None:
    """Positions must be 1..n, each once; the message when they are not."""
    if sorted(positions) != list(range(1, len(positions) + 1)):
        return _("Number the levels 1, 2, 3 … without gaps or repeats (given: %(given)s).") % {
            "given": ", ".join(str(p) for p in sorted(positions)) or "—"
        }
    return None


def dunning_policy_save(
    *, policy: DunningPolicy | None = None, data: dict, levels: list[dict] | None, as_of: datetime, by=None
) -> DunningPolicy:
    """Create or change a policy and (when ``levels`` is given) replace its levels, all or nothing.

    ``levels``: one dict per level with ``LEVEL_FIELDS``; a level a reminder already refers to
    keeps its row (matched by position) and is changed in place. 400 naming the field
    (``levels[1].fee``) for any broken rule."""
    errors: dict[str, list[str]] = {}
    values = {name: data[name] for name in POLICY_FIELDS if name in data}
    current = {name: getattr(policy, name) for name in POLICY_FIELDS} if policy else {}
    merged = {**current, **values}
    if not (merged.get("name") or "").strip():
        errors["name"] = [_("Give the policy a name.")]
    elif DunningPolicy.objects.filter(name=merged["name"].strip()).exclude(pk=getattr(policy, "pk", None)).exists():
        errors["name"] = [_("Another policy has this name.")]
    if Decimal(str(merged.get("minimum_amount", 0) or 0)) < 0:
        errors["minimum_amount"] = [_("The minimum cannot be negative.")]
    errors.update(
        policy_default_errors(
            policy_pk=getattr(policy, "pk", None),
            is_default=bool(merged.get("is_default", False)),
            active=bool(merged.get("active", True)),
        )
    )
    if levels is not None:
        if not levels:
            errors["levels"] = [_("A policy has at least one level.")]
        for index, level in enumerate(levels):
            for field, messages in level_errors(level).items():
                errors[f"levels[{index}].{field}"] = messages
        if order := levels_order_error([int(level.get("position") or 0) for level in levels]):
            errors.setdefault("levels", []).append(order)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if policy is None:
            policy = DunningPolicy(created_at=as_of)
        for name, value in values.items():
            setattr(policy, name, value.strip() if name == "name" else value)
        policy.updated_at = as_of
        policy.save()
        if levels is not None:
            existing = {
                level.position: level for level in DunningLevel.objects.select_for_update().filter(policy=policy)
            }
            keep = set()
            for level in levels:
                row = existing.get(int(level["position"])) or DunningLevel(policy=policy)
                for name in LEVEL_FIELDS:
                    if name in level:
                        setattr(row, name, level[name] if name != "task_kind" else (level[name] or ""))
                row.save()
                keep.add(row.pk)
            stale = [level for level in existing.values() if level.pk not in keep]
            for level in stale:
                try:
                    with transaction.atomic():
                        level.delete()
                except ProtectedError as exc:
                    raise ValidationError(
                        {"levels": [_("Level %(level)s has reminders; it stays.") % {"level": level}]}
                    ) from exc
        event_record(
            type="dunning.policy_saved",
            obj=policy,
            data={"policy": policy.pk, "is_default": policy.is_default, "levels": levels is not None},
            at=as_of,
        )
    return policy


def dunning_policy_delete(*, policy: DunningPolicy, as_of: datetime, by=None) -> None:
    """Delete a policy no customer and no reminder uses; never the default (400 naming the field)."""
    if policy.is_default:
        raise ValidationError({"is_default": [_("The default policy is not deleted; make another the default first.")]})
    with transaction.atomic():
        pk = policy.pk
        try:
            with transaction.atomic():
                policy.delete()
        except ProtectedError as exc:
            raise ValidationError(
                {"id": [_("Customers or reminders use this policy; deactivate it instead.")]}
            ) from exc
        event_record(type="dunning.policy_deleted", data={"policy": pk}, at=as_of)


def dunning_settings_save(
    *,
    customer,
    policy: DunningPolicy | None,
    payment_date_agreed: bool,
    due_date_notice_days: int | None,
    as_of: datetime,
    by=None,
) -> DunningProfile:
    """Set a customer's dunning settings (policy None: the default; heads-up days None: none)."""
    errors: dict[str, list[str]] = {}
    if policy is not None and not policy.active:
        errors["policy"] = [_("Choose an active policy.")]
    if due_date_notice_days is not None and not 1 <= due_date_notice_days <= 60:
        errors["due_date_notice_days"] = [_("Between 1 and 60 days, or empty for no heads-up.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_rows(Customer, [customer.pk])
        profile, _created = DunningProfile.objects.update_or_create(
            customer=customer,
            defaults={
                "policy": policy,
                "payment_date_agreed": payment_date_agreed,
                "due_date_notice_days": due_date_notice_days,
                "updated_at": as_of,
            },
        )
        event_record(
            type="dunning.settings_changed",
            obj=customer,
            customer_id=customer.pk,
            data={
                "policy": policy.pk if policy else None,
                "payment_date_agreed": payment_date_agreed,
                "due_date_notice_days": due_date_notice_days,
            },
            at=as_of,
        )
    return profile
