"""Reads of the good-practice library, always scoped to the user.

``library_for(user)`` is the one read of published examples: approved examples only, and
for everyone outside the national team and the assessors only those of released cycles
(``Cycle.released_at`` passed, the test ``Cycle.is_released`` makes). Each example carries
``ccg_name`` only when the national admin has recorded the CCG's consent for that cycle;
otherwise the name is never read from the database (the annotation is empty) and the
example is attributed to "A CCG in <region>". Search reads the title and the summary
only, so a search for a CCG's name cannot find the examples that withhold it.

Search is PostgreSQL full-text search (English stemming, ``websearch`` syntax, ranked).
The embedded SQLite default of ``make run`` has none; there, and only there, the search is
a case-insensitive match of the words as typed (``_search``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.permissions import submissions_assessed_by
from assessment.models import Criterion, Cycle, Domain
from ccgs.models import CCG, RegisterEntry
from library.models import GoodPracticeExample, PublicationConsent

APPROVED = GoodPracticeExample.Status.APPROVED


def visible_cycles(user) -> QuerySet[Cycle]:
    """The cycles whose approved examples ``user`` may read, newest first."""
    cycles = Cycle.objects.order_by("-label")
    if not user.has_perm("library.view_unreleased_examples"):
        cycles = cycles.filter(released_at__lte=timezone.now())
    return cycles


def with_attribution(examples: QuerySet[GoodPracticeExample]) -> QuerySet[GoodPracticeExample]:
    """Annotate ``named`` (consent recorded), ``ccg_name`` (empty unless named) and
    ``region_name``, as on the register of the cycle's April."""
    entry = RegisterEntry.objects.filter(
        ccg=OuterRef("submission__ccg"), year=OuterRef("cycle__register_year")
    )
    consent = PublicationConsent.objects.filter(
        ccg=OuterRef("submission__ccg"), cycle=OuterRef("cycle"), consented=True
    )
    return examples.annotate(
        named=Exists(consent),
        ccg_name=Case(
            When(
                Exists(consent),
                then=Coalesce(Subquery(entry.values("name")[:1]), F("submission__ccg__name")),
            ),
            default=Value(""),
            output_field=CharField(),
        ),
        region_name=Coalesce(
            Subquery(entry.values("stp__region__name")[:1]),
            F("submission__ccg__stp__region__name"),
        ),
    )


def attribution(example: GoodPracticeExample) -> str:
    """Who the library says the example is from: the CCG when it consented to be named,
    else its region, else nothing that identifies it."""
    if getattr(example, "ccg_name", ""):
        return example.ccg_name
    if getattr(example, "region_name", ""):
        return f"A CCG in {example.region_name}"
    return "Name withheld"


def _search(examples: QuerySet[GoodPracticeExample], q: str) -> QuerySet[GoodPracticeExample]:
    """Examples matching ``q`` in the title or summary, best first."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(q, search_type="websearch", config="english")
        return (
            examples.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-decided_at", "pk")
        )
    # SQLite (the embedded default): no full-text search; every word, anywhere, any case.
    for word in q.split():
        examples = examples.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    return examples


def library_for(
    user, *, q: str = "", domain: str = "", criterion: str = "", cycle: Cycle | None = None
) -> QuerySet[GoodPracticeExample]:
    """The approved examples ``user`` may read, filtered by domain code, criterion code and
    cycle, and searched for ``q``; newest decision first, or best match first."""
    examples = GoodPracticeExample.objects.filter(status=APPROVED)
    if not user.has_perm("library.view_unreleased_examples"):
        examples = examples.filter(cycle__released_at__lte=timezone.now())
    if cycle is not None:
        examples = examples.filter(cycle=cycle)
    if domain:
        examples = examples.filter(domain__code=domain)
    if criterion:
        examples = examples.filter(criterion__code=criterion)
    examples = with_attribution(examples).select_related("cycle", "domain", "criterion")
    examples = examples.order_by("-decided_at", "pk")
    q = q.strip()
    return _search(examples, q) if q else examples


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


def domain_choices() -> list[Choice]:
    """Domains A-E, named as in the newest cycle (one query)."""
    seen: dict[str, Choice] = {}
    for code, name in Domain.objects.order_by("-cycle__label", "code").values_list("code", "name"):
        seen.setdefault(code, Choice(code, f"{code}: {name}"))
    return sorted(seen.values(), key=lambda choice: choice.code)


def criterion_choices() -> list[Choice]:
    """Criterion codes (A1, A2...), titled as in the newest cycle that has them (one query)."""
    seen: dict[str, Choice] = {}
    rows = Criterion.objects.order_by("-domain__cycle__label", "domain__code", "position")
    for code, title in rows.values_list("code", "title"):
        seen.setdefault(code, Choice(code, f"{code}: {title}"))
    return list(seen.values())


def review_rows(user, proposals) -> list[tuple[GoodPracticeExample, bool]]:
    """Each proposal with whether ``user`` may decide it (never for a CCG they assessed)."""
    proposals = list(proposals)
    if not proposals:
        return []
    mine = submissions_assessed_by(user, proposals[0].cycle_id)
    may = user.has_perm("library.review_examples")
    return [(p, may and p.submission_id not in mine) for p in proposals]


def consent_rows(cycle: Cycle) -> QuerySet[CCG]:
    """The CCGs with approved examples in ``cycle``, or a consent recorded for it, with
    ``examples`` (approved), ``consented`` (None when never recorded), ``recorded_at`` and
    ``recorded_by_name`` (one query)."""
    approved = GoodPracticeExample.objects.filter(
        cycle=cycle, status=APPROVED, submission__ccg=OuterRef("pk")
    )
    consent = PublicationConsent.objects.filter(cycle=cycle, ccg=OuterRef("pk"))
    count = approved.order_by().values("submission__ccg").annotate(n=Count("pk")).values("n")
    return (
        CCG.objects.filter(Exists(approved) | Exists(consent))
        .annotate(
            examples=Coalesce(Subquery(count[:1]), 0),
            consented=Subquery(consent.values("consented")[:1]),
            recorded_at=Subquery(consent.values("recorded_at")[:1]),
            recorded_by_name=Subquery(consent.values("recorded_by__full_name")[:1]),
            consent_note=Subquery(consent.values("note")[:1]),
        )
        .order_by("name")
    )
