"""The end-to-end tests' fixture: the whole platform behind the gateway (tests/support/platform.py)."""

from tests.support.platform import platform  # noqa: F401  (a fixture, used by name)
