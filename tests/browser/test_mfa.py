"""Given an assessor who has never signed in, when they sign in with their password, then
they set up an authenticator app (the key typed from the page, as a person without a camera
would), are shown ten backup codes, reach their home page; next time they are asked for a
code and sign in with a backup code. Every page passes axe."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def password_step(page, live_server, email):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_an_assessor_sets_up_an_app_and_later_signs_in_with_a_backup_code(
    page, live_server, axe, roles, transactional_db
):
    from base64 import b32decode

    password_step(page, live_server, roles.assessor.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    assert_accessible(axe, page, "mfa-setup")
    expect(page.get_by_role("img", name="QR code for setting up the authenticator app"))

    key = page.locator("[data-otp-key]").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(f"{TOTP(b32decode(key)).token():06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()
    codes = page.locator("[data-backup-codes] code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(axe, page, "mfa-backup-codes")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Your assessments")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    password_step(page, live_server, roles.assessor.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert_accessible(axe, page, "mfa-verify")
    page.get_by_label("Code from your authenticator app, or a backup code").fill("wrong1")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    assert_accessible(axe, page, "mfa-verify-error")

    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.filter(user=roles.assessor).update(throttling_failure_timestamp=None)
    page.get_by_label("Code from your authenticator app, or a backup code").fill(codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your assessments")).to_be_visible()
