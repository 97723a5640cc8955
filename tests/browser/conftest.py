"""Browser layer: every page a test visits is checked for console errors (CSP included)."""

import pytest


@pytest.fixture
def page(page):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
