"""The read-only JSON API, /api/v1/: what each role and token reads, filters, pages, the
numbers against the published results, unreleased data never shown, tokens, 405s, query
counts and the anonymous throttle."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api import tokens
from api.authentication import MultiFactorSessionAuthentication
from api.models import ApiToken
from assessment.moderation import record_rating
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from results.selectors import result_rows
from tests.factories import CCGFactory
from tests.integration.api_world import UNRELEASED_WHEN, extra_cycle, rate_cycle, released

pytestmark = pytest.mark.django_db

API = "/api/v1/"
ENDPOINTS = ("cycles/", "ratings/", "ccgs/", "schema/")


@pytest.fixture
def data(cycle, submission, other_submission, roles):
    """2019/20 released (07J 9 Amber, 01F 13 Green); 2018/19 rated but not released."""
    current = released(cycle, roles)
    old = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    hidden = rate_cycle(old, roles.moderator, roles.admin, released_at=None)
    return type("Data", (), {"cycle": cycle, "ratings": current, "old": old, "hidden": hidden})


def get(client, path, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    url = path if path.startswith("/") else API + path
    if params:
        url += "?" + urlencode(params, doseq=True)
    return client.get(url, **headers)


def body(response):
    return json.loads(response.content)


def key_for(user, name="test") -> str:
    return tokens.create_token(user, name=name, lifetime=timedelta(days=30)).key


# --------------------------------------------------------------------------- public reads


def test_released_ratings_equal_the_published_results(client, data):
    response = get(client, "ratings/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    rows = body(response)["results"]
    published = result_rows(data.cycle)
    assert body(response)["count"] == len(published) == 2
    as_api = [
        (r["cycle"], r["ods_code"], r["ccg_name"], r["stp"], r["region"],
         *(r["scores"][c] for c in "ABCDE"), r["total"], r["ragg"])
        for r in rows
    ]  # fmt: skip
    assert sorted(as_api) == sorted(row.values() for row in published)
    west = next(r for r in rows if r["ods_code"] == "07J")
    assert west == {
        "id": west["id"], "cycle": "2019/20", "cycle_slug": "2019-20", "ods_code": "07J",
        "ccg_name": "NHS West Norfolk CCG", "stp": west["stp"], "region": west["region"],
        "scores": {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}, "total": 9, "ragg": "Amber",
        "ragg_code": "amber", "source": "moderated",
    }  # fmt: skip


def test_released_cycles_are_listed_with_their_bands(client, data):
    response = get(client, "cycles/")
    assert response.status_code == 200
    [listed] = body(response)["results"]
    assert listed["label"] == "2019/20" and listed["slug"] == "2019-20"
    assert listed["framework_name"] == data.cycle.framework_name
    assert [b["code"] for b in listed["bands"]] == ["red", "amber", "green", "green_star"]
    assert listed["bands"][0] == {"code": "red", "label": "Red", "minimum": 0, "maximum": 4}
    assert get(client, "cycles/2019-20/").status_code == 200
    assert get(client, "cycles/2018-19/").status_code == 404


def test_a_rating_is_read_by_id_and_by_cycle_and_ods_code(client, data):
    west = next(r for r in data.ratings if r.submission.ccg.ods_code == "07J")
    by_id = get(client, f"ratings/{west.pk}/")
    by_code = get(client, "ratings/2019-20/07j/")
    assert by_id.status_code == by_code.status_code == 200
    assert body(by_id) == body(by_code)
    assert body(by_id)["total"] == 9
    assert get(client, "ratings/2019-20/XXX/").status_code == 404
    assert get(client, "ratings/999999/").status_code == 404


def test_a_review_replaces_the_rating_in_force(client, data, roles):
    west = next(r for r in data.ratings if r.submission.ccg.ods_code == "07J")
    review = record_rating(
        west.submission, {"A": 2, "B": 2, "C": 2, "D": 3, "E": 2}, proposed_by=roles.moderator,
        confirmed_by=roles.admin, supersedes=west, source="review",
    )  # fmt: skip
    assert get(client, f"ratings/{west.pk}/").status_code == 404
    assert body(get(client, "ratings/2019-20/07J/"))["id"] == review.pk
    assert body(get(client, "ratings/", ods_code="07J"))["results"][0]["total"] == 11


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"cycle": "2019/20"}, ["01F", "07J"]),
        ({"cycle": "2019-20"}, ["01F", "07J"]),
        ({"cycle": "2018/19"}, []),
        ({"cycle": "2018-19"}, []),
        ({"ods_code": "07j"}, ["07J"]),
        ({"ragg": "green"}, ["01F"]),
        ({"ragg": "AMBER"}, ["07J"]),
        ({"min_total": 10}, ["01F"]),
        ({"max_total": 9}, ["07J"]),
        ({"min_total": 9, "max_total": 13}, ["01F", "07J"]),
        ({"min_total": 14}, []),
        ({"ordering": "total"}, ["07J", "01F"]),
        ({"ordering": "-total"}, ["01F", "07J"]),
        ({"ordering": "ods_code"}, ["01F", "07J"]),
        ({"ordering": "-ccg_name"}, ["07J", "01F"]),
    ],
)
def test_ratings_filters_and_ordering(client, data, params, expected):
    response = get(client, "ratings/", **params)
    assert response.status_code == 200, body(response)
    assert [r["ods_code"] for r in body(response)["results"]] == expected


def test_region_and_stp_filters_use_the_cycles_register(client, data, ccg):
    entry = ccg.register_entries.get(year=2019)
    stp, region = entry.stp.name, entry.stp.region.name
    assert [r["ods_code"] for r in body(get(client, "ratings/", stp=stp.upper()))["results"]] == [
        "07J"
    ]
    assert [r["ods_code"] for r in body(get(client, "ratings/", region=region))["results"]] == [
        "07J"
    ]
    assert body(get(client, "ratings/", region="Nowhere"))["count"] == 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"min_total": "x"}, "min_total"),
        ({"max_total": "16"}, "max_total"),
        ({"min_total": "-1"}, "min_total"),
        ({"min_total": "1e400"}, "min_total"),
        ({"ordering": "scores"}, "ordering"),
        ({"region": "a" * 201}, "region"),
        ({"stp": "\x00"}, "stp"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(client, data, params, field):
    response = get(client, "ratings/", **params)
    assert response.status_code == 400
    assert field in body(response)


def test_ratings_are_paged(client, data, roles):
    first = body(get(client, "ratings/", page_size=1))
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]
    second = body(get(client, "ratings/", page_size=1, page=2))
    assert second["next"] is None and second["previous"]
    assert {first["results"][0]["ods_code"], second["results"][0]["ods_code"]} == {"07J", "01F"}
    assert get(client, "ratings/", page=3).status_code == 404
    assert get(client, "ratings/", page="x").status_code == 404
    # A page is at most 500 rows, whatever is asked.
    CCGFactory.create_batch(3)
    assert len(body(get(client, "ratings/", page_size=10**9))["results"]) == 2


# --------------------------------------------------------------------------- unreleased


@pytest.mark.parametrize("when", list(UNRELEASED_WHEN))
def test_unreleased_ratings_and_cycles_never_appear(client, cycle, submission, roles, when):
    """A cycle with ratings, released never or tomorrow: no phrasing of a query shows it,
    to anyone, by session or token."""
    shown = released(cycle, roles)
    old = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    hidden = rate_cycle(old, roles.moderator, roles.admin, released_at=UNRELEASED_WHEN[when]())
    hidden_ids = {r.pk for r in hidden}
    forbidden = {old.label, old.slug, "2018\\/19"}
    paths = [
        "cycles/", f"cycles/{old.slug}/", "cycles/2018%2F19/", "ratings/",
        *[f"ratings/{pk}/" for pk in hidden_ids],
        f"ratings/{old.slug}/07J/", f"ratings/{old.slug}/01F/", "ccgs/", "ccgs/07J/",
        "ccgs/07J/history/", "ccgs/01F/history/",
    ]  # fmt: skip
    queries = [
        {"cycle": old.label}, {"cycle": old.slug}, {"cycle": old.label.upper()},
        {"cycle": [old.label, cycle.label]}, {"ods_code": "07J"}, {"ragg": "red"},
        {"min_total": 0}, {"max_total": 15}, {"ordering": "cycle"}, {"ordering": "-cycle"},
        {"page_size": 500}, {"page": 2, "page_size": 1}, {"cycle": "2018/19", "page_size": 1},
        {"cycle__label": old.label}, {"submission__cycle": old.pk}, {"released": "false"},
    ]  # fmt: skip
    admin_key = key_for(roles.admin)
    seen_ids = set()
    for who in ("anonymous", "admin session", "admin token", "moderator", "lead"):
        client.logout()
        key = admin_key if who == "admin token" else None
        if who in ("admin session", "moderator", "lead"):
            client.force_login(getattr(roles, who.split()[0]))
        requests = [(p, {}) for p in paths] + [("ratings/", q) for q in queries]
        requests += [("ccgs/07J/history/", q) for q in queries[:6]]
        for path, params in requests:
            response = get(client, path, key, **params)
            assert response.status_code < 500, (who, path, params)
            text = response.content.decode()
            assert not [f for f in forbidden if f in text], (who, path, params, text[:300])
            if response.status_code == 200 and "results" in body(response):
                ids = {r.get("id") for r in body(response)["results"]}
                assert not ids & hidden_ids, (who, path, params)
                seen_ids |= ids
            elif response.status_code == 200:
                assert body(response).get("id") not in hidden_ids
        for pk in hidden_ids:
            assert get(client, f"ratings/{pk}/", key).status_code == 404
    assert seen_ids - {None} == {r.pk for r in shown}


def test_a_release_in_the_future_shows_at_its_time(client, cycle, submission, roles):
    rate_cycle(cycle, roles.moderator, roles.admin, released_at=timezone.now() + timedelta(1))
    assert body(get(client, "ratings/"))["count"] == 0
    assert body(get(client, "cycles/"))["count"] == 0
    cycle.released_at = timezone.now() - timedelta(seconds=1)
    cycle.save()
    assert body(get(client, "ratings/"))["count"] == 2


# --------------------------------------------------------------------------- CCGs by role


CCG_SCOPE = {
    "lead": ["07J"],
    "officer": ["07J"],
    "other_lead": ["01F"],
    "other_officer": ["01F"],
    "assessor": [],
    "nobody": [],
    "moderator": ["01F", "07J"],
    "admin": ["01F", "07J"],
}


@pytest.mark.parametrize("role", list(CCG_SCOPE))
@pytest.mark.parametrize("by", ["session", "token"])
def test_ccgs_are_scoped_as_on_the_web(client, data, roles, role, by):
    user = getattr(roles, role)
    key = None
    if by == "session":
        client.force_login(user)
    else:
        key = key_for(user)
    listed = body(get(client, "ccgs/", key))
    assert [c["ods_code"] for c in listed["results"]] == CCG_SCOPE[role]
    for code in ("07J", "01F"):
        expected = 200 if code in CCG_SCOPE[role] else 404
        assert get(client, f"ccgs/{code}/", key).status_code == expected
        assert get(client, f"ccgs/{code}/history/", key).status_code == expected
    if CCG_SCOPE[role]:
        code = CCG_SCOPE[role][0]
        detail = body(get(client, f"ccgs/{code}/", key))
        assert set(detail) == {
            "ods_code", "ons_code", "name", "stp", "region", "successor_ods_code",
            "register_years",
        }  # fmt: skip
        assert detail["register_years"] == [2019]


@pytest.mark.parametrize("path", ["ccgs/", "ccgs/07J/", "ccgs/07J/history/", "ccgs/ZZZ/"])
def test_ccgs_need_a_token_or_a_session(client, data, path):
    response = get(client, path)
    assert response.status_code == 401
    assert body(response) == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_history_follows_mergers(client, data, roles, ccg):
    older = CCGFactory(name="NHS Older CCG", ods_code="01X", successor=ccg)
    rate_cycle(data.cycle, roles.moderator, roles.admin, released_at=data.cycle.released_at)
    client.force_login(roles.lead)
    history = body(get(client, "ccgs/07J/history/"))["results"]
    # Newest cycle first, then by CCG name: NHS Older CCG before NHS West Norfolk CCG.
    assert [(h["ods_code"], h["own"]) for h in history] == [("01X", False), ("07J", True)]
    assert all(h["cycle"] == "2019/20" for h in history)
    # The older CCG's own history holds only itself; the lead of 07J may not read it.
    assert get(client, "ccgs/01X/history/").status_code == 404
    client.force_login(roles.admin)
    assert [h["ods_code"] for h in body(get(client, "ccgs/01X/history/"))["results"]] == ["01X"]
    assert body(get(client, "ccgs/01X/"))["successor_ods_code"] == "07J"
    assert older.successor == ccg


def test_history_lists_every_released_cycle_newest_first(client, data, roles):
    later = extra_cycle("2020/21")
    released(later, roles)
    client.force_login(roles.admin)
    history = body(get(client, "ccgs/07J/history/"))["results"]
    assert [h["cycle"] for h in history] == ["2020/21", "2019/20"]
    assert all(h["own"] for h in history)


# --------------------------------------------------------------------------- tokens


def test_token_problems_are_a_401_saying_why(client, data, roles):
    key = key_for(roles.lead)
    assert get(client, "ccgs/", key).status_code == 200
    assert client.get(API + "ccgs/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    cases = {
        "bad key": ("Bearer not-a-key", "Invalid token."),
        "empty": ("Bearer", "Invalid token header"),
        "three parts": (f"Bearer {key} x", "Invalid token header"),
        "not ascii": ("Bearer clé", "Invalid token."),
        "huge": ("Bearer " + "a" * 5000, "Invalid token."),
    }
    for what, (header, message) in cases.items():
        response = client.get(API + "ratings/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, what
        assert message in body(response)["detail"], what
    token = ApiToken.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())
    tokens.revoke_token(token)
    response = get(client, "ratings/", key)
    assert response.status_code == 401
    assert body(response) == {"detail": "This token has been revoked."}

    expired = key_for(roles.officer)
    ApiToken.objects.filter(user=roles.officer).update(expires_at=timezone.now())
    assert body(get(client, "ccgs/", expired)) == {"detail": "This token has expired."}

    inactive = key_for(roles.other_lead)
    roles.other_lead.is_active = False
    roles.other_lead.save()
    assert body(get(client, "ccgs/", inactive)) == {
        "detail": "This token's user account is inactive."
    }


def test_a_token_records_when_it_was_last_used(client, data, roles):
    key = key_for(roles.lead)
    get(client, "ccgs/", key)
    used = ApiToken.objects.get(user=roles.lead).last_used_at
    assert used is not None
    get(client, "ccgs/", key)
    assert ApiToken.objects.get(user=roles.lead).last_used_at == used  # within the minute


def test_a_token_of_a_national_role_is_not_sent_to_the_second_factor(client, data, roles):
    key = key_for(roles.admin)
    response = get(client, "ccgs/", key)
    assert response.status_code == 200
    assert [c["ods_code"] for c in body(response)["results"]] == ["01F", "07J"]


def test_a_session_without_its_second_factor_is_treated_as_on_the_web(client, data, roles):
    client.force_login(roles.admin)
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    for path in ("ratings/", "ccgs/"):
        response = get(client, path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_verify"))
    # Should such a session reach the API, the session authentication refuses it too.
    request = APIRequestFactory().get(API + "ccgs/")
    request.user = roles.admin
    request.user.is_verified = lambda: False
    with pytest.raises(NotAuthenticated):
        MultiFactorSessionAuthentication().authenticate(Request(request))


def test_the_tokens_page_makes_a_key_shown_once_and_stores_its_hash(client, roles, data):
    client.force_login(roles.lead)
    page = reverse("api:tokens")
    response = client.post(page, {"name": "Dashboard import", "lifetime": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=roles.lead)
    html = response.content.decode()
    start = html.index("<code data-key>") + len("<code data-key>")
    key = html[start : html.index("</code>", start)]
    assert len(key) == 43 and token.prefix == key[:8]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.expires_at - token.created_at == timedelta(days=30)
    again = client.get(page).content.decode()
    assert key not in again and "Dashboard import" in again and token.prefix in again
    # The key works, as the lead.
    assert [c["ods_code"] for c in body(get(client, "ccgs/", key))["results"]] == ["07J"]

    duplicate = client.post(page, {"name": "Dashboard import", "lifetime": "30"})
    assert "You already have a token called Dashboard import" in duplicate.content.decode()
    assert ApiToken.objects.filter(user=roles.lead).count() == 1

    revoke = reverse("api:revoke_token", args=[token.pk])
    client.force_login(roles.other_lead)
    assert client.post(revoke).status_code == 404
    client.force_login(roles.lead)
    assert client.get(revoke).status_code == 405
    response = client.post(revoke, follow=True)
    assert "Token Dashboard import revoked" in response.content.decode()
    assert client.post(revoke, follow=True).content.decode().count("already revoked") == 1
    client.logout()
    assert get(client, "ccgs/", key).status_code == 401
    # The name is free again once revoked.
    client.force_login(roles.lead)
    client.post(page, {"name": "Dashboard import", "lifetime": "90"})
    assert ApiToken.objects.filter(user=roles.lead, revoked_at__isnull=True).count() == 1


def test_the_tokens_page_needs_sign_in_and_limits_live_tokens(client, roles):
    page = reverse("api:tokens")
    assert client.get(page).status_code == 302
    client.force_login(roles.nobody)
    for n in range(tokens.MAX_LIVE_TOKENS):
        key_for(roles.nobody, name=f"t{n}")
    response = client.post(page, {"name": "one more", "lifetime": "30"})
    assert "revoke one before making another" in response.content.decode()


# --------------------------------------------------------------------------- methods, schema


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_reads_are_allowed(client, data, roles, method):
    west = data.ratings[0]
    paths = [
        "cycles/", "cycles/2019-20/", "ratings/", f"ratings/{west.pk}/", "ratings/2019-20/07J/",
        "ccgs/", "ccgs/07J/", "ccgs/07J/history/", "schema/",
    ]  # fmt: skip
    key = key_for(roles.admin)
    for who in ("anonymous", "token", "session"):
        client.logout()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if who == "token" else {}
        if who == "session":
            client.force_login(roles.lead)
        for path in paths:
            response = getattr(client, method)(
                API + path, data="{}", content_type="application/json", **headers
            )
            assert response.status_code == 405, (who, method, path, response.status_code)
            assert "POST" not in response["Allow"] and "GET" in response["Allow"]
    assert client.head(API + "ratings/").status_code == 200
    assert client.options(API + "ratings/").status_code == 200


def test_the_schema_is_public_openapi_json_or_yaml(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/cycles/", "/api/v1/ratings/", "/api/v1/ccgs/{ods_code}/history/"
    } <= set(schema["paths"])  # fmt: skip
    assert "bearerAuth" in schema["components"]["securitySchemes"]
    yaml = client.get(reverse("api:schema") + "?format=yaml")
    assert yaml.status_code == 200 and yaml.content.startswith(b"openapi: 3.")


def test_there_is_no_browsable_api(client, data):
    response = client.get(API + "ratings/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406 or response["Content-Type"] == "application/json"


# --------------------------------------------------------------------------- throttle


def test_signed_out_clients_are_throttled_token_clients_are_not(client, data, roles, settings):
    settings.API_ANONYMOUS_RATE = "3/minute"
    cache.clear()
    try:
        assert [get(client, "ratings/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert "Retry-After" in get(client, "ratings/")
        key = key_for(roles.lead)
        assert [get(client, "ratings/", key).status_code for _ in range(4)] == [200] * 4
    finally:
        cache.clear()


# --------------------------------------------------------------------------- query counts


def queries(client, path, key=None, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(client, path, key, **params)
        assert response.status_code == 200, response.content[:200]
    return len(captured)


def add_cycles(roles, n):
    for year in range(2010, 2010 + n):
        released(extra_cycle(f"{year}/{(year + 1) % 100:02d}"), roles)


def add_ccgs(n):
    for _ in range(n):
        CCGFactory()


@pytest.mark.parametrize("who", ["anonymous", "token"])
def test_list_views_run_a_fixed_number_of_queries(client, data, roles, ccg, who):
    """1 cycle and few CCGs, then 5 cycles and many CCGs (with a merger): the same counts."""
    key = key_for(roles.admin) if who == "token" else None
    paths = ["cycles/", "ratings/", "ratings/2019-20/07J/", "cycles/2019-20/"]
    if key:
        paths += ["ccgs/", "ccgs/07J/", "ccgs/07J/history/"]
    one = {p: queries(client, p, key) for p in paths}
    one["filtered"] = queries(client, "ratings/", key, region="x", ordering="-total")
    add_ccgs(6)
    CCGFactory(successor=ccg)
    add_cycles(roles, 4)
    five = {p: queries(client, p, key) for p in paths}
    five["filtered"] = queries(client, "ratings/", key, region="x", ordering="-total")
    assert body(get(client, "cycles/"))["count"] == 5
    assert body(get(client, "ratings/", page_size=500))["count"] == 2 + 4 * 9
    assert one == five
    print("queries", who, five)
