"""A fake Stripe for tests: only the HTTP call is replaced, everything else is the real library.

- ``FakeStripe`` answers the few API calls Debitor makes (Checkout Sessions, Refunds, Balance
  Transactions) with real-shaped JSON and records each request (path, decoded form parameters,
  headers — e.g. the idempotency key).
- ``FakeStripeHTTPClient`` is a ``stripe.HTTPClient`` that hands requests to a ``FakeStripe`` in
  process: ``providers.adapters.stripe.HTTP_CLIENT = FakeStripeHTTPClient(fake)`` (fixture
  ``fake_stripe`` in conftest).
- ``FakeStripeServer`` serves the same on 127.0.0.1 over real HTTP, for a browser test: point the
  library at it with the setting ``STRIPE_API_BASE = server.url``; the checkout URLs it hands out
  are ``{server.url}/c/pay/<session id>``, a small page with a "Pay" heading.
- ``stripe_event`` / ``signed`` build webhook deliveries in Stripe's shape, signed with Stripe's
  scheme (``t=…,v1=HMAC-SHA256(secret, "{t}.{body}")``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

from providers.adapters.stripe import API_VERSION

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}{int(time.time() * 1000) % 100000:05d}"


class FakeStripe:
    def __init__(self, *, checkout_base: str = "https://checkout.stripe.com"):
        self.checkout_base = checkout_base
        self.requests: list[dict] = []
        self.refund_status = "succeeded"
        self.refund_error: str | None = None
        self.balance_transactions: dict[str, dict] = {}

    def respond(self, method: str, url: str, headers, body: str | None) -> tuple[int, dict]:
        path = urlsplit(url).path
        params = dict(parse_qsl(body or "", keep_blank_values=True))
        self.requests.append({"method": method.upper(), "path": path, "params": params, "headers": dict(headers)})
        if method.upper() == "POST" and path == "/v1/checkout/sessions":
            session_id = new_id("cs")
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
                "currency": params["line_items[0][price_data][currency]"],
                "client_reference_id": params.get("client_reference_id"),
                "expires_at": int(params["expires_at"]),
                "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
                "mode": "payment",
                "payment_intent": None,
                "payment_status": "unpaid",
                "status": "open",
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "url": f"{self.checkout_base}/c/pay/{session_id}",
                "livemode": False,
            }
        if method.upper() == "POST" and path == "/v1/refunds":
            if self.refund_error:
                return 400, {"error": {"type": "invalid_request_error", "message": self.refund_error}}
            return 200, {
                "id": new_id("re"),
                "object": "refund",
                "amount": int(params["amount"]),
                "currency": "eur",
                "payment_intent": params["payment_intent"],
                "status": self.refund_status,
                "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            }
        if method.upper() == "GET" and path.startswith("/v1/balance_transactions/"):
            found = self.balance_transactions.get(path.rsplit("/", 1)[1])
            if found is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such balance transaction"}}
            return 200, found
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL {path}"}}

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]


class FakeStripeHTTPClient(stripe.HTTPClient):
    name = "fake"

    def __init__(self, fake: FakeStripe):
        super().__init__()
        self.fake = fake

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        status, body = self.fake.respond(method, url, headers or {}, post_data)
        return json.dumps(body), status, {"request-id": new_id("req"), "stripe-should-retry": "false"}

    def close(self):
        pass


class FakeStripeServer:
    """``with FakeStripeServer() as server: settings.STRIPE_API_BASE = server.url``."""

    def __init__(self):
        self.fake = FakeStripe()
        fake = self.fake

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str):
                if method == "GET" and self.path.startswith("/c/pay/"):
                    page = b"<!doctype html><title>Stripe Checkout (test)</title><h1>Pay</h1>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, data = fake.respond(method, self.path, dict(self.headers), body)
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):  # noqa: N802 - http.server's naming
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        fake.checkout_base = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Webhook deliveries --------------------------------------------------------------------------


def cents(amount: str | Decimal) -> int:
    return int(Decimal(str(amount)) * 100)


def stripe_event(type_: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created if created is not None else int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def signature(body: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def session_object(session, *, payment_intent: str, payment_status: str = "paid", amount=None) -> dict:
    """``session``: a ``CheckoutSession`` row (what we created) as Stripe reports it when completed."""
    return {
        "id": session.session_id,
        "object": "checkout.session",
        "amount_subtotal": cents(amount or session.amount),
        "amount_total": cents(amount or session.amount),
        "client_reference_id": str(session.reference),
        "currency": session.currency.lower(),
        "customer_details": {"email": "payer@example.com", "name": "Payer"},
        "expires_at": int(session.expires_at.timestamp()),
        "livemode": False,
        "metadata": {
            "debitor_reference": str(session.reference),
            "debitor_customer": str(session.customer_id),
            "invoices": " ".join(session.items.values_list("invoice__number", flat=True)),
        },
        "mode": "payment",
        "payment_intent": payment_intent,
        "payment_status": payment_status,
        "status": "complete" if payment_status != "expired" else "expired",
    }


def intent_object(session, *, payment_intent: str, status: str = "succeeded", amount=None, error: str = "") -> dict:
    amount_minor = cents(amount or session.amount)
    return {
        "id": payment_intent,
        "object": "payment_intent",
        "amount": amount_minor,
        "amount_received": amount_minor if status == "succeeded" else 0,
        "currency": session.currency.lower(),
        "latest_charge": "ch_" + payment_intent[3:],
        "last_payment_error": {"code": "card_declined", "message": error} if error else None,
        "livemode": False,
        "metadata": session_object(session, payment_intent=payment_intent)["metadata"],
        "status": status,
    }


def charge_object(payment_intent: str, *, amount: str, brand="visa", last4="4242", balance_transaction="") -> dict:
    return {
        "id": "ch_" + payment_intent[3:],
        "object": "charge",
        "amount": cents(amount),
        "amount_refunded": 0,
        "balance_transaction": balance_transaction or None,
        "currency": "eur",
        "paid": True,
        "payment_intent": payment_intent,
        "payment_method_details": {
            "type": "card",
            "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2030, "country": "DE"},
        },
        "refunded": False,
        "status": "succeeded",
    }


def refund_object(payment_intent: str, *, refund_id: str, amount: str, status: str = "succeeded") -> dict:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": cents(amount),
        "charge": "ch_" + payment_intent[3:],
        "currency": "eur",
        "payment_intent": payment_intent,
        "reason": "requested_by_customer",
        "status": status,
    }


def dispute_object(payment_intent: str, *, dispute_id: str, amount: str, status: str, reason="fraudulent") -> dict:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": cents(amount),
        "charge": "ch_" + payment_intent[3:],
        "currency": "eur",
        "payment_intent": payment_intent,
        "reason": reason,
        "status": status,
        "is_charge_refundable": False,
    }
