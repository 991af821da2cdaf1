"""Assigning assessors (assessment/assignments.py and its pages): every refusal and its
reason, conflicts of interest, unassigning (and losing access), CSV import all or
nothing with line numbers, automatic assignment on a realistic cohort, the export, and
the assignment page's fixed number of queries."""

import csv
import io
from collections import Counter, defaultdict

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment import assignments
from assessment.assignments import (
    AssignmentRefused,
    ConflictRefused,
    CsvRefused,
    assign,
    auto_assign,
    declare_conflict,
    import_assignments_csv,
    unassign,
    withdraw_conflict,
)
from assessment.models import Assessment, Assignment, ConflictDeclaration
from evidence.models import Submission
from evidence.services import open_submissions
from tests.factories import CCGFactory, RegionFactory, STPFactory, UserFactory

pytestmark = pytest.mark.django_db


def mark_submitted(*submissions):
    Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(
        status="submitted", submitted_at=timezone.now()
    )
    for submission in submissions:
        submission.refresh_from_db()


@pytest.fixture
def submitted(submission, other_submission):
    """West Norfolk (07J) and Halton (01F), both submitted."""
    mark_submitted(submission, other_submission)
    return submission


@pytest.fixture
def admin(db):
    """A national admin, for tests that must not bring the role fixtures' CCGs and assessor."""
    return UserFactory(is_national_admin=True)


@pytest.fixture
def assessors(db):
    return [UserFactory(is_assessor=True, full_name=f"Assessor {n}") for n in range(1, 4)]


def active(submission):
    return list(
        Assignment.objects.filter(submission=submission, unassigned_at__isnull=True)
        .order_by("pk")
        .values_list("assessor__full_name", flat=True)
    )


def conflict(assessor, cycle, **subject):
    return declare_conflict(assessor, cycle, reason="I worked there.", actor=assessor, **subject)


# --------------------------------------------------------------------------- assign


def test_assign_creates_the_assignment_and_a_draft_assessment(roles, submitted, assessors):
    assignment = assign(submitted, assessors[0], actor=roles.admin)

    assert assignment.method == "manual"
    assert assignment.assigned_by == roles.admin
    assert assignment.unassigned_at is None
    assessment = Assessment.objects.get(submission=submitted, assessor=assessors[0])
    assert assessment.status == "draft"


def test_assign_refuses_someone_who_is_not_an_assessor(roles, submitted):
    with pytest.raises(AssignmentRefused) as refused:
        assign(submitted, roles.moderator, actor=roles.admin)

    assert refused.value.reason == f"Tom Moderator ({roles.moderator.email}) is not an assessor."
    assert not Assignment.objects.exists()


def test_assign_refuses_an_assessor_whose_account_is_closed(roles, submitted, assessors):
    assessors[0].is_active = False
    assessors[0].save()

    with pytest.raises(AssignmentRefused, match="is not an assessor"):
        assign(submitted, assessors[0], actor=roles.admin)


def test_assign_refuses_a_ccg_that_has_not_submitted(roles, submission, assessors):
    with pytest.raises(AssignmentRefused) as refused:
        assign(submission, assessors[0], actor=roles.admin)

    assert refused.value.reason == "NHS West Norfolk CCG has not submitted its evidence yet."


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("ccg", "Assessor 1 has declared a conflict of interest with NHS West Norfolk CCG."),
        (
            "stp",
            "Assessor 1 has declared a conflict of interest with {stp}, the STP that "
            "NHS West Norfolk CCG is part of.",
        ),
        (
            "region",
            "Assessor 1 has declared a conflict of interest with the {region} region, which "
            "NHS West Norfolk CCG is in.",
        ),
    ],
)
def test_assign_refuses_a_conflicted_assessor_and_names_the_conflict(
    roles, submitted, assessors, kind, expected
):
    ccg = submitted.ccg
    subject = {"ccg": ccg, "stp": ccg.stp, "region": ccg.stp.region}[kind]
    conflict(assessors[0], submitted.cycle, **{kind: subject})

    with pytest.raises(AssignmentRefused) as refused:
        assign(submitted, assessors[0], actor=roles.admin)

    assert refused.value.reason == expected.format(stp=ccg.stp.name, region=ccg.stp.region.name)


def test_a_conflict_in_another_cycle_does_not_stop_an_assignment(roles, submitted, assessors):
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle

    older = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    ConflictDeclaration.objects.create(
        assessor=assessors[0], cycle=older, ccg=submitted.ccg, reason="Long ago"
    )

    assert assign(submitted, assessors[0], actor=roles.admin).pk


def test_assign_refuses_an_assessor_already_assigned(roles, submitted, assessors):
    assign(submitted, assessors[0], actor=roles.admin)

    with pytest.raises(AssignmentRefused) as refused:
        assign(submitted, assessors[0], actor=roles.admin)

    assert refused.value.reason == "Assessor 1 is already assigned to NHS West Norfolk CCG."


def test_assign_refuses_a_third_assessor(roles, submitted, assessors):
    assign(submitted, assessors[0], actor=roles.admin)
    assign(submitted, assessors[1], actor=roles.admin)

    with pytest.raises(AssignmentRefused) as refused:
        assign(submitted, assessors[2], actor=roles.admin)

    assert refused.value.reason == (
        "NHS West Norfolk CCG already has two assessors: Assessor 1 and Assessor 2."
    )


def test_an_assessor_who_is_also_a_moderator_can_be_assigned(roles, submitted):
    both = UserFactory(is_assessor=True, is_moderator=True)

    assert assign(submitted, both, actor=roles.admin).assessor == both


@pytest.mark.parametrize("role", ["assessor", "moderator", "lead", "nobody"])
def test_only_a_national_admin_assigns(roles, submitted, assessors, role):
    with pytest.raises(PermissionDenied):
        assign(submitted, assessors[0], actor=getattr(roles, role))


# --------------------------------------------------------------------------- unassign


def test_an_unassigned_assessor_loses_access_to_the_ccg(client, roles, submitted, assessors):
    assignment = assign(submitted, assessors[0], actor=roles.admin)
    client.force_login(assessors[0])
    assert client.get(submitted.get_absolute_url()).status_code == 200

    result = unassign(assignment, actor=roles.admin)

    assert result.changed
    assignment.refresh_from_db()
    assert assignment.unassigned_at is not None
    assert assignment.unassigned_by == roles.admin
    assert client.get(submitted.get_absolute_url()).status_code == 404
    assert Assessment.objects.filter(submission=submitted, assessor=assessors[0]).exists()


def test_unassigning_twice_changes_nothing_and_says_so(roles, submitted, assessors):
    assignment = assign(submitted, assessors[0], actor=roles.admin)
    unassign(assignment, actor=roles.admin)
    first = Assignment.objects.get(pk=assignment.pk).unassigned_at

    result = unassign(assignment, actor=roles.admin)

    assert not result.changed
    assert result.message == "Assessor 1 was already unassigned from NHS West Norfolk CCG."
    assert Assignment.objects.get(pk=assignment.pk).unassigned_at == first


def test_an_unassigned_assessor_can_be_assigned_again(roles, submitted, assessors):
    unassign(assign(submitted, assessors[0], actor=roles.admin), actor=roles.admin)

    again = assign(submitted, assessors[0], actor=roles.admin)

    assert again.unassigned_at is None
    assert Assessment.objects.filter(submission=submitted, assessor=assessors[0]).count() == 1


def test_only_a_national_admin_unassigns(roles, submitted, assessors):
    assignment = assign(submitted, assessors[0], actor=roles.admin)

    with pytest.raises(PermissionDenied):
        unassign(assignment, actor=assessors[0])


# --------------------------------------------------------------------------- conflicts


def test_an_assessor_declares_a_conflict_with_a_region(cycle, assessors, ccg):
    result = conflict(assessors[0], cycle, region=ccg.stp.region)

    assert result.created
    assert result.declaration.subject == ccg.stp.region
    assert result.clashes == []


def test_declaring_a_conflict_with_an_assigned_ccg_ends_that_assignment(
    client, roles, submitted, assessors
):
    assign(submitted, assessors[0], actor=roles.admin)
    client.force_login(assessors[0])
    assert client.get(submitted.get_absolute_url()).status_code == 200

    result = conflict(assessors[0], submitted.cycle, stp=submitted.ccg.stp)

    assert result.created
    assert [a.submission for a in result.clashes] == [submitted]
    assert "You were assigned to NHS West Norfolk CCG" in result.message
    ended = Assignment.objects.get(assessor=assessors[0], submission=submitted)
    assert ended.unassigned_at is not None and ended.unassigned_by == assessors[0]
    assert client.get(submitted.get_absolute_url()).status_code == 404
    overview = assignments.assignment_overview(submitted.cycle)
    assert overview.clashes == []
    assert submitted in [row.submission for row in overview.short]


def test_declaring_the_same_conflict_twice_changes_nothing(cycle, ccg, assessors):
    conflict(assessors[0], cycle, ccg=ccg)

    again = conflict(assessors[0], cycle, ccg=ccg)

    assert not again.created
    assert again.message == "You have already declared a conflict with NHS West Norfolk CCG."
    assert ConflictDeclaration.objects.count() == 1


def test_a_conflict_names_exactly_one_ccg_stp_or_region(cycle, ccg, assessors):
    with pytest.raises(ConflictRefused, match="Choose one CCG, one STP or one NHS region"):
        conflict(assessors[0], cycle, ccg=ccg, stp=ccg.stp)
    with pytest.raises(ConflictRefused, match="Choose one"):
        conflict(assessors[0], cycle)


def test_a_conflict_needs_a_reason(cycle, ccg, assessors):
    with pytest.raises(ConflictRefused, match="Say why"):
        declare_conflict(assessors[0], cycle, ccg=ccg, reason="  ", actor=assessors[0])


def test_a_conflict_with_a_ccg_outside_the_cycle_is_refused(cycle, assessors):
    later = CCGFactory(name="NHS Norfolk and Waveney CCG", years=(2020,))

    with pytest.raises(ConflictRefused, match="is not one of the CCGs assessed in 2019/20"):
        conflict(assessors[0], cycle, ccg=later)


def test_only_the_assessor_themself_declares_or_withdraws(roles, cycle, ccg, assessors):
    with pytest.raises(PermissionDenied):
        declare_conflict(assessors[0], cycle, ccg=ccg, reason="x", actor=roles.admin)
    with pytest.raises(PermissionDenied):
        declare_conflict(roles.nobody, cycle, ccg=ccg, reason="x", actor=roles.nobody)
    declaration = conflict(assessors[0], cycle, ccg=ccg).declaration
    with pytest.raises(PermissionDenied):
        withdraw_conflict(declaration, actor=assessors[1])

    assert withdraw_conflict(declaration, actor=assessors[0]) == (
        "Conflict of interest with NHS West Norfolk CCG withdrawn."
    )
    assert not ConflictDeclaration.objects.exists()


# --------------------------------------------------------------------------- CSV


def test_csv_assigns_every_line(roles, submitted, other_submission, assessors):
    text = (
        "ods_code,assessor_email\n"
        f"07j,{assessors[0].email.upper()}\n"
        f"07J,{assessors[1].email}\n"
        "\n"
        f"01F,{assessors[0].email}\n"
    )

    report = import_assignments_csv(submitted.cycle, text, actor=roles.admin)

    assert report.created == 3
    assert active(submitted) == ["Assessor 1", "Assessor 2"]
    assert active(other_submission) == ["Assessor 1"]
    assert set(Assignment.objects.values_list("method", flat=True)) == {"csv"}
    assert Assessment.objects.count() == 3


def test_csv_with_any_bad_line_changes_nothing_and_names_every_bad_line(
    roles, cycle, submitted, other_submission, assessors
):
    """Line by line: good, unknown ODS code, CCG not in the cycle, CCG not submitted,
    unknown e-mail, not an assessor, conflict, duplicate, third assessor, already
    assigned, a missing column."""
    CCGFactory(name="NHS Norfolk and Waveney CCG", ods_code="26A", years=(2020,))
    draft = CCGFactory(name="NHS Draft CCG", ods_code="99X")
    open_submissions(cycle)
    conflict(assessors[2], cycle, ccg=other_submission.ccg)
    assign(other_submission, assessors[1], actor=roles.admin)
    a1, a2, a3 = (a.email for a in assessors)
    text = "\n".join(
        [
            "ods_code,assessor_email",  # line 1
            f"07J,{a1}",  # 2: fine
            f"ZZZ,{a1}",  # 3
            f"26A,{a1}",  # 4
            f"99X,{a1}",  # 5
            "07J,nobody@example.org",  # 6
            f"07J,{roles.moderator.email}",  # 7
            f"01F,{a3}",  # 8
            f"07J,{a1}",  # 9: repeats line 2
            f"07J,{a2}",  # 10: fine, the second
            f"07J,{a3}",  # 11: a third
            f"01F,{a2}",  # 12: already assigned in the database
            "01F",  # 13
        ]
    )

    with pytest.raises(CsvRefused) as refused:
        import_assignments_csv(cycle, text, actor=roles.admin)

    assert refused.value.problems == [
        "line 3: no CCG has the ODS code ZZZ.",
        "line 4: NHS Norfolk and Waveney CCG (26A) is not one of the CCGs assessed in 2019/20.",
        f"line 5: {draft.name} has not submitted its evidence yet.",
        "line 6: no one has the e-mail address nobody@example.org.",
        f"line 7: Tom Moderator ({roles.moderator.email}) is not an assessor.",
        "line 8: Assessor 3 has declared a conflict of interest with NHS Halton CCG.",
        "line 9: it repeats line 2.",
        "line 11: NHS West Norfolk CCG already has two assessors: Assessor 1 and Assessor 2.",
        "line 12: Assessor 2 is already assigned to NHS Halton CCG.",
        "line 13: it needs a value in both the ods_code and assessor_email columns.",
    ]
    assert active(submitted) == []
    assert active(other_submission) == ["Assessor 2"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "The file is empty: it needs the header ods_code,assessor_email."),
        ("07J,a@example.com\n", "line 1: the first line must be the header"),
        ("ods_code,assessor_email\n", "The file has its header but no assignments."),
        ("ods_code,assessor_email\n07J,\0\n", "The file is not a CSV text file"),
        ("ods_code,assessor_email\n" + "x" * 200_000 + ",a\n", "line 2: this is not CSV"),
    ],
)
def test_csv_needs_its_header_and_lines(roles, submitted, text, problem):
    with pytest.raises(CsvRefused) as refused:
        import_assignments_csv(submitted.cycle, text, actor=roles.admin)

    assert refused.value.problems[0].startswith(problem)


def test_an_exported_file_can_be_uploaded_again(client, roles, submitted, assessors):
    assign(submitted, assessors[0], actor=roles.admin)
    client.force_login(roles.admin)
    exported = client.get(reverse("assignments:export", args=[submitted.cycle.slug]))
    text = b"".join(exported.streaming_content if exported.streaming else [exported.content])
    Assignment.objects.update(unassigned_at=timezone.now())

    report = import_assignments_csv(submitted.cycle, text.decode(), actor=roles.admin)

    assert report.created == 1


def test_only_a_national_admin_imports_a_csv(roles, submitted):
    with pytest.raises(PermissionDenied):
        import_assignments_csv(submitted.cycle, "ods_code,assessor_email\n", actor=roles.lead)


# --------------------------------------------------------------------------- automatic


def build_cohort(cycle, *, regions=4, stps_per_region=2, ccgs_per_stp=5):
    """A realistic shape: CCGs in STPs in regions, all submitted."""
    ccgs = []
    for r in range(regions):
        region = RegionFactory(name=f"Region {r}")
        for s in range(stps_per_region):
            stp = STPFactory(region=region, name=f"STP {r}.{s}")
            ccgs += [CCGFactory(stp=stp) for _ in range(ccgs_per_stp)]
    open_submissions(cycle)
    Submission.objects.filter(cycle=cycle).update(status="submitted", submitted_at=timezone.now())
    return ccgs


def check_auto_result(cycle):
    """Every CCG has 2, none conflicted, loads differ by at most one; returns loads."""
    members = defaultdict(set)
    loads = Counter()
    rows = Assignment.objects.filter(submission__cycle=cycle, unassigned_at__isnull=True)
    for a in rows.select_related("submission__ccg__stp", "assessor"):
        members[a.submission_id].add(a.assessor_id)
        loads[a.assessor_id] += 1
        for d in ConflictDeclaration.objects.filter(assessor=a.assessor, cycle=cycle):
            ccg = a.submission.ccg
            assert d.ccg_id != ccg.pk and d.stp_id != ccg.stp_id
            assert d.region_id != ccg.stp.region_id
    submitted = cycle.submissions.filter(status="submitted")
    assert all(len(members[s.pk]) == 2 for s in submitted)
    return loads


def test_auto_assign_fills_a_realistic_cohort_respecting_conflicts(admin, cycle):
    ccgs = build_cohort(cycle)  # 40 CCGs
    people = [UserFactory(is_assessor=True) for _ in range(6)]
    conflict(people[0], cycle, ccg=ccgs[0])
    conflict(people[1], cycle, stp=ccgs[10].stp)
    conflict(people[2], cycle, region=ccgs[20].stp.region)

    report = auto_assign(cycle, actor=admin, seed=42)

    assert report.seed == 42
    assert (report.created, report.ccgs, report.complete, report.shortfalls) == (80, 40, 40, [])
    loads = check_auto_result(cycle)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert set(Assignment.objects.values_list("method", flat=True)) == {"auto"}
    assert Assessment.objects.count() == 80


def test_auto_assign_keeps_existing_assignments_and_balances_the_rest(admin, cycle):
    build_cohort(cycle, regions=1, stps_per_region=2, ccgs_per_stp=3)  # 6 CCGs
    people = [UserFactory(is_assessor=True) for _ in range(3)]
    first = cycle.submissions.order_by("pk")[:2]
    for submission in first:
        assign(submission, people[0], actor=admin)

    report = auto_assign(cycle, actor=admin)

    assert report.created == 10
    assert isinstance(report.seed, int)
    loads = check_auto_result(cycle)
    assert sorted(loads.values()) == [4, 4, 4]
    assert Assignment.objects.filter(method="manual").count() == 2


def test_auto_assign_says_why_a_ccg_is_left_short(admin, cycle, submitted, assessors):
    Submission.objects.exclude(pk=submitted.pk).update(status="draft", submitted_at=None)
    conflict(assessors[0], cycle, ccg=submitted.ccg)
    conflict(assessors[1], cycle, region=submitted.ccg.stp.region)

    report = auto_assign(cycle, actor=admin)

    assert report.created == 1
    assert report.shortfalls == [
        {
            "ccg": "NHS West Norfolk CCG",
            "ods_code": "07J",
            "reason": "Only 1 assessor without a conflict",
        }
    ]


def test_auto_assign_twice_adds_nothing_the_second_time(admin, cycle):
    build_cohort(cycle, regions=1, stps_per_region=1, ccgs_per_stp=4)
    [UserFactory(is_assessor=True) for _ in range(3)]
    auto_assign(cycle, actor=admin)

    again = auto_assign(cycle, actor=admin)

    assert again.created == 0
    assert again.complete == 4


def test_only_a_national_admin_auto_assigns(roles, cycle):
    with pytest.raises(PermissionDenied):
        auto_assign(cycle, actor=roles.moderator)


# --------------------------------------------------------------------------- pages


def page_url(cycle, name="cycle"):
    return reverse(f"assignments:{name}", kwargs={"cycle": cycle.slug})


def test_a_refusal_is_shown_in_the_error_summary(client, roles, submitted, assessors):
    conflict(assessors[0], submitted.cycle, ccg=submitted.ccg)
    client.force_login(roles.admin)

    response = client.post(
        page_url(submitted.cycle, "assign"),
        {"submission": submitted.pk, "assessor": assessors[0].pk},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert (
        '<a href="#id_assessor">Assessor 1 has declared a conflict of interest with '
        "NHS West Norfolk CCG.</a>"
    ) in html
    assert "<title>Error: " in html
    assert not Assignment.objects.exists()


def test_a_ccg_with_two_assessors_is_refused_on_the_ccg_field(client, roles, submitted, assessors):
    assign(submitted, assessors[0], actor=roles.admin)
    assign(submitted, assessors[1], actor=roles.admin)
    client.force_login(roles.admin)

    response = client.post(
        page_url(submitted.cycle, "assign"),
        {"submission": submitted.pk, "assessor": assessors[2].pk},
    )

    assert (
        '<a href="#id_submission">NHS West Norfolk CCG already has two assessors: '
        "Assessor 1 and Assessor 2.</a>"
    ) in response.content.decode()


def test_the_assign_form_assigns_and_says_so(client, roles, submitted, assessors):
    client.force_login(roles.admin)

    response = client.post(
        page_url(submitted.cycle, "assign"),
        {"submission": submitted.pk, "assessor": assessors[1].pk},
        follow=True,
    )

    assert "Assessor 2 is now assigned to NHS West Norfolk CCG." in response.content.decode()
    assert active(submitted) == ["Assessor 2"]


def test_an_empty_assign_form_asks_for_both_fields(client, roles, submitted):
    client.force_login(roles.admin)

    html = client.post(page_url(submitted.cycle, "assign"), {}).content.decode()

    assert '<a href="#id_submission">Choose a CCG</a>' in html
    assert '<a href="#id_assessor">Choose an assessor</a>' in html


def test_a_bad_csv_upload_lists_each_bad_line(client, roles, submitted, assessors):
    client.force_login(roles.admin)
    upload = SimpleUploadedFile(
        "assign.csv",
        f"ods_code,assessor_email\nZZZ,{assessors[0].email}\n07J,x@example.org\n".encode(),
        content_type="text/csv",
    )

    response = client.post(page_url(submitted.cycle, "upload"), {"file": upload})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_file">line 2: no CCG has the ODS code ZZZ.</a>' in html
    assert "line 3: no one has the e-mail address x@example.org." in html
    assert not Assignment.objects.exists()


def test_a_csv_upload_that_is_not_text_is_refused(client, roles, submitted):
    client.force_login(roles.admin)
    upload = SimpleUploadedFile("assign.csv", b"\xff\xfe\x00bad", content_type="text/csv")

    html = client.post(page_url(submitted.cycle, "upload"), {"file": upload}).content.decode()

    assert "The selected file must be a CSV file saved as UTF-8 text" in html


def test_a_good_csv_upload_assigns(client, roles, submitted, assessors):
    client.force_login(roles.admin)
    upload = SimpleUploadedFile(
        "assign.csv", f"ods_code,assessor_email\n07J,{assessors[0].email}\n".encode()
    )

    response = client.post(page_url(submitted.cycle, "upload"), {"file": upload}, follow=True)

    assert "1 assignment made from the CSV file." in response.content.decode()
    assert active(submitted) == ["Assessor 1"]


def test_automatic_assignment_shows_what_it_did_once(client, roles, submitted, assessors):
    client.force_login(roles.admin)

    response = client.post(page_url(submitted.cycle, "auto"), follow=True)

    html = response.content.decode()
    assert "What automatic assignment did" in html
    assert "It made 4 new assignments. 2 of 2 submitted CCGs now have two assessors." in html
    assert "What automatic assignment did" not in client.get(page_url(submitted.cycle)).content.decode()  # fmt: skip  # noqa: E501


def test_the_page_shows_loads_conflicts_and_ccgs_short_of_assessors(
    client, admin, submitted, other_submission, assessors
):
    assign(submitted, assessors[0], actor=admin)
    assign(submitted, assessors[1], actor=admin)
    assign(other_submission, assessors[0], actor=admin)
    conflict(assessors[2], submitted.cycle, stp=submitted.ccg.stp)
    client.force_login(admin)

    response = client.get(page_url(submitted.cycle))

    overview = response.context["overview"]
    assert [(row.assessor.full_name, row.load) for row in overview.assessors] == [
        ("Assessor 1", 2), ("Assessor 2", 1), ("Assessor 3", 0),
    ]  # fmt: skip
    assert [row.submission.ccg.ods_code for row in overview.short] == ["01F"]
    html = response.content.decode()
    assert f"{submitted.ccg.stp.name} (STP)" in html
    assert 'Unassign<span class="nhsuk-u-visually-hidden"> Assessor 1 from NHS Halton CCG' in html


def test_unassign_page_confirms_then_unassigns(client, roles, submitted, assessors):
    assignment = assign(submitted, assessors[0], actor=roles.admin)
    client.force_login(roles.admin)
    url = reverse("assignments:unassign", args=[submitted.cycle.slug, assignment.pk])

    assert "Unassign Assessor 1?" in client.get(url).content.decode()
    response = client.post(url, follow=True)

    assert "Assessor 1 is no longer assigned to NHS West Norfolk CCG." in response.content.decode()
    assert active(submitted) == []
    assert client.get(url).status_code == 404  # no longer an active assignment


def test_export_lists_active_assignments(client, roles, submitted, other_submission, assessors):
    assign(submitted, assessors[0], actor=roles.admin)
    unassign(assign(other_submission, assessors[1], actor=roles.admin), actor=roles.admin)
    client.force_login(roles.admin)

    response = client.get(page_url(submitted.cycle, "export"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["ods_code"], r["assessor_email"], r["method"]) for r in rows] == [
        ("07J", assessors[0].email, "manual")
    ]


def test_an_assessor_declares_and_withdraws_a_conflict_on_their_page(client, cycle, ccg, assessors):
    client.force_login(assessors[0])
    url = reverse("assignments:conflicts")

    response = client.post(url, {"stp": ccg.stp.pk, "reason": "My partner works there."})

    assert response.status_code == 302
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.assessor, declaration.stp, declaration.cycle) == (
        assessors[0], ccg.stp, cycle,
    )  # fmt: skip
    html = client.get(url).content.decode()
    assert "My partner works there." in html
    withdraw = reverse("assignments:withdraw_conflict", args=[declaration.pk])
    assert withdraw in html
    client.post(withdraw)
    assert not ConflictDeclaration.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": "x"}, "Choose a CCG, an STP or an NHS region"),
        ({"ccg": "CCG", "stp": "STP", "reason": "x"}, "Choose only one: a CCG, an STP or an"),
        ({"ccg": "CCG"}, "Say why you have a conflict of interest"),
    ],
)
def test_the_conflict_form_needs_exactly_one_subject_and_a_reason(
    client, cycle, ccg, assessors, data, error
):
    client.force_login(assessors[0])
    data = {k: {"CCG": ccg.pk, "STP": ccg.stp.pk}.get(v, v) for k, v in data.items()}

    response = client.post(reverse("assignments:conflicts"), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ConflictDeclaration.objects.exists()


# --------------------------------------------------------------------------- queries


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_assignment_page_queries_do_not_grow_with_the_ccgs(client, admin, cycle):
    people = [UserFactory(is_assessor=True) for _ in range(4)]
    ccg = CCGFactory()
    open_submissions(cycle)
    mark_submitted(*cycle.submissions.all())
    auto_assign(cycle, actor=admin)
    conflict(people[0], cycle, ccg=ccg)
    client.force_login(admin)
    one = queries_for(client, page_url(cycle))

    CCGFactory.create_batch(49)
    open_submissions(cycle)
    mark_submitted(*cycle.submissions.all())
    auto_assign(cycle, actor=admin)
    conflict(people[1], cycle, stp=ccg.stp)
    fifty = queries_for(client, page_url(cycle))

    assert cycle.submissions.filter(status="submitted").count() == 50
    assert one == fifty


def test_the_conflicts_page_says_when_no_cycle_is_under_way(client, assessors):
    client.force_login(assessors[0])

    response = client.get(reverse("assignments:conflicts"))

    assert response.status_code == 200
    assert "No assessment cycle is under way" in response.content.decode()
    assert client.post(reverse("assignments:conflicts"), {"reason": "x"}).status_code == 302
    assert not ConflictDeclaration.objects.exists()
