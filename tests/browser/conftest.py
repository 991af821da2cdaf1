"""Playwright for Python on Debian's chromium (never a downloaded browser), plus axe-core.

Every browser test runs against pytest-django's live server, on the real database.
"""

import os
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.factories import TEST_PASSWORD, authenticator_app

# Playwright's sync API runs an event loop in this thread; Django's async guard
# would otherwise refuse the test's own database calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (one person each), listening for CSP reports."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="en-GB", **options
        )
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda message: (
                page.csp_errors.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def axe():
    return Axe()


def assert_accessible(axe, page, name):
    """Zero WCAG 2.2 AA violations from axe-core; a screenshot is kept for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    assert page.csp_errors == [], page.csp_errors


def sign_in(page, live_server, email, password=TEST_PASSWORD):
    """Sign in with the password and, for a user who needs it, a second factor: the user is
    given an authenticator app (as if set up before) and signs in with a fresh backup code
    (a code from the app could be refused as already used when the same person signs in
    twice within 30 seconds). tests/browser/test_mfa.py drives the set-up with a real code."""
    from accounts import mfa
    from accounts.models import User

    user = User.objects.get(email__iexact=email)
    backup_code = None
    if mfa.needs_multi_factor(user):
        authenticator_app(user)
        backup_code = mfa.new_backup_codes(user)[0]
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if backup_code is not None and "/sign-in/code/" in page.url:
        page.get_by_label("Code from your authenticator app, or a backup code").fill(backup_code)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
