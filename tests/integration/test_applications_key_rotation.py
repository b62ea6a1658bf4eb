"""Key-ring rotation with the real service and the real command: data wrapped under the old key still opens after
a new key is put first; `rewrap` moves every data key to the new key; then the old key can leave the ring.

Two instances share one database and vault from the start (they start in parallel, which is most of this test's
time): one still on the old ring, one already on the new key alone."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from recruiting_applications.adapters.crypto import b64encode, new_key
from recruiting_applications.adapters.key_vault import FileKeyVault
from recruiting_applications.entrypoints import cli
from tests.support.mailbox import link_token

from tests.integration.test_applications_helpers import apply, open_posting, shared_services


def command(name: str, env: dict[str, str], monkeypatch, capsys) -> dict:
    """The operator's command, run in-process with the service's environment (the prune command runs its own
    event loop, hence a thread)."""
    with monkeypatch.context() as patch:
        for variable, value in env.items():
            patch.setenv(variable, value)
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(cli.main, [name]).result() == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


async def test_rotation_keeps_old_data_readable_and_rewrap_retires_the_old_key(stack, smtp, tmp_path, monkeypatch,
                                                                               capsys):
    auth, _ = await shared_services(stack)
    old, new = f"k1:{b64encode(new_key())}", f"k2:{b64encode(new_key())}"
    keys = {"key_vault_dir": str(tmp_path / "vault"), "service_secret": b64encode(new_key()),
            "database": "applications_rotation", "queue_prefix": f"{stack.queue_prefix}rotation.",
            "auth_jwks_url": f"{auth.url}/api/auth/jwks.json"}

    first = stack.service("applications", key_ring=old, **keys)
    second = stack.service("applications", key_ring=new, **keys)  # the old key is not in its ring
    await asyncio.gather(first.wait_ready(), second.wait_ready())
    posting_id, _ = await open_posting(stack, first)
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
        response, fields, documents = await apply(client, posting_id)
        assert response.status_code == 201, response.text
    token = link_token((await smtp.wait_for(fields["email"], "private link"))[0], "/my-application")
    first.stop()

    vault = FileKeyVault(tmp_path / "vault")
    application_id = uuid.UUID(response.json()["application_id"])
    assert vault.get(application_id).kek_id == "k1"

    rotated_env = {**first.env, "KEY_RING": f"{new},{old}"}
    assert command("rewrap", rotated_env, monkeypatch, capsys) == {"active_key": "k2", "entries": 1, "rewrapped": 1}
    assert command("rewrap", rotated_env, monkeypatch, capsys)["rewrapped"] == 0
    assert vault.get(application_id).kek_id == "k2"

    # An orphan (a key whose application never committed) an hour old goes; the living application's key stays.
    orphan, fresh_orphan = uuid.uuid4(), uuid.uuid4()
    for entry in (orphan, fresh_orphan):
        vault.put(entry, vault.get(application_id))
    hour_ago = time.time() - 3700
    os.utime(vault._path(orphan), (hour_ago, hour_ago))
    os.utime(vault._path(application_id), (hour_ago, hour_ago))
    assert command("prune", rotated_env, monkeypatch, capsys) == {"pruned": 1}
    assert vault.get(orphan) is None and vault.get(fresh_orphan) and vault.get(application_id)

    async with httpx.AsyncClient(base_url=second.url, timeout=30) as client:
        session = await client.post("/api/applicant/session", json={"token": token})
        headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
        mine = await client.get("/api/applicant/application", headers=headers)
        assert mine.status_code == 200 and mine.json()["applicant"]["email"] == fields["email"]
        document_id = mine.json()["documents"][0]["document_id"]
        original = await client.get(f"/api/applicant/documents/{document_id}", headers=headers)
        assert original.content == documents[0][1]
    second.stop()
