"""Key-ring rotation with the real service and the real command: data wrapped under the old key still opens after
a new key is put first; `rewrap` moves every data key to the new key; then the old key can leave the ring."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
from recruiting_applications.adapters.crypto import b64encode, new_key
from tests.support.mailbox import link_token

from tests.integration.test_applications_helpers import apply, open_posting, shared_services


def rewrap(env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-m", "recruiting_applications.entrypoints.cli", "rewrap"],
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


async def test_rotation_keeps_old_data_readable_and_rewrap_retires_the_old_key(stack, smtp, tmp_path):
    auth, _ = await shared_services(stack)
    old, new = f"k1:{b64encode(new_key())}", f"k2:{b64encode(new_key())}"
    keys = {"key_vault_dir": str(tmp_path / "vault"), "service_secret": b64encode(new_key()),
            "database": "applications_rotation", "queue_prefix": f"{stack.queue_prefix}rotation.",
            "auth_jwks_url": f"{auth.url}/api/auth/jwks.json"}

    first = stack.service("applications", key_ring=old, **keys)
    await first.wait_ready()
    posting_id, _ = await open_posting(stack, first)
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
        response, fields, documents = await apply(client, posting_id)
        assert response.status_code == 201, response.text
    token = link_token((await smtp.wait_for(fields["email"], "private link"))[0], "/my-application")
    first.stop()

    rotated_env = {**first.env, "KEY_RING": f"{new},{old}"}
    assert rewrap(rotated_env) == {"active_key": "k2", "entries": 1, "rewrapped": 1}
    assert rewrap(rotated_env)["rewrapped"] == 0

    second = stack.service("applications", key_ring=new, **keys)  # the old key is gone from the ring
    await second.wait_ready()
    async with httpx.AsyncClient(base_url=second.url, timeout=30) as client:
        session = await client.post("/api/applicant/session", json={"token": token})
        headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
        mine = await client.get("/api/applicant/application", headers=headers)
        assert mine.status_code == 200 and mine.json()["applicant"]["email"] == fields["email"]
        document_id = mine.json()["documents"][0]["document_id"]
        original = await client.get(f"/api/applicant/documents/{document_id}", headers=headers)
        assert original.content == documents[0][1]
    second.stop()
