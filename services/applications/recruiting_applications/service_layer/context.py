"""What the handlers of the applications service work with: the shared runtime plus the key material."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from recruiting_shared.outbox import Outbox
from recruiting_shared.service import Runtime

from ..adapters.keys import KeyMaterial
from ..adapters.mail_queue import MailSender
from ..config import ApplicationsSettings


@dataclass
class Services:
    settings: ApplicationsSettings
    keys: KeyMaterial
    mail: MailSender
    runtime: Runtime  # its pool exists once the service has started

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    @property
    def outbox(self) -> Outbox:
        return self.runtime.outbox
