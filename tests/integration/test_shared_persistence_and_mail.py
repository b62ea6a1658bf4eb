"""Database creation and migrations under concurrency; the mailer and the development mailbox over real SMTP."""

import asyncio
from uuid import uuid4

import asyncpg
from recruiting_shared import db
from recruiting_shared.config import Settings
from recruiting_shared.mailer import Mailer

from tests.support.mailbox import body_text


async def test_two_instances_starting_together_create_and_migrate_the_database_once(stack, tmp_path):
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first (id int PRIMARY KEY);")
    (tmp_path / "0002_second.sql").write_text("CREATE TABLE second (id int PRIMARY KEY);")
    name = stack.database_name(f"mig{uuid4().hex[:6]}")

    applied = await asyncio.gather(*(db.prepare_database(stack.infra.postgres_url, name, tmp_path) for _ in range(4)))

    expected = ["shared:0001_messaging", "0001_first", "0002_second"]
    assert sorted(applied, key=len)[-1] == expected  # one instance applied everything ...
    assert sum(len(versions) for versions in applied) == len(expected)  # ... and nobody applied anything twice
    conn = await asyncpg.connect(f"{stack.infra.postgres_url}/{name}")
    try:
        assert [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY applied_at")] == expected
    finally:
        await conn.close()
    assert await db.prepare_database(stack.infra.postgres_url, name, tmp_path) == []


async def test_the_mailer_delivers_over_smtp_to_the_mailbox(smtp):
    mailer = Mailer(Settings(service_name="auth", smtp_host=smtp.host, smtp_port=smtp.port))
    recipient = f"{uuid4().hex[:8]}@example.org"
    await mailer.send(recipient, "Welcome aboard", "Hello,\nthis is a real e-mail.\n",
                      attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 test")])
    [message] = await smtp.wait_for(recipient, "Welcome aboard")
    assert "this is a real e-mail." in body_text(message)
    assert [part.get_filename() for part in message.iter_attachments()] == ["invoice.pdf"]
