"""Sign-in with an e-mail address, throttling, password reset and the idle time-out."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=TEST_PASSWORD, ip="192.0.2.10"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_with_email_in_any_case_lands_on_home(client, roles):
    response = sign_in(client, roles.lead.email.upper())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "Evidence to submit" in client.get(reverse("home")).content.decode()


def test_a_wrong_password_shows_the_error_summary_and_keeps_the_email(client, roles):
    response = sign_in(client, roles.assessor.email, "wrong-password-here")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a correct email address and password." in page
    assert roles.assessor.email in page


def test_five_failures_lock_that_email_and_address_out_for_a_while(client, roles):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, roles.assessor.email, "wrong-password-here")

    locked = sign_in(client, roles.assessor.email)  # even the right password
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.content.decode()

    # Not a permanent IP lock: another person at the same address can sign in.
    assert sign_in(client, roles.moderator.email).status_code == 302


def test_a_lockout_ends_after_the_cool_off(client, roles):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, roles.assessor.email, "wrong-password-here")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, roles.assessor.email).status_code == 302


def test_password_reset_does_not_reveal_whether_an_account_exists(client, roles):
    known = client.post(reverse("password_reset"), {"email": roles.lead.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert known.content.decode() == unknown.content.decode().replace(
        "nobody@example.com", roles.lead.email
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [roles.lead.email]


def test_the_reset_link_sets_a_new_password(client, roles):
    client.post(reverse("password_reset"), {"email": roles.lead.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link[link.index("/password-reset/") :].strip()
    form_page = client.get(path, follow=True)
    new = "a-much-longer-new-passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new, "new_password2": new},
        follow=True,
    )
    assert done.status_code == 200
    roles.lead.refresh_from_db()
    assert roles.lead.check_password(new)


def test_sign_out_is_a_post_and_ends_the_session(client, roles):
    client.force_login(roles.lead)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_an_idle_session_expires(client, roles):
    sign_in(client, roles.lead.email)
    assert client.session.get_expiry_age() == 30 * 60
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_request_renews_the_idle_timer(client, roles):
    sign_in(client, roles.lead.email)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get(reverse("home"))
    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining > timedelta(minutes=29)


def test_a_form_without_its_csrf_token_gets_a_plain_english_page(roles):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": roles.lead.email, "password": "x"})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
