"""Pages read in a fixed number of queries, however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import CCGRole
from tests.factories import CCGFactory, CCGRoleFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_register_list_queries_do_not_grow_with_the_ccgs(client, roles):
    client.force_login(roles.admin)
    url = reverse("ccgs:register")
    CCGFactory.create_batch(1, years=(2019, 2020))
    few = queries_for(client, url)
    CCGFactory.create_batch(3, years=(2019, 2020))
    many = queries_for(client, url)
    assert few == many


def test_cycle_page_queries_do_not_grow_with_the_criteria(client, roles, cycle):
    client.force_login(roles.admin)
    before = queries_for(client, cycle.get_absolute_url())
    domain = cycle.domains.get(code="A")
    for n in range(3):
        domain.criteria.create(code=f"A{10 + n}", title="Extra", description="x", position=10 + n)
    assert queries_for(client, cycle.get_absolute_url()) == before


def test_lead_home_queries_do_not_grow_with_their_ccgs(client, roles, cycle):
    client.force_login(roles.lead)
    one = queries_for(client, reverse("home"))
    for ccg in CCGFactory.create_batch(3):
        CCGRoleFactory(user=roles.lead, ccg=ccg, role=CCGRole.Role.LEAD)
    three = queries_for(client, reverse("home"))
    assert one == three
