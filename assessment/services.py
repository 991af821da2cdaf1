"""Writes to cycles and their framework.

``load_cycle`` makes the database match a framework file: idempotent (loading the
same file again changes nothing and says so) and transactional (a broken file is
refused whole, before any write). Changing a cycle's band table bumps its
``bands_version``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError

from assessment.framework import CycleSpec, FrameworkFileError, read_framework_file
from assessment.models import Criterion, Cycle, Domain, RaggBand
from common.db import save_changed

FRAMEWORK_DIR = Path(__file__).resolve().parent / "frameworks"
SHIPPED_FRAMEWORKS = (FRAMEWORK_DIR / "2018-19.toml", FRAMEWORK_DIR / "2019-20.toml")

CYCLE_FIELDS = (
    "framework_name",
    "indicator_name",
    "guidance_section",
    "guidance_title",
    "framework_version",
    "register_year",
    "period_start",
    "period_end",
    "submission_opens",
    "submission_deadline",
    "review_window_days",
)


@dataclass(frozen=True)
class LoadReport:
    cycle: Cycle
    outcome: str  # "created", "updated" or "unchanged"

    def summary(self) -> str:
        criteria = Criterion.objects.filter(domain__cycle=self.cycle).count()
        return (
            f"Cycle {self.cycle.label} {self.outcome}: {self.cycle.framework_name}, "
            f"{criteria} criteria, bands version {self.cycle.bands_version}."
        )


def load_cycle(path: str | Path) -> LoadReport:
    """Load (or reload) the cycle defined by the framework file at ``path``."""
    return apply_cycle_spec(read_framework_file(path))


@transaction.atomic
def apply_cycle_spec(spec: CycleSpec) -> LoadReport:
    cycle = Cycle.objects.select_for_update().filter(label=spec.label).first()
    if cycle is None:
        cycle = Cycle.objects.create(
            label=spec.label,
            slug=spec.slug,
            source_sha256=spec.source_sha256,
            **{name: getattr(spec, name) for name in CYCLE_FIELDS},
        )
        outcome = "created"
    else:
        changed = [name for name in CYCLE_FIELDS if getattr(cycle, name) != getattr(spec, name)]
        for name in changed:
            setattr(cycle, name, getattr(spec, name))
        outcome = "updated" if changed else "unchanged"
        if changed:
            cycle.save(update_fields=[*changed, "updated_at"])

    if _sync_bands(cycle, spec) and outcome != "created":
        cycle.bands_version += 1
        cycle.save(update_fields=["bands_version", "updated_at"])
        outcome = "updated"
    if _sync_domains(cycle, spec) and outcome == "unchanged":
        outcome = "updated"
    if cycle.source_sha256 != spec.source_sha256:
        cycle.source_sha256 = spec.source_sha256
        cycle.save(update_fields=["source_sha256", "updated_at"])
    return LoadReport(cycle=cycle, outcome=outcome)


def _sync_bands(cycle: Cycle, spec: CycleSpec) -> bool:
    current = sorted((b.code, b.label, b.minimum, b.maximum) for b in cycle.bands.all())
    wanted = sorted((b.code, b.label, b.minimum, b.maximum) for b in spec.bands)
    if current == wanted:
        return False
    cycle.bands.all().delete()
    RaggBand.objects.bulk_create(
        RaggBand(cycle=cycle, code=b.code, label=b.label, minimum=b.minimum, maximum=b.maximum)
        for b in spec.bands
    )
    return True


def _sync_domains(cycle: Cycle, spec: CycleSpec) -> bool:
    changed = False
    domains = {domain.code: domain for domain in cycle.domains.prefetch_related("criteria")}
    for domain_spec in spec.domains:
        domain = domains.get(domain_spec.code)
        if domain is None:
            domain = Domain.objects.create(
                cycle=cycle,
                code=domain_spec.code,
                name=domain_spec.name,
                summary=domain_spec.summary,
            )
            existing = {}
            changed = True
        else:
            changed |= save_changed(domain, name=domain_spec.name, summary=domain_spec.summary)
            existing = {criterion.code: criterion for criterion in domain.criteria.all()}
        for position, criterion_spec in enumerate(domain_spec.criteria, start=1):
            values = {
                "title": criterion_spec.title,
                "description": criterion_spec.description,
                "evidence_examples": list(criterion_spec.evidence_examples),
                "position": position,
            }
            criterion = existing.pop(criterion_spec.code, None)
            if criterion is None:
                Criterion.objects.create(domain=domain, code=criterion_spec.code, **values)
                changed = True
            else:
                changed |= save_changed(criterion, **values)
        if existing:
            try:
                Criterion.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
            except ProtectedError as exc:
                # Evidence (and later scores) point at them: a framework file may not
                # take a criterion away once a CCG has used it.
                raise FrameworkFileError(
                    spec.label,
                    [
                        f"criterion {code} is missing from the file, but evidence has been "
                        "submitted against it, so it cannot be removed"
                        for code in sorted(existing)
                    ],
                ) from exc
            changed = True
    return changed
