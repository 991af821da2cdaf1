"""Which CCG a vanished CCG merged into, inferred from two consecutive April lists.

The ONS lists do not say where a CCG went. The rule, in order:

1. a merger recorded in ``ccgs/data/mergers.csv`` (public NHS England merger
   announcements, for the cases the lists cannot settle) wins;
2. if the vanished CCG's STP gained exactly one new CCG, that is its successor
   (every merger of 2020 and 2021 stayed within an STP but Harrogate's, recorded);
3. otherwise the new CCG whose name shares the most place names with it, if one
   does so uniquely (directions such as "West" only break ties);
4. otherwise it stays unknown, and the import says so.

Pure Python: the import service feeds it plain values.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

GENERIC_WORDS = frozenset(
    """nhs ccg and of the on city district districts rural greater county valley vale
    coast coastal central mid""".split()
)
DIRECTION_WORDS = frozenset("north south east west eastern western northern southern".split())


@dataclass(frozen=True)
class ListedCCG:
    ods_code: str
    name: str
    stp_code: str


@dataclass(frozen=True)
class Successor:
    ods_code: str
    basis: str  # "recorded", "stp" or "name"


def _words(name: str) -> set[str]:
    return {word for word in re.split(r"[^a-z]+", name.lower()) if word}


def _place_words(name: str) -> set[str]:
    return _words(name) - GENERIC_WORDS - DIRECTION_WORDS


def infer_successors(
    gone: list[ListedCCG],
    new: list[ListedCCG],
    recorded: dict[str, str] | None = None,
) -> dict[str, Successor | None]:
    """Map each vanished CCG's ODS code to its successor, or None where it cannot be told."""
    recorded = recorded or {}
    new_codes = {ccg.ods_code for ccg in new}
    new_by_stp: dict[str, list[ListedCCG]] = defaultdict(list)
    for ccg in new:
        new_by_stp[ccg.stp_code].append(ccg)

    result: dict[str, Successor | None] = {}
    for ccg in gone:
        if recorded.get(ccg.ods_code) in new_codes:
            result[ccg.ods_code] = Successor(recorded[ccg.ods_code], "recorded")
            continue
        same_stp = new_by_stp.get(ccg.stp_code, [])
        if len(same_stp) == 1:
            result[ccg.ods_code] = Successor(same_stp[0].ods_code, "stp")
            continue
        result[ccg.ods_code] = _by_name(ccg, new)
    return result


def _by_name(ccg: ListedCCG, new: list[ListedCCG]) -> Successor | None:
    places = _place_words(ccg.name)
    directions = _words(ccg.name) & DIRECTION_WORDS
    scored = []
    for candidate in new:
        shared = len(places & _place_words(candidate.name))
        if shared:
            tiebreak = len(directions & _words(candidate.name))
            scored.append(((shared, tiebreak), candidate))
    if not scored:
        return None
    scored.sort(key=lambda pair: pair[0], reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return Successor(scored[0][1].ods_code, "name")
