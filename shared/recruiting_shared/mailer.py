"""Sending e-mail over SMTP with aiosmtplib. Without SMTP_HOST/SMTP_PORT the development mailbox on
127.0.0.1:1025 (see devmail.py) receives everything."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from .config import Settings


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.sender = settings.smtp_from
        self.login = {"username": settings.smtp_username, "password": settings.smtp_password} if settings.smtp_username else {}
        self.starttls = settings.smtp_starttls

    def compose(self, to: str, subject: str, text: str, *, attachments: list[tuple[str, str, bytes]] = ()) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        for filename, mime_type, content in attachments:
            maintype, subtype = mime_type.split("/", 1)
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        return message

    async def send(self, to: str, subject: str, text: str, *, attachments: list[tuple[str, str, bytes]] = ()) -> None:
        await aiosmtplib.send(self.compose(to, subject, text, attachments=attachments),
                              hostname=self.host, port=self.port, timeout=15, start_tls=self.starttls, **self.login)
