"""The pages behind the links in e-mails are served by the gateway, with a policy that lets only their own script
run, and the token of the link never reaches the access log."""

import httpx
import pytest

from tests.support.gateway import TestGateway


@pytest.fixture
async def gateway(tmp_path):
    # No service is needed for static pages; every upstream points at a closed port.
    running = TestGateway(tmp_path, {}).start()
    await running.wait_ready()
    yield running
    running.stop()


@pytest.mark.parametrize("page", ["reset-password", "accept-invitation", "my-application"])
def test_each_link_target_is_a_page_that_runs_only_its_own_script(gateway, page):
    response = httpx.get(f"{gateway.url}/{page}", params={"token": "secret-link-token"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f'data-page="{page}"' in response.text and '<script src="/assets/pages.js"' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert gateway.access_log_entries()[-1]["path"] == f"/{page}"
    assert "secret-link-token" not in gateway.access_log.read_text()


def test_the_pages_script_and_style_are_served_with_their_types(gateway):
    script = httpx.get(f"{gateway.url}/assets/pages.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "/api/auth/password/reset" in script.text and "/api/applicant/session" in script.text
    assert "innerHTML" not in script.text  # values are written as text, never as markup
    style = httpx.get(f"{gateway.url}/assets/style.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert httpx.get(f"{gateway.url}/assets/nothing.js").status_code == 404


def test_the_api_keeps_its_strict_policy(gateway):
    response = httpx.get(f"{gateway.url}/api/jobs")
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
