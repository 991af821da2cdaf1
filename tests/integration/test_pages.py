"""What the pages show: home pages by role, the register's search and filters, cycles."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.demo import DEMO_USERS, seed_demo
from accounts.models import User
from ccgs.services import SHIPPED_REGISTERS, import_register

pytestmark = pytest.mark.django_db


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_lead_home_lists_the_evidence_due_for_their_ccg(client, roles, submission):
    client.force_login(roles.lead)
    html = page(client, reverse("home"))
    assert "NHS West Norfolk CCG: evidence for 2019/20" in html
    assert "NHS Halton CCG" not in html


def test_home_pages_say_plainly_when_there_is_nothing_to_do(client, roles, cycle):
    expectations = {
        roles.lead: "You have no evidence to submit.",
        roles.officer: "NHS West Norfolk CCG",
        roles.assessor: "No CCGs have been assigned to you for assessment yet.",
        roles.moderator: "Moderation queue 2019/20",
        roles.nobody: "Your account does not have a role yet",
    }
    for user, text in expectations.items():
        client.force_login(user)
        assert text in page(client, reverse("home"))


def test_admin_home_links_the_register_and_cycle(client, roles, cycle):
    client.force_login(roles.admin)
    html = page(client, reverse("home"))
    assert "Cycle 2019/20" in html
    assert "National administration" in html


def test_register_search_and_filters(client, roles):
    for year, path in SHIPPED_REGISTERS.items():
        import_register(path, year)
    client.force_login(roles.admin)
    url = reverse("ccgs:register")

    assert "191 CCGs found" in page(client, url, year=2019)
    assert "135 CCGs found" in page(client, url, year=2020)
    assert "106 CCGs found" in page(client, url, year=2021)
    html = page(client, url, q="07j")
    assert "1 CCG found" in html and "NHS West Norfolk CCG" in html
    from ccgs.models import Region

    london = Region.objects.get(name="London")
    html = page(client, url, region=london.pk, year=2021)
    assert "5 CCGs found" in html
    assert "Page 1" not in page(client, url, q="zzzz-nothing")


def test_ccg_page_shows_history_and_merger(client, roles):
    for year, path in SHIPPED_REGISTERS.items():
        import_register(path, year)
    client.force_login(roles.admin)
    html = page(client, reverse("ccgs:detail", kwargs={"ods_code": "07J"}))
    assert "NHS Norfolk and Waveney CCG" in html
    html = page(client, reverse("ccgs:detail", kwargs={"ods_code": "26A"}))
    assert "NHS West Norfolk CCG (07J)" in html


def test_cycle_page_shows_framework_bands_and_criteria(client, roles, cycle):
    client.force_login(roles.admin)
    html = page(client, cycle.get_absolute_url())
    assert "NHS Oversight Framework" in html
    assert "Section 2.4.1 of the Guidance for CCGs" in html
    assert "Green star" in html and "14 to 15" in html
    assert "Domain E: Equalities and health inequalities" in html


def test_healthz_answers_any_host_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz/", HTTP_HOST="10.0.0.7:8000")
    assert (response.status_code, response.content) == (200, b"ok")


@override_settings(DEBUG=False)
def test_seed_demo_refuses_without_debug():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_one_user_per_role_and_is_idempotent():
    seed_demo(log=lambda line: None)
    seed_demo(log=lambda line: None)
    can_sign_in = [u.email for u in User.objects.filter(is_active=True) if u.has_usable_password()]
    assert sorted(can_sign_in) == sorted(u.email for u in DEMO_USERS)
    from assessment.models import Assignment

    halton = Assignment.objects.filter(submission__ccg__ods_code="01F", unassigned_at=None)
    assert sorted(halton.values_list("assessor__email", flat=True)) == [
        "assessor2@example.com",
        "assessor@example.com",
    ]
    officer = User.objects.get(email="officer@example.com")
    assert officer.ccg_roles.count() == 5
    assert User.objects.get(email="admin@example.com").is_national_admin
    from assessment.models import Cycle

    assert Cycle.objects.get(label="2019/20").phase == Cycle.Phase.SUBMISSION
    # Each national demo user has one authenticator app, with the published demo key.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    apps = TOTPDevice.objects.filter(confirmed=True)
    assert sorted(apps.values_list("user__email", flat=True)) == [
        "admin@example.com", "assessor2@example.com", "assessor@example.com",
        "moderator2@example.com", "moderator@example.com",
    ]  # fmt: skip


@override_settings(DEBUG=True)
def test_demo_code_prints_the_code_a_demo_app_would_show(capsys):
    from django.core.management import call_command
    from django_otp.oath import TOTP

    from accounts.demo import DEMO_APP_KEY

    seed_demo(log=lambda line: None)
    call_command("demo_code", "admin@example.com")

    from base64 import b32decode

    printed = capsys.readouterr().out.strip()
    now, before = TOTP(b32decode(DEMO_APP_KEY)), TOTP(b32decode(DEMO_APP_KEY))
    before.time -= 30  # the 30-second step may have turned between the two readings
    assert printed in {f"{now.token():06d}", f"{before.token():06d}"}


def test_every_page_sends_a_strict_content_security_policy_and_frame_denial(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
