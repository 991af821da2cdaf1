"""Given eight CCGs of 2019/20 at every stage, released, and 2018/19 released before it (the
world of tests/integration/test_results_dashboard.py), a moderator opens the national
dashboard: the funnel, the charts with their tables, the change from 2018/19; filters the
CCGs by region and stage with the plain GET form, with and without JavaScript; and the page
has no WCAG 2.2 AA violations."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.integration.test_results_dashboard import release, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_a_moderator_reads_and_filters_the_dashboard(
    new_page,
    axe,
    live_server,
    world,  # noqa: F811  (the fixture imported above)
    roles,
    javascript,
):
    # Given the released 2019/20 cycle
    release(world.cycle)
    page = new_page(java_script_enabled=javascript)
    sign_in(page, live_server, roles.moderator.email)

    # When the moderator opens its dashboard
    page.goto(f"{live_server.url}/results/dashboard/")

    # Then they see where the CCGs are, the results, and the change from 2018/19
    expect(page).to_have_url(f"{live_server.url}/results/{world.cycle.slug}/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("National dashboard: 2019/20")
    final = page.locator(".nhsuk-card", has=page.get_by_role("heading", name="Final", exact=True))
    expect(final).to_contain_text("4")
    expect(final).to_contain_text("of 8 CCGs (50%)")
    expect(page.locator("figure svg[role=img]")).to_have_count(2)
    bands = page.get_by_role("table", name="CCGs in each RAGG band, in England and by NHS region")
    expect(bands.get_by_role("row", name="South")).to_contain_text("1 (50%)")
    means = page.get_by_role("table", name="Mean final score (0 to 3) of each domain by NHS region")
    expect(means.get_by_role("row", name="North")).to_contain_text("2.50")
    movement = page.get_by_role("table", name="Movement between RAGG bands")
    expect(movement.get_by_role("row", name="Amber in 2018/19")).to_contain_text("1")
    expect(page.get_by_text("mean total score of the CCGs it was formed from")).to_be_visible()
    if javascript:
        assert_accessible(axe, page, "results-dashboard")

    # When they filter the CCGs to those of the South not yet final
    page.get_by_label("NHS region", exact=True).select_option("South")
    page.get_by_label("Stage", exact=True).select_option("not_final")
    page.get_by_role("button", name="Apply filters").click()

    # Then the table, open, lists Echo only, and the form keeps the choices
    expect(page).to_have_url(
        f"{live_server.url}/results/{world.cycle.slug}/dashboard/?region=South&stage=not_final#ccgs"
    )
    expect(page.get_by_role("status")).to_have_text("1 of 8 CCGs shown.")
    table = page.get_by_role("table", name="Stages reached by each CCG, with the date")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("NHS Echo CCG")
    expect(page.get_by_label("NHS region", exact=True)).to_have_value("South")
    if javascript:
        assert_accessible(axe, page, "results-dashboard-filtered")
