"""Given the 191 CCGs of April 2019, all submitted for 2019/20, and 12 assessors, two of
whom have declared a conflict with a CCG and an STP,
when a third assessor declares a conflict with a whole NHS region on their page, and the
national admin opens the assignment page and clicks "Assign automatically",
then every CCG has two assessors, none with a declared conflict, the loads differ by at
most one, the page says what it did, a refused manual assignment says why, and every page
visited has no WCAG 2.2 AA violations."""

from collections import Counter, defaultdict

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.assignments import declare_conflict
from assessment.models import Assignment, ConflictDeclaration
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from ccgs.models import CCG, Region
from ccgs.services import SHIPPED_REGISTERS, import_register
from evidence.models import Submission
from evidence.services import open_submissions
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def cohort(db):
    import_register(SHIPPED_REGISTERS[2019], 2019)
    cycle = load_cycle(SHIPPED_FRAMEWORKS[1]).cycle
    cycle.phase = cycle.Phase.ASSESSMENT
    cycle.save()
    open_submissions(cycle)
    Submission.objects.filter(cycle=cycle).update(status="submitted", submitted_at=timezone.now())
    assessors = [UserFactory(is_assessor=True, full_name=f"Assessor {n:02d}") for n in range(1, 13)]
    west_norfolk, halton = CCG.objects.get(ods_code="07J"), CCG.objects.get(ods_code="01F")
    for assessor, subject in ((assessors[0], {"ccg": west_norfolk}), (assessors[1], {"stp": halton.stp})):  # fmt: skip  # noqa: E501
        declare_conflict(assessor, cycle, reason="Worked there", actor=assessor, **subject)
    return cycle, assessors


def test_admin_auto_assigns_191_ccgs_to_12_assessors_respecting_conflicts(
    page, new_page, axe, live_server, cohort
):
    cycle, assessors = cohort
    admin = UserFactory(is_national_admin=True, full_name="Priya Admin")
    london = Region.objects.get(name="London")
    assert Submission.objects.filter(cycle=cycle, status="submitted").count() == 191

    # An assessor declares a conflict with a whole region, without JavaScript's help.
    sign_in(page, live_server, assessors[2].email)
    page.goto(f"{live_server.url}/assignments/conflicts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your conflicts of interest")
    assert_accessible(axe, page, "conflicts")
    page.get_by_role("button", name="Declare conflict of interest").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose a CCG, an STP or an NHS region"
    )
    assert_accessible(axe, page, "conflicts-error")
    page.get_by_label("Or a whole NHS region").select_option(label="London")
    page.get_by_label("Why do you have a conflict of interest?").fill("I chair a London trust.")
    page.get_by_role("button", name="Declare conflict of interest").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Conflict of interest with London declared."
    )
    assert ConflictDeclaration.objects.filter(assessor=assessors[2], region=london).exists()

    # The national admin assigns everyone automatically.
    admin_page = new_page()
    sign_in(admin_page, live_server, admin.email)
    admin_page.goto(f"{live_server.url}/assignments/{cycle.slug}/")
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Assign assessors: 2019/20")
    assert_accessible(axe, admin_page, "assignments-before")

    admin_page.get_by_role("button", name="Assign automatically").click()

    result = admin_page.locator("#auto-result")
    expect(result).to_contain_text("It made 382 new assignments.")
    expect(result).to_contain_text("191 of 191 submitted CCGs now have two assessors.")
    expect(admin_page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Automatic assignment made 382 assignments"
    )
    expect(admin_page.get_by_text("Every CCG that has submitted has two assessors.")).to_be_visible()  # fmt: skip  # noqa: E501
    assert_accessible(axe, admin_page, "assignments-after")

    # Every CCG has two assessors, no one is conflicted, loads differ by at most one.
    members, loads = defaultdict(set), Counter()
    for assignment in Assignment.objects.filter(unassigned_at__isnull=True).select_related(
        "submission__ccg__stp"
    ):
        members[assignment.submission.ccg.ods_code].add(assignment.assessor_id)
        loads[assignment.assessor_id] += 1
        for declaration in ConflictDeclaration.objects.filter(assessor=assignment.assessor_id):
            ccg = assignment.submission.ccg
            assert declaration.ccg_id != ccg.pk
            assert declaration.stp_id != ccg.stp_id
            assert declaration.region_id != ccg.stp.region_id
    assert len(members) == 191
    assert all(len(ids) == 2 for ids in members.values())
    assert sorted(set(loads.values())) == [31, 32]
    assert len({frozenset(ids) for ids in members.values()}) >= 30

    # A manual assignment that breaks a conflict is refused, and the page says why.
    admin_page.get_by_label("CCG", exact=True).select_option(label="NHS West Norfolk CCG (07J)")
    admin_page.get_by_label("Assessor", exact=True).select_option(
        label=f"Assessor 01 ({assessors[0].email})"
    )
    admin_page.get_by_role("button", name="Assign assessor").click()
    expect(admin_page.locator(".nhsuk-error-summary")).to_contain_text(
        "Assessor 01 has declared a conflict of interest with NHS West Norfolk CCG."
    )
    assert_accessible(axe, admin_page, "assignments-refused")
