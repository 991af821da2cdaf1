"""The CCG history page: a CCG's final ratings across cycles, its predecessors' labelled,
released cycles only for the CCG's people, unreleased ones marked for the national team."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import CCGRole
from results.history import THIS_CCG, ccg_history
from tests.factories import CCGFactory, CCGRoleFactory
from tests.results_data import WEST_NORFOLK_2018, cycle_2018, extra_cycle, rate, released

pytestmark = pytest.mark.django_db

HALTON_2019 = {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2}  # the seed letter: 13 Green


def history_url(ccg):
    return reverse("results:history", kwargs={"ods_code": ccg.ods_code})


@pytest.fixture
def merger(ccg):
    """West Norfolk (07J) formed from two predecessors in April 2020, both rated in 2018/19
    (imported); 07J itself rated in 2018/19 and in the released 2019/20."""
    alpha = CCGFactory(name="NHS Alpha CCG", ods_code="01A", successor=ccg, years=(2019,))
    beta = CCGFactory(name="NHS Beta CCG", ods_code="01B", successor=ccg, years=(2019,))
    ccg.register_entries.create(year=2020, name=ccg.name, ons_code=ccg.ons_code, stp=ccg.stp)
    past = released(cycle_2018())
    rate(alpha, past, {"A": 1, "B": 1, "C": 1, "D": 1, "E": 1}, source="imported")
    rate(beta, past, {"A": 3, "B": 3, "C": 3, "D": 3, "E": 2}, source="imported")
    rate(ccg, past, WEST_NORFOLK_2018, source="imported")
    return alpha, beta, past


def test_a_successor_shows_both_predecessors_labelled(client, roles, cycle, ccg, merger):
    rate(ccg, cycle, HALTON_2019)
    released(cycle)
    client.force_login(roles.lead)
    response = client.get(history_url(ccg))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.cycle_label, r.ods_code, r.total, r.ragg) for r in rows] == [
        ("2019/20", "07J", 13, "Green"),
        ("2018/19", "07J", 9, "Amber"),
        ("2018/19", "01A", 5, "Amber"),
        ("2018/19", "01B", 14, "Green star"),
    ]
    assert [r.relation for r in rows] == [
        THIS_CCG,
        THIS_CCG,
        "Predecessor: NHS Alpha CCG, merged into NHS West Norfolk CCG in April 2020",
        "Predecessor: NHS Beta CCG, merged into NHS West Norfolk CCG in April 2020",
    ]
    page = response.content.decode()
    assert "Predecessor: NHS Alpha CCG, merged into NHS West Norfolk CCG in April 2020" in page
    assert "Predecessor: NHS Beta CCG" in page
    assert page.count("Published result, imported") == 3
    assert "Moderated final rating" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "Total score per cycle: NHS West Norfolk CCG" in page
    assert "9 out of 15, Amber" in page
    assert "5 out of 15, Amber (NHS Alpha CCG, a predecessor)" in page


def test_a_chain_of_mergers_is_followed(ccg, merger):
    alpha, _, past = merger
    older = CCGFactory(name="NHS Older CCG", ods_code="01C", successor=alpha, years=(2018,))
    rate(older, past, {"A": 0, "B": 0, "C": 0, "D": 0, "E": 0}, source="imported")
    rows = ccg_history(ccg)
    assert (
        rows[-1].relation == "Predecessor: NHS Older CCG, merged into NHS Alpha CCG in April 2019"
    )
    assert rows[-1].ragg == "Red"


def test_the_ccgs_people_see_released_cycles_only(client, roles, cycle, ccg, merger):
    rate(ccg, cycle, HALTON_2019)  # final, 2019/20 not released
    for user in (roles.lead, roles.officer):
        client.force_login(user)
        response = client.get(history_url(ccg))
        assert [r.cycle_label for r in response.context["rows"]] == ["2018/19"] * 3
        assert "Not yet released" not in response.content.decode()
        assert "13" not in [str(r.total) for r in response.context["rows"]]


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_the_national_team_also_sees_unreleased_final_ratings_marked(
    client, roles, cycle, ccg, merger, role
):
    rate(ccg, cycle, HALTON_2019)
    client.force_login(getattr(roles, role))
    response = client.get(history_url(ccg))
    first = response.context["rows"][0]
    assert (first.cycle_label, first.total, first.released) == ("2019/20", 13, False)
    page = response.content.decode()
    assert page.count('nhsuk-tag--grey">Not yet released</strong>') == 1
    assert "13 out of 15, Green, not yet released" in page


def test_a_ccg_without_released_results_says_so(client, roles, cycle, ccg):
    rate(ccg, cycle, HALTON_2019)
    client.force_login(roles.lead)
    response = client.get(history_url(ccg))
    assert response.context["rows"] == []
    assert "There are no released results for this CCG yet" in response.content.decode()


ANSWERS = {
    "lead": 200, "officer": 200, "moderator": 200, "admin": 200,
    "other_lead": 404, "other_officer": 404, "assessor": 404, "nobody": 404,
}  # fmt: skip


@pytest.mark.parametrize("role", ANSWERS)
def test_the_history_is_scoped_like_the_ccgs_page(client, roles, ccg, merger, role):
    client.force_login(getattr(roles, role))
    assert client.get(history_url(ccg)).status_code == ANSWERS[role]
    assert client.get(reverse("ccgs:detail", args=[ccg.ods_code])).status_code == ANSWERS[role]


def test_signed_out_visitors_are_sent_to_sign_in(client, ccg):
    response = client.get(history_url(ccg))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_predecessors_lead_does_not_see_the_successors_history(client, ccg, merger):
    alpha, _, _ = merger
    alpha_lead = CCGRoleFactory(ccg=alpha, role=CCGRole.Role.LEAD).user
    client.force_login(alpha_lead)
    assert client.get(history_url(ccg)).status_code == 404
    response = client.get(history_url(alpha))
    assert [r.ods_code for r in response.context["rows"]] == ["01A"]
    assert client.get(reverse("results:history", args=["99X"])).status_code == 404


def test_the_ccgs_page_links_to_its_history(client, roles, ccg, merger):
    client.force_login(roles.lead)
    page = client.get(reverse("ccgs:detail", args=[ccg.ods_code])).content.decode()
    assert f'href="{history_url(ccg)}"' in page
    assert "Results history, with the predecessors' results" in page


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_the_history_runs_a_fixed_number_of_queries(client, roles, cycle, ccg, role):
    """One cycle and one predecessor, then five cycles and three predecessors. (With no
    predecessor at all, one query fewer: Django skips a query over an empty list.)"""
    first = CCGFactory(successor=ccg)
    rate(ccg, released(cycle), HALTON_2019)
    rate(first, cycle, HALTON_2019)
    client.force_login(getattr(roles, role))
    one = queries_for(client, history_url(ccg))
    assert len(client.get(history_url(ccg)).context["rows"]) == 2
    cycles = [released(cycle_2018())] + [released(extra_cycle(y)) for y in (2015, 2016, 2017)]
    predecessors = [first, CCGFactory(successor=ccg), CCGFactory(successor=first)]
    for other in cycles:
        for member in (ccg, *predecessors):
            rate(member, other, WEST_NORFOLK_2018)
    five = queries_for(client, history_url(ccg))
    assert len(client.get(history_url(ccg)).context["rows"]) == 2 + 4 * 4
    assert five == one


def test_the_demo_has_a_released_2018_19_with_west_norfolks_real_result(client):
    from accounts.demo import seed_demo
    from accounts.models import User
    from assessment.models import Cycle, Rating

    lines = []
    seed_demo(log=lines.append)
    past = Cycle.objects.get(label="2018/19")
    assert past.is_released() and not past.review_window_is_open()
    ratings = Rating.objects.filter(submission__cycle=past)
    assert ratings.count() == 191
    assert set(ratings.values_list("source", flat=True)) == {"imported"}
    west_norfolk = ratings.get(submission__ccg__ods_code="07J")
    assert (west_norfolk.scores, west_norfolk.total, west_norfolk.band_label) == (
        WEST_NORFOLK_2018, 9, "Amber"
    )  # fmt: skip
    assert "Demo history: 2018/19: 191 ratings created, 0 unchanged" in "\n".join(lines)
    lines.clear()
    seed_demo(log=lines.append)
    assert "Demo history: 2018/19: 0 ratings created, 191 unchanged" in "\n".join(lines)
    assert ratings.count() == 191

    client.force_login(User.objects.get(email="lead@example.com"))
    response = client.get(reverse("results:history", args=["07J"]))
    assert [(r.cycle_label, r.total, r.ragg) for r in response.context["rows"]] == [
        ("2018/19", 9, "Amber")
    ]
