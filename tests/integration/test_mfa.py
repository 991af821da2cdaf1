"""Multi-factor sign-in: assessors, moderators and national admins give a code from an
authenticator app (or a backup code) after their password; CCG leads and accountable
officers do not. Codes are computed here as an authenticator app would (RFC 6238)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def password_sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return response


def app_code(device, *, drift=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + drift * device.step
    return f"{totp.token():06d}"


def set_up_app(client, next_url=""):
    page = client.get(reverse("mfa_setup") + (f"?next={next_url}" if next_url else ""))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("mfa_setup"), {"code": app_code(device), "next": next_url})
    return device, response


@pytest.mark.parametrize("role", ["assessor", "moderator", "admin"])
def test_national_roles_must_set_up_an_app_before_any_page(client, roles, role):
    user = getattr(roles, role)
    password_sign_in(client, user)

    for url in (reverse("home"), reverse("letters:home"), "/django-admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_setup") + "?next=")

    page = client.get(reverse("mfa_setup")).content.decode()
    assert "data:image/svg+xml" in page  # the QR code, inline (no request leaves the page)
    assert "otpauth" not in page  # the key is shown as text, the URI only inside the QR code
    assert f'href="{reverse("assessment:cycle_list")}"' not in page  # no menu until verified


@pytest.mark.parametrize("role", ["lead", "officer", "nobody"])
def test_ccg_roles_sign_in_with_a_password_alone(client, roles, role):
    password_sign_in(client, getattr(roles, role))
    assert client.get(reverse("home")).status_code == 200


def test_setting_up_the_app_gives_ten_backup_codes_and_opens_the_service(client, roles):
    password_sign_in(client, roles.assessor)
    wrong = client.post(reverse("mfa_setup"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "The code is not right" in wrong.content.decode()
    # The person waits the second that a wrong code costs (django-otp's throttling).
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))

    device, response = set_up_app(client, next_url="/assessments/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your authenticator app is set up." in page
    assert page.count("<li><code>") == 10
    assert 'href="/assessments/"' in page
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_next_time_the_code_is_asked_for_and_a_backup_code_works_once(client, roles):
    from accounts import mfa

    password_sign_in(client, roles.moderator)
    device, _ = set_up_app(client)
    codes = mfa.new_backup_codes(roles.moderator)
    client.post(reverse("logout"))

    password_sign_in(client, roles.moderator)
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa_verify"))
    assert client.get(reverse("mfa_setup"))["Location"].startswith(reverse("mfa_verify"))
    used = client.post(reverse("mfa_verify"), {"code": codes[0].upper(), "next": "/"})
    assert used.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert mfa.backup_codes_left(roles.moderator) == 9

    client.post(reverse("logout"))
    password_sign_in(client, roles.moderator)
    again = client.post(reverse("mfa_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert "The code is not right, or it has been used" in again.content.decode()
    assert device.pk  # the app is still there for the next code


def test_a_wrong_code_slows_down_the_next_try(client, roles):
    password_sign_in(client, roles.admin)
    device, _ = set_up_app(client)
    client.post(reverse("logout"))
    password_sign_in(client, roles.admin)

    client.post(reverse("mfa_verify"), {"code": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Straight after a failure even the right code is refused (django-otp's throttling).
    refused = client.post(reverse("mfa_verify"), {"code": app_code(device, drift=1)})
    assert refused.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_the_code_page_never_sends_anyone_to_another_site(client, roles):
    from accounts import mfa

    password_sign_in(client, roles.assessor)
    set_up_app(client)
    codes = mfa.new_backup_codes(roles.assessor)
    client.post(reverse("logout"))
    password_sign_in(client, roles.assessor)

    response = client.post(
        reverse("mfa_verify"), {"code": codes[0], "next": "https://evil.example/phish"}
    )

    assert response["Location"] == reverse("home")


def test_new_backup_codes_replace_the_old_ones(client, roles):
    from accounts import mfa

    old = mfa.new_backup_codes(roles.assessor)
    client.force_login(roles.assessor)
    page = client.post(reverse("mfa_backup_codes")).content.decode()
    assert page.count("<li><code>") == 10
    assert not any(code in page for code in old)
    assert mfa.backup_codes_left(roles.assessor) == 10


def test_a_person_given_a_national_role_later_is_asked_at_the_next_request(client, roles):
    user = UserFactory()
    password_sign_in(client, user)
    assert client.get(reverse("home")).status_code == 200
    user.is_assessor = True
    user.save()
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa_setup"))
