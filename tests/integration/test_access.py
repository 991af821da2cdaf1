"""Who may open which page: every view of this issue, for every role.

Out of scope is 404 (the design: a page that belongs to someone else does not
exist for you); signed out is a redirect to sign-in.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "nobody",
    "lead",
    "other_lead",
    "officer",
    "other_officer",
    "assessor",
    "moderator",
    "admin",
]

# view -> expected status per role (302 = to sign-in)
EXPECTED = {
    "home": dict.fromkeys(ROLES[1:], 200) | {"anonymous": 302},
    "register": {
        "anonymous": 302,
        "nobody": 404,
        "lead": 404,
        "other_lead": 404,
        "officer": 404,
        "other_officer": 404,
        "assessor": 404,
        "moderator": 200,
        "admin": 200,
    },
    "own_ccg": {
        "anonymous": 302,
        "nobody": 404,
        "lead": 200,
        "other_lead": 404,
        "officer": 200,
        "other_officer": 404,
        "assessor": 404,
        "moderator": 200,
        "admin": 200,
    },
    "cycle_list": {
        "anonymous": 302,
        "nobody": 404,
        "lead": 404,
        "other_lead": 404,
        "officer": 404,
        "other_officer": 404,
        "assessor": 200,
        "moderator": 200,
        "admin": 200,
    },
    "cycle_detail": {
        "anonymous": 302,
        "nobody": 404,
        "lead": 404,
        "other_lead": 404,
        "officer": 404,
        "other_officer": 404,
        "assessor": 200,
        "moderator": 200,
        "admin": 200,
    },
}


def url_for(view, ccg, cycle):
    return {
        "home": reverse("home"),
        "register": reverse("ccgs:register"),
        "own_ccg": reverse("ccgs:detail", kwargs={"ods_code": ccg.ods_code}),
        "cycle_list": reverse("assessment:cycle_list"),
        "cycle_detail": cycle.get_absolute_url(),
    }[view]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(EXPECTED))
def test_view_answers_each_role_as_expected(client, roles, ccg, cycle, view, role):
    if role != "anonymous":
        client.force_login(getattr(roles, role))
    url = url_for(view, ccg, cycle)

    response = client.get(url)

    assert response.status_code == EXPECTED[view][role]
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        assert (location.path, parse_qs(location.query)["next"]) == ("/sign-in/", [url])


def test_an_unknown_ccg_is_not_found_even_for_an_admin(client, roles):
    client.force_login(roles.admin)
    assert client.get(reverse("ccgs:detail", kwargs={"ods_code": "ZZZ"})).status_code == 404


def test_a_deactivated_user_is_signed_out(client, roles):
    client.force_login(roles.admin)
    roles.admin.is_active = False
    roles.admin.save()
    assert client.get(reverse("home")).status_code == 302


def test_navigation_shows_only_what_the_role_may_open(client, roles):
    client.force_login(roles.lead)
    page = client.get(reverse("home")).content.decode()
    assert "CCG register" not in page
    assert reverse("letters:home") in page
    for user in (roles.assessor, roles.moderator):
        client.force_login(user)
        assert reverse("letters:home") not in client.get(reverse("home")).content.decode()
    client.force_login(roles.admin)
    page = client.get(reverse("home")).content.decode()
    assert reverse("ccgs:register") in page
    assert reverse("assessment:cycle_list") in page
