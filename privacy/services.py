"""Every write of the data-protection work: retention periods, requests, the erasure and the export.

An erasure is planned first (:func:`privacy_plan`, the dry run: per source what would be erased,
what kept and restricted, until when and why) and then executed (:func:`privacy_request_execute`)
in one transaction: every source's anonymisation, the event log's redaction (``core.events.
event_redact``, the one audited way), the decisions with their legal basis, the restrictions the
outbox honours and the events ``privacy.erased`` / ``privacy.restricted`` commit together, or —
when any step fails — nothing does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import Actor, current_actor, event_record, scrub_free_text
from core.privacy import (
    NONE,
    DataSubject,
    ErasureContext,
    PersonalDataSource,
    PersonalRecord,
    address_digest,
    privacy_sources,
)
from core.privacy import retention_ends as retention_ends_with
from core.transitions import transition_check
from customers.models import Contact, Customer

from .models import (
    REQUEST_TRANSITIONS,
    DataSubjectDecision,
    DataSubjectRequest,
    DecisionAction,
    LegalBasis,
    ProcessingRestriction,
    RequestKind,
    RequestStatus,
    RetentionSettings,
)


class PrivacyRequestConflict(Exception):
    """The request is in no state for this (executed already, an access request executed, …)."""


# --- Retention -----------------------------------------------------------------------------------


def retention_settings_get() -> RetentionSettings:
    settings_row, _created = RetentionSettings.objects.get_or_create(pk=1)
    return settings_row


def retention_settings_update(
    *, books_years: int, vouchers_years: int, letters_years: int, as_of: datetime, by=None
) -> RetentionSettings:
    """Change the periods (finance managers). Each must be a whole number of years from 1 to 30."""
    errors = {}
    values = {"books_years": books_years, "vouchers_years": vouchers_years, "letters_years": letters_years}
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 30:
            errors[name] = [_("Give a whole number of years from 1 to 30.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = retention_settings_get()
        row = RetentionSettings.objects.select_for_update().get(pk=row.pk)
        changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at, row.updated_by = as_of, by
        row.save()
        if changed:
            event_record(
                type="privacy.retention_changed",
                obj=row,
                data={"fields": changed, **values},
                actor=_actor(by),
                at=as_of,
            )
    return row


def retention_ends(record_date: date | datetime, retention_class: str) -> date | None:
    """The last day a record of ``retention_class`` dated ``record_date`` is kept, with the configured
    periods: the end of the record's calendar year plus the years (§ 147 (4) AO)."""
    return retention_ends_with(record_date, retention_class, periods=retention_settings_get().periods())


# --- Requests ------------------------------------------------------------------------------------


def privacy_request_check(
    *,
    customer: Customer | None,
    kind: str,
    received_at: datetime | None,
    contacts=(),
    customer_itself: bool = False,
    requested_by: str = "",
    as_of: datetime,
) -> None:
    """Refuse a request that cannot be recorded (``ValidationError`` naming each field): no customer,
    an unknown kind, a contact of another customer, "the customer itself" for a business or public
    customer (no natural person), neither contacts nor the customer itself, a time in the future."""
    errors: dict[str, list[str]] = {}
    contacts = list(contacts)
    if customer is None:
        errors["customer"] = [_("This field is required.")]
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(RequestKind.values)}]
    foreign = [c.pk for c in contacts if customer is not None and c.customer_id != customer.pk]
    if foreign:
        errors["contacts"] = [
            _("Contact persons %(ids)s are not contacts of %(customer)s.")
            % {"ids": ", ".join(map(str, foreign)), "customer": customer.number}
        ]
    if customer_itself and customer is not None and customer.kind != Customer.Kind.CONSUMER:
        errors["customer_itself"] = [
            _("Only a consumer customer is a natural person; for a business name its contact persons.")
        ]
    if not contacts and not customer_itself:
        errors.setdefault("contacts", []).append(
            _("Name the contact persons the request is about, or the consumer customer itself.")
        )
    if received_at is None:
        errors["received_at"] = [_("This field is required.")]
    elif received_at > as_of:
        errors["received_at"] = [_("A request cannot be received in the future.")]
    if len(requested_by or "") > 500:
        errors["requested_by"] = [_("At most 500 characters.")]
    if errors:
        raise ValidationError(errors)


def privacy_request_create(
    *,
    customer: Customer,
    kind: str,
    received_at: datetime,
    contacts=(),
    customer_itself: bool = False,
    requested_by: str = "",
    as_of: datetime,
    by=None,
) -> DataSubjectRequest:
    """Record a request as it was received (checked by :func:`privacy_request_check`), with the
    event ``privacy.request_received``."""
    contacts = list(contacts)
    privacy_request_check(
        customer=customer,
        kind=kind,
        received_at=received_at,
        contacts=contacts,
        customer_itself=customer_itself,
        requested_by=requested_by,
        as_of=as_of,
    )
    with transaction.atomic():
        request = DataSubjectRequest.objects.create(
            customer=customer,
            kind=kind,
            customer_itself=customer_itself,
            received_at=received_at,
            requested_by=(requested_by or "").strip(),
            created_at=as_of,
            created_by=by,
        )
        request.contacts.set(contacts)
        event_record(
            type="privacy.request_received",
            obj=request,
            customer_id=customer.pk,
            data={"kind": kind, "contacts": sorted(c.pk for c in contacts), "customer_itself": customer_itself},
            actor=_actor(by),
            at=as_of,
        )
    return request


def data_subject_of(request: DataSubjectRequest) -> DataSubject:
    contacts = list(Contact.objects.filter(pk__in=request.contacts.values("pk")).order_by("pk"))
    names = [c.name for c in contacts]
    earlier = (
        Contact.history.filter(id__in=[c.pk for c in contacts])
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if request.customer_itself:
        names.append(request.customer.legal_name)
    return DataSubject(
        customer_id=request.customer_id,
        contact_ids=tuple(c.pk for c in contacts),
        customer_itself=request.customer_itself,
        # Their addresses now and before (history): messages to an earlier address are theirs too.
        emails=tuple(sorted({c.email for c in contacts if c.email} | set(earlier))),
        contact_emails=tuple((c.pk, c.email) for c in contacts),
        names=tuple(sorted({n for n in names if n})),
    )


# --- The plan (dry run) ---------------------------------------------------------------------------


@dataclass
class KeptRecord:
    record: PersonalRecord
    until: date | None
    basis: str


@dataclass
class SourcePlan:
    """What executing would do in one source, and why."""

    source: PersonalDataSource
    erase: list[PersonalRecord] = field(default_factory=list)
    keep: list[KeptRecord] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.keep:
            return DecisionAction.RESTRICTED
        return DecisionAction.ERASED if self.erase else DecisionAction.NOTHING

    @property
    def basis(self) -> str:
        if self.keep:
            if all(k.basis == LegalBasis.IMMUTABLE for k in self.keep):
                return LegalBasis.IMMUTABLE
            return LegalBasis.ART_17_3B
        return LegalBasis.ART_17_1 if self.erase else LegalBasis.NONE

    @property
    def until(self) -> date | None:
        dates = [k.until for k in self.keep if k.until is not None]
        return max(dates) if dates else None

    def explanation(self) -> str:
        """Why, in a reader's words and without personal data (the records' labels name ids and numbers)."""
        parts = []
        if self.erase:
            parts.append(
                _("Erased (no duty to keep them, or their retention ended): %(records)s")
                % {"records": "; ".join(r.label for r in self.erase)}
            )
        for kept in self.keep:
            if kept.basis == LegalBasis.IMMUTABLE:
                parts.append(
                    _("%(record)s: issued document, never changed (GoBD); kept until %(date)s, processing restricted.")
                    % {"record": kept.record.label, "date": _date(kept.until)}
                )
            else:
                parts.append(
                    _("%(record)s: kept until %(date)s (§ 147 AO / § 257 HGB), processing restricted.")
                    % {"record": kept.record.label, "date": _date(kept.until)}
                )
        return "\n".join(parts) or _("Nothing stored about the person here.")

    def as_dict(self) -> dict:
        return {
            "source": self.source.name,
            "label": str(self.source.label),
            "action": str(self.action),
            "action_text": str(DecisionAction(self.action).label),
            "basis": str(self.basis),
            "basis_text": str(LegalBasis(self.basis).label),
            "erase_count": len(self.erase),
            "restrict_count": len(self.keep),
            "restricted_until": self.until,
            "explanation": self.explanation(),
        }


def _date(value: date | None) -> str:
    from core.formatting import date_text

    return date_text(value) if value else _("no end")


def privacy_plan(*, request: DataSubjectRequest, as_of: datetime) -> list[SourcePlan]:
    """The dry run: per registered source what executing the erasure would do on ``as_of``, and why.

    A record without a retention class is erased; one whose retention (counted from the end of its
    year, :func:`retention_ends`) ends before ``as_of``'s date is erased too; one still under
    retention is kept and restricted until its end (Art. 17 (3) b), Art. 18 DSGVO). A record its
    source cannot change (an issued invoice) is kept whatever its date. A ``follows_documents``
    source (the consumer's master data) is kept until the last kept record of the other sources."""
    return _plan(data_subject_of(request), as_of=as_of)


def _plan(subject: DataSubject, *, as_of: datetime) -> list[SourcePlan]:
    today = timezone.localdate(as_of)
    periods = retention_settings_get().periods()
    plans, followers = [], []
    for source in privacy_sources():
        plan = SourcePlan(source=source)
        plans.append(plan)
        if source.follows_documents:
            followers.append(plan)
            continue
        for record in source.records(subject):
            until = (
                retention_ends_with(record.record_date, record.retention, periods=periods)
                if record.retention != NONE and record.record_date is not None
                else None
            )
            if not record.erasable:
                plan.keep.append(KeptRecord(record, until, LegalBasis.IMMUTABLE))
            elif until is not None and until >= today:
                plan.keep.append(KeptRecord(record, until, LegalBasis.ART_17_3B))
            else:
                plan.erase.append(record)
    kept_until = [k.until for plan in plans for k in plan.keep if k.until is not None and k.until >= today]
    for plan in followers:
        for record in plan.source.records(subject):
            if kept_until:
                plan.keep.append(KeptRecord(record, max(kept_until), LegalBasis.ART_17_3B))
            else:
                plan.erase.append(record)
    return plans


def plan_as_dict(plans: list[SourcePlan]) -> list[dict]:
    return json.loads(json.dumps([plan.as_dict() for plan in plans], cls=DjangoJSONEncoder))


# --- Executing an erasure --------------------------------------------------------------------------


def _actor(by) -> Actor:
    return Actor.for_user(by) if by is not None else current_actor()


def privacy_request_execute(*, request: DataSubjectRequest, as_of: datetime, by=None) -> DataSubjectRequest:
    """Execute an erasure request as planned on ``as_of``, all in one transaction.

    Per source: the erasable records are anonymised by the source, the kept ones restricted; the
    decision with its legal basis is recorded per source (the event log is a source: its erasure is
    ``core.events.event_redact`` of the customer's events, run last); every contact named (and a
    consumer customer itself) gets a processing restriction, so the outbox writes to them no more;
    ``requested_by`` is blanked; the events ``privacy.erased`` and (when anything is kept)
    ``privacy.restricted`` are written, with ids, counts and dates only. Refused with
    :class:`PrivacyRequestConflict` for an access request or a request no longer open. Any failure
    rolls everything back."""
    with transaction.atomic():
        # The request is the gate of its execution: a second click waits here, then finds it done.
        request = DataSubjectRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
        if request.kind != RequestKind.ERASURE:
            raise PrivacyRequestConflict(_("Only an erasure request is executed; export an access request."))
        _check_transition(request, RequestStatus.DONE)
        subject = data_subject_of(request)
        plans = _plan(subject, as_of=as_of)
        context = ErasureContext(as_of=as_of, by=by, request_id=request.pk)
        _cancel_queued_mail(subject, request=request, as_of=as_of, by=by)
        for plan in plans:
            if plan.erase and plan.source.erase is not None:
                plan.source.erase(subject, [r.key for r in plan.erase], context)
            DataSubjectDecision.objects.create(
                request=request,
                source=plan.source.name,
                action=plan.action,
                basis=plan.basis,
                erased_count=len(plan.erase),
                restricted_count=len(plan.keep),
                restricted_until=plan.until,
                explanation=plan.explanation(),
            )
        kept = [plan for plan in plans if plan.keep]
        until = max((plan.until for plan in kept if plan.until), default=None)
        kind = ProcessingRestriction.Kind.RESTRICTED if kept else ProcessingRestriction.Kind.ERASED
        ProcessingRestriction.objects.bulk_create(
            [
                ProcessingRestriction(
                    customer_id=request.customer_id,
                    contact_id=contact_id,
                    kind=kind,
                    address_digest=address_digest(email) if email else "",
                    until=until,
                    request=request,
                    created_at=as_of,
                )
                for contact_id, email in subject.contact_emails
            ]
            + (
                [
                    ProcessingRestriction(
                        customer_id=request.customer_id, kind=kind, until=until, request=request, created_at=as_of
                    )
                ]
                if subject.customer_itself
                else []
            )
        )
        request.status, request.decided_at, request.decided_by = RequestStatus.DONE, as_of, by
        request.requested_by = ""
        request.save(update_fields=["status", "decided_at", "decided_by", "requested_by"])
        erased = {plan.source.name: len(plan.erase) for plan in plans if plan.erase}
        event_record(
            type="privacy.erased",
            obj=request,
            customer_id=request.customer_id,
            data={"request": request.pk, "sources": erased, "contacts": list(subject.contact_ids)},
            actor=_actor(by),
            at=as_of,
        )
        if kept:
            event_record(
                type="privacy.restricted",
                obj=request,
                customer_id=request.customer_id,
                data={
                    "request": request.pk,
                    "sources": {plan.source.name: len(plan.keep) for plan in kept},
                    "until": until,
                },
                actor=_actor(by),
                at=as_of,
            )
    return request


def _cancel_queued_mail(subject: DataSubject, *, request: DataSubjectRequest, as_of: datetime, by) -> None:
    """A message still waiting in the outbox for the person is not sent after their erasure."""
    from communications.privacy import queued_messages_to
    from communications.services.outbox import message_cancel

    reason = _("data-protection request #%(id)s") % {"id": request.pk}
    for message in queued_messages_to(subject):
        message_cancel(message=message, as_of=as_of, by=by, reason=reason)


def _check_transition(request: DataSubjectRequest, to: str) -> None:
    transition_check(
        REQUEST_TRANSITIONS,
        current=request.status,
        to=to,
        labels=dict(RequestStatus.choices),
        conflict=lambda message: PrivacyRequestConflict(
            _("This request is %(status)s already.") % {"status": request.get_status_display()}
        ),
    )


def privacy_request_reject(*, request: DataSubjectRequest, reason: str, as_of: datetime, by=None) -> DataSubjectRequest:
    """Close an open request without acting on it (e.g. the requester's identity could not be
    verified, Art. 12 (6) DSGVO), with the reason; logged as ``privacy.rejected``. The reason is
    staff free text, redacted with the customer's events by a later erasure."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the request is rejected.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("At most 500 characters.")]})
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        _check_transition(request, RequestStatus.REJECTED)
        request.status, request.decided_at, request.decided_by = RequestStatus.REJECTED, as_of, by
        request.rejection_reason = reason.strip()
        request.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
        event_record(
            type="privacy.rejected",
            obj=request,
            customer_id=request.customer_id,
            data={"request": request.pk, "reason": scrub_free_text(reason.strip())},
            actor=_actor(by),
            at=as_of,
        )
    return request
