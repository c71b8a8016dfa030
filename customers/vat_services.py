"""Online VAT ID confirmation: adapters for EU VIES and the German BZSt (eVatR).

A supplier may treat an intra-Community supply as exempt only if the customer is
identified for VAT in another member state and has quoted that VAT ID (Art. 138(1)(b)
VAT Directive 2006/112/EC, § 6a Abs. 1 Nr. 4 UStG); the confirmation answer is the
proof kept for the audit. Two services give it:

- **VIES** (Art. 31 Regulation (EU) No 904/2010): any EU trader may ask; when the
  requester quotes its own VAT ID, VIES returns a ``requestIdentifier`` (consultation
  number) that proves the check was made on that day.
- **BZSt eVatR** (§ 18e Nr. 1 UStG): the Federal Central Tax Office confirms a foreign
  VAT ID to a German VAT-registered requester, and in a qualified request also whether
  name, street, postal code and city match the register (UStAE 18e.1). Since July 2025
  this is a JSON REST API; the XML-RPC interface was switched off on 30 November 2025.

Both adapters make exactly one HTTP request and never raise for anything the network
or the service does: timeouts, refused connections, HTTP errors, unreadable bodies and
the services' own "busy / unavailable" codes all come back as ``result="unavailable"``
with a message naming the cause, so a background job can record it and retry. Only a
definite "this VAT ID is not valid" from the service is ``invalid``. Invalid arguments
(programming errors of the caller) raise ``ValueError``.

Settings (with defaults): ``VIES_REST_URL``, ``BZST_EVATR_URL``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

VIES_REST_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
BZST_EVATR_URL = "https://api.evatr.vies.bzst.de/app/v1/abfrage"

VALID = "valid"
INVALID = "invalid"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class VatAnswer:
    service: str  # "vies" or "bzst"
    result: str  # "valid", "invalid" or "unavailable"
    request_identifier: str  # VIES requestIdentifier / BZSt id ("" if none)
    answer_date: str  # date/time the service states for its answer, as given ("" if none)
    trader_name: str  # name the register returned ("" if none / not shared)
    trader_address: str
    matches: dict  # qualified results in the service's own codes plus a "legend"; {} when none
    message: str  # one sentence for finance staff, with the service's code
    raw_response: str  # response body as received, for the proof archive ("" if none)
    # False for an unavailable answer that asking again cannot change (our setup or input is wrong).
    retryable: bool = True


@dataclass(frozen=True)
class _Reply:
    """What came back over HTTP: a parsed JSON object, or why there is none."""

    status_code: int = 0
    text: str = ""
    data: dict[str, Any] | None = None
    failure: str = ""  # set when there is no usable JSON object


def _post(url: str, payload: dict[str, str], timeout: float) -> _Reply:
    """POST ``payload`` as JSON; turn every transport failure into a ``_Reply.failure``."""
    try:
        response = requests.post(url, json=payload, headers={"Accept": "application/json"}, timeout=timeout)
    except requests.exceptions.Timeout:
        return _Reply(failure=gettext("no answer within %(seconds)s s (timeout)") % {"seconds": f"{timeout:g}"})
    except requests.exceptions.ConnectionError as exc:
        logger.warning("VAT confirmation service %s not reachable: %s", url, exc)
        return _Reply(failure=gettext("the service could not be reached (connection error)"))
    except requests.exceptions.RequestException as exc:
        logger.warning("VAT confirmation request to %s failed: %s", url, exc)
        return _Reply(failure=gettext("the request failed (%(error)s)") % {"error": type(exc).__name__})
    text = response.text
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        status = response.status_code
        if status >= 400:
            failure = gettext("the service answered HTTP %(status)s") % {"status": status}
        elif not text:
            failure = gettext("the answer was empty (HTTP %(status)s)") % {"status": status}
        else:
            failure = gettext("the answer was not a JSON object (HTTP %(status)s)") % {"status": status}
        return _Reply(status, text, failure=failure)
    return _Reply(response.status_code, text, data)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _split_vat_id(vat_id: str, argument: str) -> tuple[str, str]:
    """Prefix and number of a compact VAT ID ("EL123456789" -> ("EL", "123456789"))."""
    prefix = vat_id[:2]
    if len(vat_id) < 3 or not (prefix.isalpha() and prefix.isupper()) or any(c.isspace() for c in vat_id):
        raise ValueError(f"{argument} must be a compact VAT ID with its upper-case prefix, got {vat_id!r}")
    return prefix, vat_id[2:]


# --- VIES ---------------------------------------------------------------------------------
# The VIES error codes (VIES technical information / checkVatService.wsdl). All of them
# mean "no answer about the VAT ID"; the text says what finance staff can do about it.
_MS_BUSY = gettext_noop("the member state service has too many requests at the moment; retry later")
VIES_ERRORS = {
    "SERVICE_UNAVAILABLE": gettext_noop("the VIES service is unavailable; retry later"),
    "MS_UNAVAILABLE": gettext_noop("the member state service is unavailable; retry later"),
    "TIMEOUT": gettext_noop("the member state service did not answer in time; retry later"),
    "GLOBAL_MAX_CONCURRENT_REQ": gettext_noop("VIES has too many requests at the moment; retry later"),
    "GLOBAL_MAX_CONCURRENT_REQ_TIME": gettext_noop("VIES has too many requests at the moment; retry later"),
    "MS_MAX_CONCURRENT_REQ": gettext_noop("the member state service has too many requests at the moment; retry later"),
    "MS_MAX_CONCURRENT_REQ_TIME": gettext_noop(
        "the member state service has too many requests at the moment; retry later"
    ),
    "INVALID_INPUT": gettext_noop("VIES rejected the country code or number as malformed; check the VAT ID"),
    "INVALID_REQUESTER_INFO": gettext_noop("VIES rejected our own requester VAT ID; check the VIES requester setting"),
    "VAT_BLOCKED": gettext_noop("VIES refuses to confirm this VAT ID; confirm it with the tax office instead"),
    "IP_BLOCKED": gettext_noop("VIES blocks requests from this server; contact the operator"),
}
# Error codes that asking again will not change: our input or requester data, or a block.
VIES_NOT_RETRYABLE = frozenset({"INVALID_INPUT", "INVALID_REQUESTER_INFO", "VAT_BLOCKED", "IP_BLOCKED"})
VIES_PLACEHOLDER = "---"  # member states that do not share name/address return this


def _vies_detail(value: Any) -> str:
    text = _text(value)
    return "" if text == VIES_PLACEHOLDER else text


def _vies_error_code(data: dict[str, Any]) -> str:
    """The first error code of a VIES error answer, or "" for a normal answer.

    The documented error shape is ``{"actionSucceed": false, "errorWrappers": [{"error": ...}]}``;
    the web front end's variant puts the code in ``userError`` beside ``isValid``.
    """
    wrappers = data.get("errorWrappers")
    if isinstance(wrappers, list):
        for wrapper in wrappers:
            if isinstance(wrapper, dict) and _text(wrapper.get("error")):
                return _text(wrapper.get("error"))
    user_error = _text(data.get("userError"))
    if user_error and user_error not in ("VALID", "INVALID"):
        return user_error
    return ""


def _vies_error_sentence(code: str) -> str:
    """'the member state service is unavailable (MS_UNAVAILABLE); retry later' from the table."""
    # Worded in the active language (the catalogue holds every sentence of the table), so the
    # reason a check waits reads as German to German staff.
    sentence = gettext(VIES_ERRORS.get(code, gettext_noop("the service reported an error; retry later")))
    what, _sep, todo = sentence.partition("; ")
    return f"{what} ({code}); {todo}"


def vies_check(*, vat_id: str, requester_vat_id: str = "", timeout: float = 10.0) -> VatAnswer:
    """Ask VIES whether ``vat_id`` is valid (POST check-vat-number of the VIES REST API).

    ``vat_id`` is compact with its VAT prefix (EL for Greece, XI for Northern Ireland);
    VIES takes prefix and number apart. With ``requester_vat_id`` VIES also returns a
    consultation number (``requestIdentifier``), the proof of the check for the tax
    audit. Name and address are those the member state shares ("---" means it shares
    none). VIES does no name/address matching here, so ``matches`` is always ``{}``.
    """
    country_code, number = _split_vat_id(vat_id, "vat_id")
    payload = {"countryCode": country_code, "vatNumber": number}
    if requester_vat_id:
        payload["requesterMemberStateCode"], payload["requesterNumber"] = _split_vat_id(
            requester_vat_id, "requester_vat_id"
        )
    reply = _post(getattr(settings, "VIES_REST_URL", VIES_REST_URL), payload, timeout)

    def unavailable(reason: str, data: dict[str, Any] | None = None, retryable: bool = True) -> VatAnswer:
        data = data or {}
        return VatAnswer(
            service="vies",
            result=UNAVAILABLE,
            request_identifier="",
            answer_date=_text(data.get("requestDate")),
            trader_name="",
            trader_address="",
            matches={},
            message=f"VIES: {reason}.",
            raw_response=reply.text,
            retryable=retryable,
        )

    if reply.data is None:
        return unavailable(gettext("%(failure)s; retry later") % {"failure": reply.failure})
    data = reply.data
    code = _vies_error_code(data)
    if code:
        return unavailable(_vies_error_sentence(code), data, retryable=code not in VIES_NOT_RETRYABLE)
    if data.get("actionSucceed") is False:
        return unavailable(gettext("the service reported a failure without an error code; retry later"), data)
    if reply.status_code >= 400:
        return unavailable(
            gettext("the service answered HTTP %(status)s; retry later") % {"status": reply.status_code}, data
        )
    # The verdict is "valid" (REST API) or "isValid" (web front end's variant).
    verdict = data.get("valid", data.get("isValid"))
    if not isinstance(verdict, bool):
        return unavailable(
            gettext("the answer has no verdict (HTTP %(status)s); retry later") % {"status": reply.status_code}, data
        )

    request_identifier = _text(data.get("requestIdentifier"))
    if verdict:
        if request_identifier:
            proof = gettext("consultation number %(number)s") % {"number": request_identifier}
        elif requester_vat_id:
            proof = gettext("VIES returned no consultation number")
        else:
            proof = gettext("no consultation number, as no requester VAT ID was sent")
        message = gettext("VIES: %(vat_id)s is valid (%(proof)s).") % {"vat_id": vat_id, "proof": proof}
    else:
        message = gettext("VIES: %(vat_id)s is not a valid VAT ID according to the %(country)s register.") % {
            "vat_id": vat_id,
            "country": country_code,
        }
    return VatAnswer(
        service="vies",
        result=VALID if verdict else INVALID,
        request_identifier=request_identifier,
        answer_date=_text(data.get("requestDate")),
        trader_name=_vies_detail(data.get("name")),
        trader_address=_vies_detail(data.get("address")),
        matches={},
        message=message,
        raw_response=reply.text,
    )


# --- BZSt eVatR ---------------------------------------------------------------------------
# Status codes of the eVatR REST API (GET /app/v1/info/statusmeldungen), grouped by what
# they say about the requested VAT ID. Sentences take the VAT ID and the validity dates.
BZST_VALID = {
    "evatr-0000": "{vat_id} is valid at the time of the request",
    # Name or city missing: the BZSt fell back to a simple confirmation.
    "evatr-0003": "{vat_id} is valid at the time of the request, but only a simple confirmation was made "
    "because name or city was missing",
    "evatr-2008": "{vat_id} is valid at the time of the request; the qualified confirmation has a special "
    "case, ask the BZSt",
}
BZST_INVALID = {
    "evatr-2001": "{vat_id} is not assigned at the time of the request",
    "evatr-2002": "{vat_id} is not valid at the time of the request; it is valid only from {valid_from}",
    "evatr-2006": "{vat_id} is not valid at the time of the request; it was valid from {valid_from} to {valid_to}",
    "evatr-0005": "{vat_id} is syntactically wrong",
    "evatr-0012": "{vat_id} does not fit the numbering scheme of its member state",
    "evatr-2003": "the country code of {vat_id} is not valid",
}
# "Eine Bearbeitung Ihrer Anfrage ist zurzeit nicht möglich": the service or the member
# state cannot answer now; the same request may succeed later.
BZST_RETRY = {
    **dict.fromkeys(
        (
            "evatr-0011",
            "evatr-0013",
            "evatr-1001",
            "evatr-1002",
            "evatr-1003",
            "evatr-1004",
            "evatr-2004",
            "evatr-2011",
            "evatr-3011",
        ),
        "the request cannot be processed at the moment",
    ),
    "evatr-2007": "an error occurred while processing the member state's data",
    # Limit per session of the BZSt; a later request starts afresh.
    "evatr-0008": "the limit of qualified requests per session was reached",
}
# Problems with our own request or requester VAT ID: no answer until someone fixes them.
BZST_SETUP = {
    "evatr-0001": "the BZSt asks to accept its data protection notice",
    "evatr-0002": "a mandatory field of the request is missing",
    "evatr-0004": "our German requester VAT ID is syntactically wrong",
    "evatr-0006": "our requester VAT ID may not confirm German VAT IDs",
    "evatr-0007": "the BZSt rejected the call as faulty",
    "evatr-2005": "our German requester VAT ID is not valid at the time of the request",
}
# Qualified confirmation results, per field (ergFirmenname, ergStrasse, ergPlz, ergOrt).
BZST_MATCH_FIELDS = {"ergFirmenname": "name", "ergStrasse": "street", "ergPlz": "postal_code", "ergOrt": "city"}
BZST_MATCH_LEGEND = {
    "A": "matches the registered data",
    "B": "does not match the registered data",
    "C": "was not requested",
    "D": "was not provided by the member state",
}


def _bzst_matches(data: dict[str, Any]) -> dict:
    matches: dict[str, Any] = {
        ours: _text(data.get(theirs)) for theirs, ours in BZST_MATCH_FIELDS.items() if _text(data.get(theirs))
    }
    if matches:
        matches["legend"] = dict(BZST_MATCH_LEGEND)
    return matches


def _bzst_match_summary(matches: dict) -> str:
    """'name matches the registered data (A), street does not match the registered data (B)'."""
    parts = []
    for key, code in matches.items():
        if key != "legend":
            meaning = BZST_MATCH_LEGEND.get(code, "has an unknown result")
            parts.append(f"{key.replace('_', ' ')} {meaning} ({code})")
    return ", ".join(parts)


def bzst_check(
    *,
    vat_id: str,
    requester_vat_id: str,
    name: str,
    street: str,
    postal_code: str,
    city: str,
    timeout: float = 10.0,
) -> VatAnswer:
    """Qualified confirmation of a foreign VAT ID by the BZSt (§ 18e Nr. 1 UStG, eVatR REST API).

    Preconditions, checked with ``ValueError`` because the caller never asks otherwise:
    ``vat_id`` is a non-German VAT ID (the BZSt confirms only foreign ones) and
    ``requester_vat_id`` is our own German VAT ID (only German traders may ask).
    Name and city make the request qualified; street and postal code are optional.
    Empty fields are left out of the request.

    The BZSt does not disclose register data, so ``trader_name`` and ``trader_address``
    stay empty; ``matches`` holds its codes A (match), B (no match), C (not requested),
    D (not provided by the member state) per field. ``request_identifier`` is the
    answer's ``id`` and ``answer_date`` its ``anfrageZeitpunkt``.
    """
    prefix, _ = _split_vat_id(vat_id, "vat_id")
    if prefix == "DE":
        raise ValueError(f"the BZSt confirms only non-German VAT IDs, got {vat_id!r}")
    if not requester_vat_id:
        raise ValueError("the BZSt needs our German VAT ID as requester_vat_id")
    if _split_vat_id(requester_vat_id, "requester_vat_id")[0] != "DE":
        raise ValueError(f"requester_vat_id must be a German VAT ID, got {requester_vat_id!r}")

    payload = {"anfragendeUstid": requester_vat_id, "angefragteUstid": vat_id}
    for key, value in (("firmenname", name), ("strasse", street), ("plz", postal_code), ("ort", city)):
        if value.strip():
            payload[key] = value.strip()
    reply = _post(getattr(settings, "BZST_EVATR_URL", BZST_EVATR_URL), payload, timeout)

    data = reply.data or {}
    status = _text(data.get("status"))
    request_identifier = _text(data.get("id"))
    answer_date = _text(data.get("anfrageZeitpunkt"))
    matches = _bzst_matches(data)

    if reply.data is None:
        result, sentence = UNAVAILABLE, f"{reply.failure}; retry later"
    elif not status:
        result, sentence = UNAVAILABLE, f"the answer has no status (HTTP {reply.status_code}); retry later"
    elif status in BZST_VALID or status in BZST_INVALID:
        result = VALID if status in BZST_VALID else INVALID
        template = BZST_VALID.get(status) or BZST_INVALID[status]
        sentence = template.format(
            vat_id=vat_id,
            valid_from=_text(data.get("gueltigAb")) or "a date not stated",
            valid_to=_text(data.get("gueltigBis")) or "a date not stated",
        )
        sentence += f" ({status})"
        if result == VALID and matches:
            sentence += f"; {_bzst_match_summary(matches)}"
    elif status in BZST_RETRY:
        result, sentence = UNAVAILABLE, f"{BZST_RETRY[status]} ({status}); retry later"
    elif status in BZST_SETUP:
        result = UNAVAILABLE
        sentence = f"{BZST_SETUP[status]} ({status}), so {vat_id} was not checked; fix this before retrying"
    else:
        result, sentence = UNAVAILABLE, f"unknown status {status} (HTTP {reply.status_code}); retry later"

    return VatAnswer(
        service="bzst",
        result=result,
        request_identifier=request_identifier,
        answer_date=answer_date,
        trader_name="",
        trader_address="",
        matches=matches,
        message=f"BZSt: {sentence}.",
        raw_response=reply.text,
        retryable=not (result == UNAVAILABLE and status in BZST_SETUP),
    )
