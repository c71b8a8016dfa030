"""A real SMTP server for tests (aiosmtpd), on a free local port, in a thread of the test process.

It records every transaction it accepted (envelope sender, recipients, the raw message bytes)
and can refuse chosen recipients at RCPT with a given reply (``"550 5.1.1 User unknown"``,
``"451 4.7.1 Try again later"``), as a real server does for unknown or greylisted addresses.
A worker in another process reaches it through the network like any mail server.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from .celery_worker import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class RecordingHandler:
    refuse: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook)
        reply = self.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        data = bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data))
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer:
    def __init__(self, controller: Controller, handler: RecordingHandler):
        self.controller = controller
        self.handler = handler

    @property
    def host(self) -> str:
        return self.controller.hostname

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def url(self) -> str:
        """For EMAIL_URL (django-environ): plain SMTP, no login."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse(self, address: str, reply: str) -> None:
        self.handler.refuse[address.lower()] = reply


@contextlib.contextmanager
def smtp_server():
    handler = RecordingHandler()
    # decode_data=False keeps the message bytes as transmitted (attachments compared byte for byte).
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), decode_data=False)
    controller.start()
    try:
        yield SmtpServer(controller, handler)
    finally:
        controller.stop()
