"""The development mailbox: an SMTP server on localhost that keeps every message as an .eml file.

    python -m recruiting_shared.devmail serve [--dir var/mail] [--port 1025]
    python -m recruiting_shared.devmail list  [--dir var/mail]
    python -m recruiting_shared.devmail show FILE

The same class is what the test suite's SMTP capture uses."""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

from aiosmtpd.controller import Controller


class FileMailbox:
    """aiosmtpd handler: one file per received message, named so that `sorted()` is arrival order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        name = f"{time.time_ns()}-{uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [read_message(path) for path in sorted(self.folder.glob("*.eml"))]


def read_message(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def start_mailbox(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> tuple[Controller, FileMailbox]:
    mailbox = FileMailbox(folder)
    controller = Controller(mailbox, hostname=host, port=port)
    controller.start()
    return controller, mailbox


def main() -> None:
    parser = argparse.ArgumentParser(prog="devmail", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["serve", "list", "show"])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--dir", type=Path, default=Path("var/mail"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    args = parser.parse_args()
    if args.command == "serve":
        controller, _ = start_mailbox(args.dir, args.host, args.port)
        print(f"development mailbox on smtp://{args.host}:{args.port}, messages in {args.dir}/", flush=True)
        try:
            asyncio.run(asyncio.Event().wait())
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
    elif args.command == "list":
        for path in sorted(args.dir.glob("*.eml")):
            message = read_message(path)
            print(f"{path.name}  to={message['To']}  subject={message['Subject']}")
    else:
        print(read_message(Path(args.file)).get_body(preferencelist=("plain",)).get_content())


if __name__ == "__main__":
    main()
