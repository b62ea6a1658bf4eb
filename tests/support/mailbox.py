"""The SMTP capture: a real aiosmtpd server (the development mailbox's handler) whose messages tests read."""

from __future__ import annotations

import asyncio
import re
import time
from email.message import EmailMessage
from pathlib import Path

from recruiting_shared.devmail import start_mailbox

from .tcp_proxy import free_port


class SmtpCapture:
    def __init__(self, folder: Path) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller, self.mailbox = start_mailbox(folder, self.host, self.port)

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        return [m for m in self.mailbox.messages() if to is None or to.lower() in str(m["To"]).lower()]

    async def wait_for(self, to: str, subject_contains: str = "", *, timeout: float = 20, count: int = 1) -> list[EmailMessage]:
        """The first `count` messages to `to` whose subject contains the text; fails the test after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages(to) if subject_contains.lower() in str(m["Subject"]).lower()]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                subjects = [str(m["Subject"]) for m in self.messages(to)]
                raise AssertionError(f"no e-mail to {to} with {subject_contains!r} after {timeout}s; got {subjects}")
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        self.controller.stop()


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_token(message: EmailMessage, path: str) -> str:
    """The `token` query parameter of the first link to `path` in the message's text."""
    match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-\.~%]+)", body_text(message))
    assert match, f"no {path} link in the e-mail"
    return match.group(1)
