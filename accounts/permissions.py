"""Every permission decision of the service, in one place (django-rules).

Role predicates say what a person is; object predicates say how they stand to a
CCG. Views declare ``permission_required`` with these names and services check
them again, so commands, admin actions and tasks obey the same rules. Scoped
selectors (``*_visible_to(user)``) turn the same facts into querysets; anything
outside a user's scope answers 404.
"""

import rules
from django.db.models import Q

from accounts.models import CCGRole


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_national_admin(user):
    return _active(user) and user.is_national_admin


@rules.predicate
def is_assessor(user):
    return _active(user) and user.is_assessor


@rules.predicate
def is_moderator(user):
    return _active(user) and user.is_moderator


def _holds_ccg_role(user, role, ccg=None, cycle=None) -> bool:
    """A role for ``ccg`` (any CCG if None) held for every cycle or for ``cycle``."""
    if not _active(user):
        return False
    roles = user.ccg_roles.filter(role=role)
    if ccg is not None:
        roles = roles.filter(ccg=ccg)
    if cycle is not None:
        roles = roles.filter(Q(cycle__isnull=True) | Q(cycle=cycle))
    return roles.exists()


@rules.predicate
def is_ccg_lead(user):
    return _holds_ccg_role(user, CCGRole.Role.LEAD)


@rules.predicate
def is_accountable_officer(user):
    return _holds_ccg_role(user, CCGRole.Role.ACCOUNTABLE_OFFICER)


@rules.predicate
def leads_ccg(user, ccg):
    return ccg is not None and _holds_ccg_role(user, CCGRole.Role.LEAD, ccg)


@rules.predicate
def is_accountable_officer_of(user, ccg):
    return ccg is not None and _holds_ccg_role(user, CCGRole.Role.ACCOUNTABLE_OFFICER, ccg)


@rules.predicate
def leads_submission(user, submission):
    return submission is not None and _holds_ccg_role(
        user, CCGRole.Role.LEAD, submission.ccg_id, submission.cycle_id
    )


@rules.predicate
def is_officer_of_submission(user, submission):
    return submission is not None and _holds_ccg_role(
        user, CCGRole.Role.ACCOUNTABLE_OFFICER, submission.ccg_id, submission.cycle_id
    )


@rules.predicate
def submission_is_editable(user, submission):
    """A draft before its deadline (or extension); the rule itself is evidence.workflow's."""
    return submission is not None and submission.is_editable()


@rules.predicate
def is_assigned_assessor(user, submission):
    """Assigned (and not unassigned since) to assess this CCG's submission."""
    return (
        submission is not None
        and _active(user)
        and user.is_assessor
        and submission.assignments.filter(assessor=user, unassigned_at__isnull=True).exists()
    )


@rules.predicate
def has_submitted_own_assessment(user, submission):
    return (
        submission is not None
        and _active(user)
        and submission.assessments.filter(assessor=user, status="submitted").exists()
    )


@rules.predicate
def submission_is_submitted(user, submission):
    return submission is not None and submission.status == "submitted"


@rules.predicate
def clarification_is_open(user, clarification):
    return clarification is not None and clarification.is_open


@rules.predicate
def leads_clarification_ccg(user, clarification):
    return clarification is not None and leads_submission(user, clarification.submission)


@rules.predicate
def is_officer_of_clarification_ccg(user, clarification):
    return clarification is not None and is_officer_of_submission(user, clarification.submission)


@rules.predicate
def asked_clarification(user, clarification):
    return clarification is not None and clarification.asked_by_id == user.pk


@rules.predicate
def assessed_submission(user, submission):
    """An assessor of this CCG's submission, at any time (assigned then unassigned included)."""
    return (
        submission is not None
        and _active(user)
        and (
            submission.assessments.filter(assessor=user).exists()
            or submission.assignments.filter(assessor=user).exists()
        )
    )


@rules.predicate
def took_part_in_rating(user, review):
    """Assessed, moderated, proposed, confirmed or reviewed this CCG's rating before."""
    if review is None or not _active(user):
        return False
    from assessment.models import ModerationEvent, Rating, ReviewRequest

    submission = review.submission
    return (
        assessed_submission(user, submission)
        or ModerationEvent.objects.filter(moderation__submission=submission, actor=user).exists()
        or Rating.objects.filter(submission=submission)
        .filter(Q(proposed_by=user) | Q(confirmed_by=user))
        .exists()
        or ReviewRequest.objects.filter(submission=submission, reviewer=user).exists()
    )


is_national_staff = is_national_admin | is_moderator

# The register and the cycles' frameworks are national information.
rules.add_perm("ccgs.view_register", is_national_staff)
rules.add_perm("ccgs.view_ccg", is_national_staff | leads_ccg | is_accountable_officer_of)
rules.add_perm("assessment.view_cycles", is_national_staff | is_assessor)
rules.add_perm("assessment.manage_cycles", is_national_admin)

# Evidence submissions: the CCG's own people and the national team see them; only the
# CCG's lead changes them, and only while the draft is open.
rules.add_perm(
    "evidence.view_submission",
    leads_submission | is_officer_of_submission | is_national_staff | is_assigned_assessor,
)
rules.add_perm("evidence.edit_submission", leads_submission & submission_is_editable)
rules.add_perm("evidence.view_dashboard", is_national_admin)
rules.add_perm("evidence.grant_extension", is_national_admin)
rules.add_perm("evidence.reopen_submission", is_national_admin)

# Assessment: an assessor scores only CCGs assigned to them, and sees another assessor's
# scores for that CCG only once their own assessment is submitted (independence).
rules.add_perm("assessment.manage_assignments", is_national_admin)
rules.add_perm("assessment.declare_conflicts", is_assessor)
rules.add_perm("assessment.view_queue", is_assessor)
rules.add_perm("assessment.assess_submission", is_assigned_assessor & submission_is_submitted)
rules.add_perm(
    "assessment.view_other_assessments",
    is_national_staff | (is_assigned_assessor & has_submitted_own_assessment),
)
rules.add_perm("assessment.ask_clarification", is_assigned_assessor & submission_is_submitted)
rules.add_perm(
    "assessment.view_clarification",
    leads_clarification_ccg
    | is_officer_of_clarification_ccg
    | asked_clarification
    | is_national_staff,
)
rules.add_perm("assessment.answer_clarification", leads_clarification_ccg & clarification_is_open)

# Moderation: any moderator who did not assess that CCG; the proposer never confirms
# their own proposal (checked by the moderation service, which knows the proposer).
rules.add_perm("assessment.view_moderation", is_moderator | is_national_admin)
rules.add_perm("assessment.moderate_ratings", is_moderator)
rules.add_perm("assessment.moderate_submission", is_moderator & ~assessed_submission)

# Review after release: the CCG's accountable officer asks; a moderator who took no part in
# the rating decides. (The window and state are checked by assessment.reviews.)
rules.add_perm("assessment.request_review", is_officer_of_submission)
rules.add_perm("assessment.decide_review", is_moderator & ~took_part_in_rating)


# Outcome letters: the national admin makes, previews and releases them. After release, a
# CCG's accountable officer downloads its letters and summaries in force; its engagement
# lead, the summaries. Nobody outside the national team sees either before release.
@rules.predicate
def document_is_released(user, document):
    return document is not None and document.submission.cycle.is_released()


@rules.predicate
def document_is_current(user, document):
    """No later version supersedes it (earlier versions are the national team's record)."""
    from letters.models import Document

    return document is not None and not Document.objects.filter(supersedes=document).exists()


@rules.predicate
def is_officer_of_document_ccg(user, document):
    return document is not None and is_officer_of_submission(user, document.submission)


@rules.predicate
def leads_document_ccg(user, document):
    return document is not None and leads_submission(user, document.submission)


@rules.predicate
def is_summary(user, document):
    return document is not None and document.kind == "summary"


rules.add_perm("letters.manage_letters", is_national_admin)
rules.add_perm("letters.view_own_letters", is_accountable_officer | is_ccg_lead)
rules.add_perm(
    "letters.download_document",
    is_national_admin
    | (
        document_is_released
        & document_is_current
        & (is_officer_of_document_ccg | (is_summary & leads_document_ccg))
    ),
)

# Results history and exports (issue 7): a CCG's results across cycles are read by the
# people who may see the CCG itself; the national team also sees final ratings of cycles
# not yet released (marked so), and downloads the published exports.
rules.add_perm(
    "results.view_ccg_history", is_national_staff | leads_ccg | is_accountable_officer_of
)
rules.add_perm("results.view_unreleased_results", is_national_staff)
rules.add_perm("results.export_results", is_national_staff)


# Good-practice library (issue 7): every signed-in user reads the approved examples of
# released cycles; the national team and assessors read every approved example. A moderator
# approves or rejects assessors' proposals, never for a CCG they assessed (the rule of
# moderation). Only a national admin records whether a CCG consents to be named.
@rules.predicate
def is_signed_in(user):
    return _active(user)


@rules.predicate
def assessed_example_ccg(user, example):
    return example is not None and assessed_submission(user, example.submission)


def submissions_assessed_by(user, cycle):
    """The ids of the cycle's submissions ``user`` assessed: ``assessed_submission`` as a
    set, so that a moderator's review queue asks once, not once a proposal."""
    from assessment.models import Assessment, Assignment

    if not _active(user):
        return set()
    assessed = Assessment.objects.filter(assessor=user, submission__cycle=cycle)
    assigned = Assignment.objects.filter(assessor=user, submission__cycle=cycle)
    return set(
        assessed.values_list("submission_id", flat=True).union(
            assigned.values_list("submission_id", flat=True)
        )
    )


rules.add_perm("library.view_library", is_signed_in)
rules.add_perm("library.view_unreleased_examples", is_national_staff | is_assessor)
rules.add_perm("library.review_examples", is_moderator)
rules.add_perm("library.decide_example", is_moderator & ~assessed_example_ccg)
rules.add_perm("library.record_consent", is_national_admin)


# Improvement support (issue 7): the national team sees the one-to-one sessions offered to
# the CCGs of a released cycle (moderators read only); only a national admin records a
# session's booking, holding or decline. A CCG's accountable officer and lead see their own
# CCG's session, once the cycle is released, on their letters page (a scoped selector).
rules.add_perm("support.view_sessions", is_national_staff)
rules.add_perm("support.manage_sessions", is_national_admin)


# Read-only API (issue 7): released cycles and ratings are public (no permission asked).
# Any active signed-in person makes and revokes their own tokens; a token acts as its user.
# The CCG endpoints need a signed-in user (session or token) and read through
# ccgs.selectors.ccgs_visible_to, the web's scope (a CCG outside it answers 404).
@rules.predicate
def owns_api_token(user, token):
    return token is not None and _active(user) and token.user_id == user.pk


rules.add_perm("api.manage_own_tokens", is_signed_in)
rules.add_perm("api.revoke_token", owns_api_token)
rules.add_perm("api.view_ccgs", is_signed_in)


# National dashboard (issue 7): where every CCG of a cycle is in the process and, once the
# cycle is released, its results; for moderators and national admins only (404 otherwise).
rules.add_perm("results.view_dashboard", is_national_staff)
