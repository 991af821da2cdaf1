"""Given West Norfolk (07J), formed from NHS Alpha CCG, with published 2018/19 results
imported for both and a 2019/20 final rating not yet released: its lead follows the link
from the CCG's page to the results history and sees both 2018/19 results, the predecessor
labelled, and nothing of 2019/20; a national admin also sees 2019/20, marked not yet
released. The page has no WCAG 2.2 AA violations, with and without JavaScript."""

from datetime import date

import pytest
from playwright.sync_api import expect

from results.services import import_ratings
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import CCGFactory
from tests.results_data import cycle_2018, rate

pytestmark = pytest.mark.browser


@pytest.fixture
def history(cycle, ccg, roles):
    CCGFactory(name="NHS Alpha CCG", ods_code="01A", successor=ccg, years=(2019,))
    ccg.register_entries.create(year=2020, name=ccg.name, ons_code=ccg.ons_code, stp=ccg.stp)
    rows = [("ods_code", "A", "B", "C", "D", "E"), ("07J", 2, 2, 2, 1, 2), ("01A", 1, 1, 1, 1, 1)]
    import_ratings(cycle_2018(), rows, released_on=date(2019, 7, 31))
    rate(ccg, cycle, {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2})  # final, not released
    return ccg


@pytest.mark.parametrize("javascript", [True, False])
def test_a_lead_reads_the_ccgs_results_history(new_page, axe, live_server, history, roles,
                                                javascript):  # fmt: skip
    page = new_page(java_script_enabled=javascript)
    sign_in(page, live_server, roles.lead.email)

    page.goto(f"{live_server.url}/register/07J/")
    page.get_by_role("link", name="Results history, with the predecessors' results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Results history: NHS West Norfolk CCG"
    )
    table = page.get_by_role("table", name="Final ratings by cycle")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two results
    expect(table).to_contain_text("This CCG")
    expect(table).to_contain_text(
        "Predecessor: NHS Alpha CCG, merged into NHS West Norfolk CCG in April 2020"
    )
    expect(table).to_contain_text("Published result, imported")
    expect(table).not_to_contain_text("2019/20")
    chart = page.locator("figure svg[role=img]")
    expect(chart).to_have_count(1)
    expect(chart.locator("desc")).to_contain_text("2018/19: 9 out of 15, Amber")
    if javascript:
        assert_accessible(axe, page, "results-history-lead")


def test_a_national_admin_sees_the_unreleased_cycle_marked(new_page, axe, live_server, history,
                                                           roles):  # fmt: skip
    page = new_page()
    sign_in(page, live_server, roles.admin.email)
    page.goto(f"{live_server.url}/results/ccgs/07J/history/")
    table = page.get_by_role("table", name="Final ratings by cycle")
    row = table.get_by_role("row", name="2019/20 Not yet released")
    expect(row).to_contain_text("13")
    expect(row).to_contain_text("Green")
    assert_accessible(axe, page, "results-history-admin")
