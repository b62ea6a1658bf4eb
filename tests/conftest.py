"""Fixtures of the whole suite. See tests/support/ for what they are built from."""

from __future__ import annotations

import os

import pytest
import pytest_asyncio

from tests.support.infra import Infrastructure
from tests.support.mailbox import SmtpCapture
from tests.support.stack import Stack


@pytest.fixture(scope="session")
def infra():
    infrastructure = Infrastructure()  # raises NoInfrastructure: the run fails, it never skips
    yield infrastructure
    infrastructure.stop()


@pytest.fixture(scope="session")
def smtp(tmp_path_factory):
    capture = SmtpCapture(tmp_path_factory.mktemp("mail"))
    yield capture
    capture.stop()


@pytest_asyncio.fixture(scope="session")
async def stack(infra, smtp, tmp_path_factory):
    test_stack = Stack(infra, smtp, tmp_path_factory.mktemp("stack"))
    yield test_stack
    await test_stack.cleanup()


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test is a failure: in CI every test must run against the real servers."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") and skipped:
        reporter.write_line(f"CI=true: {len(skipped)} test(s) skipped, which fails the run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
