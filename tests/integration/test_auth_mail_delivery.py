"""E-mail goes through a queue in auth's database: the request does not wait for SMTP, an SMTP outage loses
nothing, and the queued message is not readable in the database."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.support.auth_helpers import auth_database, client_address, signup_company, unique_email
from tests.support.tcp_proxy import TcpProxy


async def queued_mail(process) -> list:
    conn = await auth_database(process)
    try:
        return await conn.fetch("SELECT message_sealed, attempts, last_error FROM outgoing_mail")
    finally:
        await conn.close()


def metric(text: str, name: str) -> float:
    return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


async def wait_until(condition, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"condition not met in time; queue: {await queued_mail(process)}\n" \
                                            f"{process.log_tail()}"
        await asyncio.sleep(0.2)


async def test_mail_survives_an_smtp_outage_and_is_sealed_while_it_waits(stack, smtp):
    proxy = TcpProxy(smtp.host, smtp.port).start()
    proxy.block()
    auth = stack.service("auth", database="auth_mail", SMTP_PORT=str(proxy.port))
    try:
        await auth.wait_ready()
        admin = await signup_company(auth.url)
        invitee = unique_email("patient")
        async with httpx.AsyncClient(base_url=auth.url) as client:
            answer = await client.post("/api/auth/users", json={"email": invitee, "name": "Pat", "role": "recruiter"},
                                       headers=admin.headers)
            assert answer.status_code == 201, "the request does not wait for the mail server"
            await client.post("/api/auth/password/forgot", json={"email": admin.email}, headers=client_address(60))

        async def both_failed_at_least_once() -> bool:
            rows = await queued_mail(auth)
            return len(rows) == 2 and all(row["attempts"] >= 1 for row in rows)

        await wait_until(both_failed_at_least_once, auth)
        rows = await queued_mail(auth)
        for row in rows:
            assert invitee.encode() not in row["message_sealed"] and b"token=" not in row["message_sealed"]
        assert smtp.messages(invitee) == []

        proxy.unblock()
        await smtp.wait_for(invitee, "invited", timeout=30)
        await smtp.wait_for(admin.email, "Reset your password", timeout=30)

        async def queue_empty() -> bool:
            return not await queued_mail(auth)

        await wait_until(queue_empty, auth)
        assert len(smtp.messages(invitee)) == 1, "delivered once"
        async with httpx.AsyncClient(base_url=auth.url) as client:
            metrics = (await client.get("/metrics")).text
        assert metric(metrics, "auth_mail_sent_total") == 2
        assert metric(metrics, "auth_mail_failures_total") >= 2
        assert metric(metrics, "auth_mail_dropped_total") == 0
    finally:
        auth.stop()
        proxy.stop()
