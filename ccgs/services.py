"""Writes to the CCG register: importing an April list and linking mergers.

``import_register`` is idempotent and transactional: the whole file is checked
before anything is written, and a failure part-way rolls everything back. It
reports how many of the year's entries were created, updated, unchanged or
removed (a CCG no longer on a corrected file), and the mergers it could not tell.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from ccgs import mergers
from ccgs.models import CCG, STP, Region, RegisterEntry
from ccgs.register_file import (
    RegisterFileError,
    canonical_stp_code,
    read_regions,
    read_register,
)
from common.db import save_changed

DATA_DIR = Path(__file__).resolve().parent / "data"
REGION_FILE = DATA_DIR / "stp_region_2020.csv"
MERGERS_FILE = DATA_DIR / "mergers.csv"
SHIPPED_REGISTERS = {year: DATA_DIR / f"ccg_{year}.csv" for year in (2019, 2020, 2021)}


@dataclass
class ImportReport:
    year: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    unresolved_mergers: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"April {self.year}: {self.total} CCGs; {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.removed} removed."
        )


def import_register(path: str | Path, year: int) -> ImportReport:
    """Import the ONS CCG list of April ``year`` from ``path``.

    Side effects: upserts regions and STPs from the shipped region lookup, the CCGs
    and their entries for ``year``; relinks successors across all loaded years.
    """
    rows = read_register(path, year)
    regions = {row.stp_ons_code: row for row in read_regions(REGION_FILE)}
    unknown = [
        f"line {row.line}: STP {row.stp_ons_code} ({row.stp_name}) is not in the region lookup"
        for row in rows
        if canonical_stp_code(row.stp_ons_code) not in regions
    ]
    if unknown:
        raise RegisterFileError(str(path), unknown)

    report = ImportReport(year=year)
    with transaction.atomic():
        stps = _upsert_stps(regions)
        codes = [row.ods_code for row in rows]
        latest_year = dict(
            RegisterEntry.objects.filter(ccg__ods_code__in=codes)
            .values_list("ccg__ods_code")
            .annotate(latest=Max("year"))
        )
        ccgs = {ccg.ods_code: ccg for ccg in CCG.objects.filter(ods_code__in=codes)}
        entries = {
            entry.ccg.ods_code: entry
            for entry in RegisterEntry.objects.filter(year=year).select_related("ccg")
        }
        for row in rows:
            stp = stps[canonical_stp_code(row.stp_ons_code)]
            ccg = ccgs.get(row.ods_code)
            if ccg is None:
                ccg = CCG.objects.create(
                    ods_code=row.ods_code, ons_code=row.ons_code, name=row.name, stp=stp
                )
            elif year >= latest_year.get(row.ods_code, year):
                # The latest list names the CCG; an older list never renames it.
                save_changed(ccg, ons_code=row.ons_code, name=row.name, stp=stp)
            entry = entries.pop(row.ods_code, None)
            if entry is None:
                RegisterEntry.objects.create(
                    ccg=ccg, year=year, name=row.name, ons_code=row.ons_code, stp=stp
                )
                report.created += 1
            elif save_changed(entry, name=row.name, ons_code=row.ons_code, stp=stp):
                report.updated += 1
            else:
                report.unchanged += 1
        if entries:
            report.removed = RegisterEntry.objects.filter(
                pk__in=[entry.pk for entry in entries.values()]
            ).delete()[0]
        report.unresolved_mergers = link_successors()
    return report


def _upsert_stps(regions) -> dict[str, STP]:
    stps = {stp.ons_code: stp for stp in STP.objects.select_related("region")}
    region_objects = {region.ons_code: region for region in Region.objects.all()}
    for row in regions.values():
        region = region_objects.get(row.region_ons_code)
        if region is None:
            region = Region.objects.create(
                ons_code=row.region_ons_code, ods_code=row.region_ods_code, name=row.region_name
            )
            region_objects[region.ons_code] = region
        else:
            save_changed(region, ods_code=row.region_ods_code, name=row.region_name)
        stp = stps.get(row.stp_ons_code)
        if stp is None:
            stps[row.stp_ons_code] = STP.objects.create(
                ons_code=row.stp_ons_code,
                ods_code=row.stp_ods_code,
                name=row.stp_name,
                region=region,
            )
        else:
            save_changed(stp, ods_code=row.stp_ods_code, name=row.stp_name, region=region)
    return stps


def recorded_mergers() -> dict[str, str]:
    with MERGERS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["predecessor_ods"]: row["successor_ods"] for row in csv.DictReader(handle)}


def link_successors() -> list[str]:
    """Set ``successor`` for every CCG that vanished between two loaded Aprils.

    A successor set by a national admin is never overwritten. Returns a line for
    each vanished CCG whose successor could not be told.
    """
    by_year: dict[int, dict[str, mergers.ListedCCG]] = {}
    for ods, year, name, stp in RegisterEntry.objects.values_list(
        "ccg__ods_code", "year", "name", "stp__ons_code"
    ):
        by_year.setdefault(year, {})[ods] = mergers.ListedCCG(ods, name, stp)
    recorded = recorded_mergers()
    inferred: dict[str, mergers.Successor | None] = {}
    years = sorted(by_year)
    for earlier, later in itertools.pairwise(years):
        if later != earlier + 1:
            continue
        gone = [c for ods, c in by_year[earlier].items() if ods not in by_year[later]]
        new = [c for ods, c in by_year[later].items() if ods not in by_year[earlier]]
        inferred.update(mergers.infer_successors(gone, new, recorded))

    ccgs = {ccg.ods_code: ccg for ccg in CCG.objects.filter(ods_code__in=list(inferred))}
    targets = {
        ccg.ods_code: ccg
        for ccg in CCG.objects.filter(
            ods_code__in=[s.ods_code for s in inferred.values() if s is not None]
        )
    }
    unresolved = []
    for ods, successor in sorted(inferred.items()):
        ccg = ccgs[ods]
        if ccg.successor_basis == CCG.SuccessorBasis.MANUAL:
            continue
        if successor is None:
            unresolved.append(f"{ods} {ccg.name}")
            save_changed(ccg, successor=None, successor_basis="")
        else:
            save_changed(
                ccg, successor=targets[successor.ods_code], successor_basis=successor.basis
            )
    return unresolved
