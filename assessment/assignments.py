"""Who assesses which CCG: assessors' declarations of conflicts of interest, assigning
assessors to submitted CCGs (one by one, from a CSV file, or automatically) and
unassigning them, plus the read that the national admin's assignment page is drawn from.

Every write re-checks permission (``assessment.manage_assignments`` for the national
admin; ``assessment.declare_conflicts`` and being that assessor for a declaration), runs
in one transaction and takes row locks: the submissions concerned first, then the
assessors (users), so that two admins, or an admin and an assessor declaring a conflict,
cannot together give a CCG a third assessor or an assessor a conflicted CCG. Creating an
assignment also creates the assessor's draft ``Assessment`` so that it is in their queue.
Unassigning keeps the row (``unassigned_at``/``unassigned_by``); every scope reads only
active assignments, so the assessor loses access at once. The rules of automatic
assignment are pure: ``assessment/allocation.py``.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from assessment import allocation
from assessment.models import Assessment, Assignment, ConflictDeclaration, Cycle
from ccgs.models import CCG, RegisterEntry
from common.spreadsheet import unprotect
from evidence.models import Submission

logger = logging.getLogger(__name__)

# DESIGN.md, "The yearly cycle", step 3: "two assessors per CCG, independently".
ASSESSORS_PER_CCG = 2
CSV_HEADER = ("ods_code", "assessor_email")


class AssignmentRefused(Exception):
    """An assignment the rules refuse; ``reason`` is a sentence for the national admin and
    ``about`` says whether it is about the "assessor" or the "ccg" (for the form's field)."""

    def __init__(self, reason: str, about: str = ""):
        self.reason = reason
        self.about = about
        super().__init__(reason)


class CsvRefused(AssignmentRefused):
    """A CSV file with at least one bad line: nothing was assigned. ``problems`` names each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


class ConflictRefused(Exception):
    """A declaration the rules refuse; the message is for the assessor."""


@dataclass(frozen=True)
class ConflictResult:
    declaration: ConflictDeclaration
    created: bool
    clashes: list  # the assessor's active assignments that the declaration covers
    message: str


@dataclass(frozen=True)
class UnassignResult:
    assignment: Assignment
    changed: bool
    message: str


@dataclass(frozen=True)
class CsvReport:
    created: int
    lines: int

    def summary(self) -> str:
        plural = "" if self.created == 1 else "s"
        return f"{self.created} assignment{plural} made from the CSV file."


@dataclass
class AutoReport:
    """What automatic assignment did; plain values, so that a page can keep it in a session."""

    cycle: str
    seed: int
    created: int
    ccgs: int  # submitted CCGs considered
    complete: int  # of those, how many now have their two assessors
    shortfalls: list[dict] = field(default_factory=list)  # {"ccg", "ods_code", "reason"}

    def summary(self) -> str:
        plural = "" if self.created == 1 else "s"
        return (
            f"Automatic assignment made {self.created} assignment{plural}: {self.complete} "
            f"of {self.ccgs} submitted CCGs now have two assessors."
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _require_manager(actor) -> None:
    if not actor.has_perm("assessment.manage_assignments"):
        raise PermissionDenied("assessment.manage_assignments")


# --------------------------------------------------------------------------- conflicts


def _covers(declaration: ConflictDeclaration, ccg: CCG) -> bool:
    return (
        declaration.ccg_id == ccg.pk
        or declaration.stp_id == ccg.stp_id
        or declaration.region_id == ccg.stp.region_id
    )


def conflict_sentence(assessor, declaration: ConflictDeclaration, ccg: CCG) -> str:
    """Why ``assessor`` may not assess ``ccg``, naming the declared conflict."""
    if declaration.ccg_id:
        return f"{assessor} has declared a conflict of interest with {ccg.name}."
    if declaration.stp_id:
        return (
            f"{assessor} has declared a conflict of interest with {ccg.stp.name}, "
            f"the STP that {ccg.name} is part of."
        )
    return (
        f"{assessor} has declared a conflict of interest with the {ccg.stp.region.name} "
        f"region, which {ccg.name} is in."
    )


def declare_conflict(
    assessor, cycle: Cycle, *, ccg=None, stp=None, region=None, reason: str, actor
) -> ConflictResult:
    """Record that ``assessor`` has a conflict of interest with a CCG, an STP or a region.

    Only the assessor themself may declare. A declaration that covers a CCG they are
    already assigned to ends that assignment at once (an assessor never assesses a CCG
    they declared a conflict with), recorded as unassigned by the assessor; the result
    lists those CCGs so the page can say so, and the national admin sees them short of
    an assessor on the assignment page. Declaring the same thing again changes nothing.
    Side effects: row lock on the assessor (serialises with ``assign``); one
    ``ConflictDeclaration``; the covered assignments unassigned.
    """
    if actor.pk != assessor.pk or not actor.has_perm("assessment.declare_conflicts"):
        raise PermissionDenied("assessment.declare_conflicts")
    subjects = [s for s in (ccg, stp, region) if s is not None]
    if len(subjects) != 1:
        raise ConflictRefused("Choose one CCG, one STP or one NHS region.")
    reason = reason.strip()
    if not reason:
        raise ConflictRefused("Say why you have a conflict of interest.")
    if (
        ccg is not None
        and not RegisterEntry.objects.filter(ccg=ccg, year=cycle.register_year).exists()
    ):
        raise ConflictRefused(f"{ccg.name} is not one of the CCGs assessed in {cycle.label}.")
    subject = subjects[0]
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=assessor.pk)
        existing = ConflictDeclaration.objects.filter(
            assessor=assessor, cycle=cycle, ccg=ccg, stp=stp, region=region
        ).first()
        if existing is not None:
            return ConflictResult(
                existing, False, [], f"You have already declared a conflict with {subject}."
            )
        declaration = ConflictDeclaration.objects.create(
            assessor=assessor, cycle=cycle, ccg=ccg, stp=stp, region=region, reason=reason
        )
        clashes = [
            assignment
            for assignment in Assignment.objects.select_for_update(of=("self",))
            .filter(assessor=assessor, submission__cycle=cycle, unassigned_at__isnull=True)
            .select_related("submission__ccg__stp__region")
            if _covers(declaration, assignment.submission.ccg)
        ]
        for assignment in clashes:
            assignment.unassigned_at = timezone.now()
            assignment.unassigned_by = assessor
            assignment.save(update_fields=["unassigned_at", "unassigned_by"])
    message = f"Conflict of interest with {subject} declared."
    if clashes:
        names = ", ".join(a.submission.ccg.name for a in clashes)
        message += (
            f" You were assigned to {names}, which it covers, so you no longer assess it: "
            "the national team will assign another assessor."
        )
    return ConflictResult(declaration, True, clashes, message)


def withdraw_conflict(declaration: ConflictDeclaration, *, actor) -> str:
    """Withdraw a declaration (only its assessor may). Side effect: the row is deleted."""
    if actor.pk != declaration.assessor_id or not actor.has_perm("assessment.declare_conflicts"):
        raise PermissionDenied("assessment.declare_conflicts")
    subject = str(declaration.subject)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=actor.pk)
        ConflictDeclaration.objects.filter(pk=declaration.pk).delete()
    return f"Conflict of interest with {subject} withdrawn."


# --------------------------------------------------------------------------- assigning


def _refusal(
    submission: Submission, assessor, *, current: list, conflicts: list
) -> AssignmentRefused | None:
    """Why ``assessor`` may not be assigned to ``submission`` now, or None.

    ``current``: the assessors the submission has now; ``conflicts``: the assessor's
    declarations in the submission's cycle. One function, so that a single assignment,
    a CSV line and the page all give the same reasons.
    """
    ccg = submission.ccg
    if not (assessor.is_active and assessor.is_assessor):
        return AssignmentRefused(f"{assessor} ({assessor.email}) is not an assessor.", "assessor")
    if submission.status != Submission.Status.SUBMITTED:
        return AssignmentRefused(f"{ccg.name} has not submitted its evidence yet.", "ccg")
    for declaration in conflicts:
        if _covers(declaration, ccg):
            return AssignmentRefused(conflict_sentence(assessor, declaration, ccg), "assessor")
    if any(person.pk == assessor.pk for person in current):
        return AssignmentRefused(f"{assessor} is already assigned to {ccg.name}.", "assessor")
    if len(current) >= ASSESSORS_PER_CCG:
        names = " and ".join(str(person) for person in current)
        return AssignmentRefused(f"{ccg.name} already has two assessors: {names}.", "ccg")
    return None


def _locked_submissions(queryset):
    return queryset.select_for_update(of=("self",)).select_related("ccg__stp__region", "cycle")


def _record(pairs, *, actor, method: str) -> list[Assignment]:
    """Create the assignments and each assessor's draft assessment (if not there already)."""
    now = timezone.now()
    created = Assignment.objects.bulk_create(
        Assignment(
            submission_id=submission_id,
            assessor_id=assessor_id,
            assigned_by=actor,
            assigned_at=now,
            method=method,
        )
        for submission_id, assessor_id in pairs
    )
    Assessment.objects.bulk_create(
        (
            Assessment(submission_id=submission_id, assessor_id=assessor_id)
            for submission_id, assessor_id in pairs
        ),
        ignore_conflicts=True,  # reassigned after an unassignment: keep the old draft
    )
    return created


def assign(submission: Submission, assessor, *, actor, method: str = "manual") -> Assignment:
    """Assign ``assessor`` to ``submission``, or raise ``AssignmentRefused`` saying why.

    Side effects: row locks on the submission, then the assessor; one ``Assignment``; the
    assessor's draft ``Assessment`` if they had none.
    """
    _require_manager(actor)
    with transaction.atomic():
        submission = _locked_submissions(Submission.objects).get(pk=submission.pk)
        assessor = get_user_model().objects.select_for_update().get(pk=assessor.pk)
        current = [
            a.assessor
            for a in submission.assignments.filter(unassigned_at__isnull=True)
            .select_related("assessor")
            .order_by("assigned_at", "pk")
        ]
        conflicts = list(
            ConflictDeclaration.objects.filter(assessor=assessor, cycle=submission.cycle_id)
        )
        refusal = _refusal(submission, assessor, current=current, conflicts=conflicts)
        if refusal is not None:
            raise refusal
        (assignment,) = _record([(submission.pk, assessor.pk)], actor=actor, method=method)
        return assignment


def unassign(assignment: Assignment, *, actor) -> UnassignResult:
    """End an assignment; the assessor loses access to the CCG at once.

    Side effects: row locks on the submission, then the assignment; ``unassigned_at`` and
    ``unassigned_by`` set. The assessor's assessment is kept for the record. Unassigning
    twice changes nothing and says so.
    """
    _require_manager(actor)
    with transaction.atomic():
        _locked_submissions(Submission.objects).get(pk=assignment.submission_id)
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("assessor", "submission__ccg")
            .get(pk=assignment.pk)
        )
        who, ccg = assignment.assessor, assignment.submission.ccg.name
        if assignment.unassigned_at is not None:
            return UnassignResult(assignment, False, f"{who} was already unassigned from {ccg}.")
        assignment.unassigned_at = timezone.now()
        assignment.unassigned_by = actor
        assignment.save(update_fields=["unassigned_at", "unassigned_by"])
        return UnassignResult(assignment, True, f"{who} is no longer assigned to {ccg}.")


def _csv_rows(file_text: str) -> tuple[list[tuple[int, list[str]]], dict[str, int]]:
    """The file's data rows with their line numbers, and the header's column positions."""
    if "\0" in file_text:  # PostgreSQL refuses NUL in text; a CSV file never has one
        raise CsvRefused(["The file is not a CSV text file: it contains a NUL character."])
    reader = csv.reader(io.StringIO(file_text.lstrip("\ufeff"), newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise CsvRefused([f"line {reader.line_num}: this is not CSV ({error})."]) from None
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise CsvRefused(["The file is empty: it needs the header ods_code,assessor_email."])
    header_line, header = rows[0]
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    if not all(name in columns for name in CSV_HEADER):
        raise CsvRefused(
            [f"line {header_line}: the first line must be the header ods_code,assessor_email."]
        )
    if len(rows) == 1:
        raise CsvRefused(["The file has its header but no assignments."])
    return rows[1:], columns


def import_assignments_csv(cycle: Cycle, file_text: str, *, actor) -> CsvReport:
    """Assign assessors from a CSV file (header ``ods_code,assessor_email``), all or nothing.

    Every line is checked against the database and the lines above it; if any line is
    bad, nothing is assigned and ``CsvRefused.problems`` names every bad line with its
    number and reason. Other columns are ignored, so an exported file can be edited and
    uploaded. Side effects: row locks on the cycle's submissions named, then the
    assessors; the assignments (method "csv") and draft assessments.
    """
    _require_manager(actor)
    rows, columns = _csv_rows(file_text)
    width = max(columns[name] for name in CSV_HEADER) + 1
    parsed = [
        (
            line,
            unprotect(row[columns["ods_code"]].strip()).upper() if len(row) >= width else "",
            unprotect(row[columns["assessor_email"]].strip()).lower() if len(row) >= width else "",
            len(row) >= width,
        )
        for line, row in rows
    ]
    codes = {code for _, code, _, _ in parsed if code}
    emails = {email for _, _, email, _ in parsed if email}
    user_model = get_user_model()
    with transaction.atomic():
        submissions = {
            s.ccg.ods_code: s
            for s in _locked_submissions(Submission.objects)
            .filter(cycle=cycle, ccg__ods_code__in=codes)
            .order_by("pk")
        }
        known_ccgs = dict(CCG.objects.filter(ods_code__in=codes).values_list("ods_code", "name"))
        people = {
            person.email.lower(): person
            for person in user_model.objects.select_for_update()
            .annotate(lower_email=Lower("email"))
            .filter(lower_email__in=emails)
            .order_by("pk")
        }
        conflicts = defaultdict(list)
        for declaration in ConflictDeclaration.objects.filter(
            cycle=cycle, assessor__in=people.values()
        ):
            conflicts[declaration.assessor_id].append(declaration)
        current = defaultdict(list)
        active = Assignment.objects.filter(
            submission__in=submissions.values(), unassigned_at__isnull=True
        )
        for assignment in active.select_related("assessor").order_by("assigned_at", "pk"):
            current[assignment.submission_id].append(assignment.assessor)

        problems: list[str] = []
        seen: dict[tuple[str, str], int] = {}
        pairs: list[tuple[int, int]] = []
        for line, code, email, complete in parsed:
            reasons = []
            if not complete:
                reasons.append("it needs a value in both the ods_code and assessor_email columns")
            else:
                if not code:
                    reasons.append("the ODS code is empty")
                elif code not in known_ccgs:
                    reasons.append(f"no CCG has the ODS code {code}")
                elif code not in submissions:
                    reasons.append(
                        f"{known_ccgs[code]} ({code}) is not one of the CCGs assessed in "
                        f"{cycle.label}"
                    )
                if not email:
                    reasons.append("the assessor's e-mail address is empty")
                elif email not in people:
                    reasons.append(f"no one has the e-mail address {email}")
            if not reasons and (code, email) in seen:
                reasons.append(f"it repeats line {seen[(code, email)]}")
            if not reasons:
                submission, person = submissions[code], people[email]
                refusal = _refusal(
                    submission,
                    person,
                    current=current[submission.pk],
                    conflicts=conflicts[person.pk],
                )
                if refusal is not None:
                    reasons.append(refusal.reason.rstrip("."))
                else:
                    current[submission.pk].append(person)
                    pairs.append((submission.pk, person.pk))
            if complete and code and email:
                seen.setdefault((code, email), line)
            if reasons:
                problems.append(f"line {line}: " + "; ".join(reasons) + ".")
        if problems:
            raise CsvRefused(problems)
        created = _record(pairs, actor=actor, method="csv")
    return CsvReport(created=len(created), lines=len(parsed))


def auto_assign(cycle: Cycle, *, actor, seed: int | None = None) -> AutoReport:
    """Give every submitted CCG of ``cycle`` its two assessors, where conflicts allow.

    The choice is ``allocation.allocate`` over the submitted CCGs, the active assessors,
    their loads (active assignments in the cycle) and declared conflicts; existing
    assignments are kept. ``seed`` makes the draw repeatable; a random one is chosen if
    none is given, and the report (and the log) records it. Side effects: row locks on
    the cycle's submitted submissions, then the assessors; the assignments (method
    "auto") and draft assessments.
    """
    _require_manager(actor)
    if seed is None:
        seed = secrets.randbelow(2**31)
    with transaction.atomic():
        submissions = list(
            _locked_submissions(Submission.objects)
            .filter(cycle=cycle, status=Submission.Status.SUBMITTED)
            .order_by("pk")
        )
        assessors = list(
            get_user_model()
            .objects.select_for_update()
            .filter(is_assessor=True, is_active=True)
            .order_by("pk")
        )
        assigned = defaultdict(set)
        loads = defaultdict(int)
        for submission_id, assessor_id in Assignment.objects.filter(
            submission__cycle=cycle, unassigned_at__isnull=True
        ).values_list("submission_id", "assessor_id"):
            assigned[submission_id].add(assessor_id)
            loads[assessor_id] += 1
        conflicts = defaultdict(lambda: {"ccg": set(), "stp": set(), "region": set()})
        for declaration in ConflictDeclaration.objects.filter(cycle=cycle):
            kind = "ccg" if declaration.ccg_id else "stp" if declaration.stp_id else "region"
            subject_id = declaration.ccg_id or declaration.stp_id or declaration.region_id
            conflicts[declaration.assessor_id][kind].add(subject_id)
        result = allocation.allocate(
            [
                allocation.CCGSlot(
                    submission_id=s.pk,
                    ccg_id=s.ccg_id,
                    stp_id=s.ccg.stp_id,
                    region_id=s.ccg.stp.region_id,
                    assigned=frozenset(assigned[s.pk]),
                )
                for s in submissions
            ],
            [
                allocation.AssessorInfo(
                    id=person.pk,
                    load=loads[person.pk],
                    conflict_ccgs=frozenset(conflicts[person.pk]["ccg"]),
                    conflict_stps=frozenset(conflicts[person.pk]["stp"]),
                    conflict_regions=frozenset(conflicts[person.pk]["region"]),
                )
                for person in assessors
            ],
            per_ccg=ASSESSORS_PER_CCG,
            seed=seed,
        )
        created = _record(result.assignments, actor=actor, method="auto")
    by_pk = {s.pk: s for s in submissions}
    report = AutoReport(
        cycle=cycle.label,
        seed=seed,
        created=len(created),
        ccgs=len(submissions),
        complete=len(submissions) - len(result.short),
        shortfalls=[
            {
                "ccg": by_pk[pk].ccg.name,
                "ods_code": by_pk[pk].ccg.ods_code,
                "reason": reason[:1].upper() + reason[1:],
            }
            for pk, reason in sorted(result.short.items(), key=lambda i: by_pk[i[0]].ccg.name)
        ],
    )
    logger.info(
        "Automatic assignment for %s by %s with seed %s: %s created, %s short",
        cycle.label,
        actor.pk,
        seed,
        report.created,
        len(report.shortfalls),
    )
    return report


# --------------------------------------------------------------------------- reads


@dataclass
class AssessorLoad:
    assessor: object
    load: int
    conflicts: list


@dataclass
class CCGAssessors:
    submission: Submission
    assignments: list

    @property
    def needed(self) -> int:
        return max(0, ASSESSORS_PER_CCG - len(self.assignments))


@dataclass
class Clash:
    assignment: Assignment
    reason: str


@dataclass
class AssignmentOverview:
    cycle: Cycle
    assessors: list[AssessorLoad]
    ccgs: list[CCGAssessors]  # every submitted CCG
    not_submitted: int
    clashes: list[Clash]

    @property
    def short(self) -> list[CCGAssessors]:
        return [row for row in self.ccgs if row.needed]

    @property
    def assignments(self) -> int:
        return sum(len(row.assignments) for row in self.ccgs)

    @property
    def load_range(self) -> tuple[int, int] | None:
        loads = [row.load for row in self.assessors]
        return (min(loads), max(loads)) if loads else None


def assignment_overview(cycle: Cycle) -> AssignmentOverview:
    """Each assessor's load and conflicts, each submitted CCG's assessors, and assignments
    that a later declaration covers, in a fixed number of queries (five)."""
    active = Q(assignments__unassigned_at__isnull=True, assignments__submission__cycle=cycle)
    assessors = list(
        get_user_model()
        .objects.filter(is_assessor=True, is_active=True)
        .annotate(load=Count("assignments", filter=active))
        .prefetch_related(
            Prefetch(
                "conflicts",
                queryset=ConflictDeclaration.objects.filter(cycle=cycle).select_related(
                    "ccg", "stp", "region"
                ),
                to_attr="cycle_conflicts",
            )
        )
        .order_by("full_name", "email")
    )
    submissions = (
        Submission.objects.filter(cycle=cycle, status=Submission.Status.SUBMITTED)
        .select_related("ccg__stp__region", "cycle")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(unassigned_at__isnull=True)
                .select_related("assessor")
                .order_by("assigned_at", "pk"),
                to_attr="active_assignments",
            )
        )
        .order_by("ccg__name")
    )
    declarations = defaultdict(list)
    for person in assessors:
        declarations[person.pk] = person.cycle_conflicts
    ccgs, clashes = [], []
    for submission in submissions:
        ccgs.append(CCGAssessors(submission, submission.active_assignments))
        for assignment in submission.active_assignments:
            for declaration in declarations[assignment.assessor_id]:
                if _covers(declaration, submission.ccg):
                    reason = conflict_sentence(assignment.assessor, declaration, submission.ccg)
                    clashes.append(Clash(assignment, reason))
                    break
    return AssignmentOverview(
        cycle=cycle,
        assessors=[AssessorLoad(p, p.load, p.cycle_conflicts) for p in assessors],
        ccgs=ccgs,
        not_submitted=cycle.submissions.exclude(status=Submission.Status.SUBMITTED).count(),
        clashes=clashes,
    )


def assignments_for_export(cycle: Cycle):
    """The cycle's active assignments, for the CSV download."""
    return (
        Assignment.objects.filter(submission__cycle=cycle, unassigned_at__isnull=True)
        .select_related("submission__ccg__stp__region", "assessor")
        .order_by("submission__ccg__name", "assigned_at", "pk")
    )
