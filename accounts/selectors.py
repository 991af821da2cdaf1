"""Reads for the signed-in user: their CCGs and the home page's list of things to do."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format

from accounts import permissions
from accounts.models import CCGRole
from assessment.selectors import assessor_queue, current_cycle
from ccgs.models import CCG
from ccgs.selectors import register_year_counts
from evidence.selectors import submissions_for_ccgs


@dataclass
class HomeItem:
    text: str
    url: str = ""
    hint: str = ""


@dataclass
class HomeSection:
    heading: str
    items: list[HomeItem] = field(default_factory=list)
    empty_message: str = ""  # shown instead of the items when there are none
    note: str = ""  # shown above the items


def ccgs_with_role(user, role: str, cycle=None):
    """The CCGs where ``user`` holds ``role``, for every cycle or for ``cycle``."""
    scope = Q(ccg_roles__cycle__isnull=True)
    if cycle is not None:
        scope |= Q(ccg_roles__cycle=cycle)
    return (
        CCG.objects.filter(Q(ccg_roles__user=user, ccg_roles__role=role) & scope)
        .distinct()
        .order_by("name")
    )


def home_sections_for(user) -> list[HomeSection]:
    """What each of the user's roles has to do, in the order the roles come in the cycle."""
    cycle = current_cycle()
    sections: list[HomeSection] = []
    if permissions.is_ccg_lead(user):
        sections.append(_lead_section(user, cycle))
    if permissions.is_accountable_officer(user):
        sections.append(_officer_section(user, cycle))
    if permissions.is_assessor(user):
        sections.append(_assessor_section(user))
    if permissions.is_moderator(user):
        section = HomeSection("Moderation", empty_message="No CCGs are waiting for moderation.")
        if cycle is not None:
            section.items.append(
                HomeItem(
                    f"Moderation queue {cycle.label}",
                    reverse("moderation:queue", kwargs={"cycle": cycle.slug}),
                    hint="CCGs whose two assessments are submitted, with the reasons each "
                    "is queued.",
                )
            )
            section.items.append(
                HomeItem(
                    f"Agreement between assessors {cycle.label}",
                    reverse("insight:cycle", kwargs={"cycle": cycle.slug}),
                    hint="Kappa and agreement per domain; each assessor's severity or leniency.",
                )
            )
        sections.append(section)
    if permissions.is_national_admin(user):
        sections.append(_admin_section(cycle))
    if sections:  # someone with no role yet is told so, and offered nothing else
        sections.append(_results_section(user, cycle))
    return sections


def _results_section(user, cycle) -> HomeSection:
    """Published results, good practice and the API: what each role may open."""
    from results.selectors import released_cycles

    section = HomeSection("Results and good practice")
    if permissions.is_ccg_lead(user) or permissions.is_accountable_officer(user):
        for ccg in CCG.objects.filter(ccg_roles__user=user).distinct().order_by("name"):
            section.items.append(
                HomeItem(
                    f"Results history: {ccg.name}",
                    reverse("results:history", kwargs={"ods_code": ccg.ods_code}),
                    hint="Its ratings in every released cycle, and its predecessors' before "
                    "a merger.",
                )
            )
    if permissions.is_national_staff(user):
        section.items.append(
            HomeItem(
                "National dashboard",
                reverse("results:dashboard_home"),
                hint="Where every CCG is in the cycle; after release, the RAGG ratings by "
                "region and STP and the change from the year before.",
            )
        )
        section.items.append(
            HomeItem(
                "Published results",
                reverse("results:index"),
                hint="Each released cycle's ratings as CSV, XLSX or JSON, and its "
                "improvement support.",
            )
        )
        if cycle is not None and permissions.is_moderator(user):
            section.items.append(
                HomeItem(
                    f"Good practice to review {cycle.label}",
                    reverse("library:review", kwargs={"cycle": cycle.slug}),
                    hint="Examples assessors flagged, to approve for the library or not.",
                )
            )
        if permissions.is_national_admin(user):
            released = released_cycles().first()
            if released is not None:
                section.items.append(
                    HomeItem(
                        f"Improvement support {released.label}",
                        reverse("support:cycle", kwargs={"cycle": released.slug}),
                        hint="Amber and Red CCGs' one-to-one sessions: offered, booked, "
                        "held or declined.",
                    )
                )
                section.items.append(
                    HomeItem(
                        f"Consent to be named {released.label}",
                        reverse("library:consent", kwargs={"cycle": released.slug}),
                        hint="Which CCGs the good-practice library may name.",
                    )
                )
    section.items.append(
        HomeItem(
            "Good-practice library",
            reverse("library:index"),
            hint="Approved examples from released cycles, searchable by domain, criterion "
            "and words.",
        )
    )
    section.items.append(
        HomeItem(
            "API tokens",
            reverse("api:tokens"),
            hint="Keys for reading the results API (/api/v1/) from another program.",
        )
    )
    return section


def _lead_section(user, cycle) -> HomeSection:
    section = HomeSection(
        "Evidence to submit",
        empty_message=(
            "You have no evidence to submit. We will email you when the next cycle opens."
        ),
    )
    if cycle is None or cycle.phase != cycle.Phase.SUBMISSION:
        return section
    ccgs = ccgs_with_role(user, CCGRole.Role.LEAD, cycle)
    for submission in submissions_for_ccgs(ccgs, cycle):
        if submission.status == "submitted":
            hint = f"Submitted on {date_format(submission.submitted_at, 'j F Y')}."
        elif submission.is_editable():
            hint = f"Submit by {date_format(submission.deadline, 'j F Y')}."
        else:
            hint = "The deadline has passed."
        section.items.append(
            HomeItem(
                text=f"{submission.ccg.name}: evidence for {cycle.label}",
                url=submission.get_absolute_url(),
                hint=hint,
            )
        )
    return section


def _assessor_section(user) -> HomeSection:
    section = HomeSection(
        "Your assessments",
        empty_message="No CCGs have been assigned to you for assessment yet.",
    )
    section.items.append(
        HomeItem(
            "Your conflicts of interest",
            reverse("assignments:conflicts"),
            hint="Declare any CCG, STP or region you have a conflict with before you start.",
        )
    )
    queue = list(assessor_queue(user))
    if not queue:
        section.note = section.empty_message
        return section
    waiting = [a for a in queue if a.assessment_status != "submitted"]
    for assignment in waiting:
        submission = assignment.submission
        section.items.append(
            HomeItem(
                text=f"Assess {submission.ccg.name} ({submission.cycle.label})",
                url=reverse(
                    "assessors:overview",
                    kwargs={"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code},
                ),
                hint=f"Due by {date_format(submission.cycle.assessment_due, 'j F Y')}; "
                f"{assignment.domains_scored} of 5 domains scored.",
            )
        )
    section.items.append(
        HomeItem(
            "Your assessments",
            reverse("assessors:queue"),
            hint=(
                "Every CCG assigned to you, with its status."
                if waiting
                else "You have submitted every assessment assigned to you."
            ),
        )
    )
    return section


def _officer_section(user, cycle) -> HomeSection:
    section = HomeSection(
        "Your CCGs",
        empty_message="No outcome letters have been released to you yet.",
    )
    from letters.selectors import documents_for_officer

    released = {d.submission.ccg_id for d in documents_for_officer(user)}
    if released:
        section.items.append(
            HomeItem(
                "Your outcome letters",
                reverse("letters:home"),
                hint="Download your CCGs' outcome letters and detailed assessment summaries.",
            )
        )
    ccgs = ccgs_with_role(user, CCGRole.Role.ACCOUNTABLE_OFFICER, cycle)
    submissions = {s.ccg_id: s for s in submissions_for_ccgs(ccgs, cycle)} if cycle else {}
    for ccg in ccgs:
        submission = submissions.get(ccg.pk)
        section.items.append(
            HomeItem(
                text=ccg.name,
                url=(
                    submission.get_absolute_url()
                    if submission
                    else reverse("ccgs:detail", kwargs={"ods_code": ccg.ods_code})
                ),
                hint=(
                    f"Evidence for {cycle.label}: {submission.get_status_display().lower()}. "
                    if submission
                    else ""
                )
                + (
                    "Its outcome letter has been released."
                    if ccg.pk in released
                    else "No outcome letter has been released yet."
                ),
            )
        )
    return section


def _admin_section(cycle) -> HomeSection:
    section = HomeSection("National administration")
    counts = ", ".join(f"{n} CCGs in April {year}" for year, n in register_year_counts())
    section.items.append(
        HomeItem(
            "CCG register",
            reverse("ccgs:register"),
            hint=counts or "No register has been imported yet.",
        )
    )
    if cycle is not None:
        section.items.append(
            HomeItem(
                f"Submissions dashboard {cycle.label}",
                reverse("evidence:dashboard", kwargs={"cycle": cycle.slug}),
                hint="Progress of every CCG's evidence, overdue CCGs and extensions.",
            )
        )
        section.items.append(
            HomeItem(
                f"Cycle {cycle.label}",
                cycle.get_absolute_url(),
                hint=f"{cycle.get_phase_display()}. Submission deadline "
                f"{date_format(cycle.submission_deadline, 'j F Y')}.",
            )
        )
        section.items.append(
            HomeItem(
                f"Assign assessors {cycle.label}",
                reverse("assignments:cycle", kwargs={"cycle": cycle.slug}),
                hint="Each assessor's load, CCGs short of two assessors, automatic assignment.",
            )
        )
        section.items.append(
            HomeItem(
                f"Outcome letters {cycle.label}",
                reverse("letters:cycle", kwargs={"cycle": cycle.slug}),
                hint="Wording and preview, render letters and summaries, release, outbox.",
            )
        )
    section.items.append(HomeItem("All cycles", reverse("assessment:cycle_list")))
    return section
