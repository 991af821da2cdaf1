"""Choosing assessors for CCGs, as pure Python: the rules of automatic assignment.

Given each submitted CCG (with the assessors it already has) and each assessor (with
their current load and declared conflicts), ``allocate`` picks new assignments so that
every CCG has ``per_ccg`` assessors where that is possible (two, by DESIGN.md's
"two assessors per CCG, independently"), never an assessor with a conflict with the
CCG, its STP or its region, never the same assessor twice on a CCG, with final loads
(existing + new) as even as the conflicts allow, and with pairs of assessors spread out
rather than the same two everywhere.

How: the most constrained CCG first, each seat to the eligible assessor with the lowest
load, then the partner they have been paired with least often, then a seeded random
draw; then a rebalancing pass moves new assignments from a most loaded assessor towards a
least loaded one along a chain of eligible moves until no such chain exists. That is the
optimality condition of a convex-cost flow, so the loads differ by at most one whenever
any allocation with that property exists. The same seed gives the same result.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CCGSlot:
    """A submitted CCG waiting for assessors (``assigned``: assessor ids it already has)."""

    submission_id: int
    ccg_id: int
    stp_id: int
    region_id: int
    assigned: frozenset = frozenset()


@dataclass(frozen=True)
class AssessorInfo:
    """An assessor: ``load`` is their active assignments now; conflicts are ids."""

    id: int
    load: int = 0
    conflict_ccgs: frozenset = frozenset()
    conflict_stps: frozenset = frozenset()
    conflict_regions: frozenset = frozenset()


@dataclass
class Allocation:
    assignments: list[tuple[int, int]]  # (submission_id, assessor_id), new ones only
    short: dict[int, str]  # submission_id -> why it cannot have per_ccg assessors
    loads: dict[int, int] = field(default_factory=dict)  # assessor id -> existing + new


def conflict_reason(assessor: AssessorInfo, slot: CCGSlot) -> str | None:
    """Why ``assessor`` may not assess ``slot``'s CCG, in plain English, or None."""
    if slot.ccg_id in assessor.conflict_ccgs:
        return "declared a conflict with this CCG"
    if slot.stp_id in assessor.conflict_stps:
        return "declared a conflict with its STP"
    if slot.region_id in assessor.conflict_regions:
        return "declared a conflict with its region"
    return None


def _shortfall_reason(without_conflict: int, assessors: int) -> str:
    if assessors == 0:
        return "there are no assessors"
    if without_conflict == 0:
        return "no assessor without a conflict"
    plural = "assessor" if without_conflict == 1 else "assessors"
    return f"only {without_conflict} {plural} without a conflict"


class _State:
    """The allocation being built: who is on which CCG, loads, and pair counts."""

    def __init__(self, slots, assessors, per_ccg):
        self.slots = {slot.submission_id: slot for slot in slots}
        self.load = {a.id: a.load for a in assessors}
        self.members = {slot.submission_id: set(slot.assigned) for slot in slots}
        self.new = {slot.submission_id: set() for slot in slots}  # movable assignments
        self.pairs: dict[frozenset, int] = defaultdict(int)
        for members in self.members.values():
            self._count_pairs(members, +1)
        by_id = {a.id: a for a in assessors}
        self.eligible = {
            slot.submission_id: frozenset(
                a.id for a in assessors if conflict_reason(by_id[a.id], slot) is None
            )
            for slot in slots
        }
        self.per_ccg = per_ccg

    def _count_pairs(self, members, step):
        ordered = sorted(members)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                self.pairs[frozenset((first, second))] += step

    def partner_count(self, assessor_id, others) -> int:
        return sum(self.pairs[frozenset((assessor_id, other))] for other in others)

    def add(self, submission_id, assessor_id):
        members = self.members[submission_id]
        for other in members:
            self.pairs[frozenset((assessor_id, other))] += 1
        members.add(assessor_id)
        self.new[submission_id].add(assessor_id)
        self.load[assessor_id] += 1

    def move(self, submission_id, from_id, to_id):
        members = self.members[submission_id]
        assert from_id in self.new[submission_id] and to_id not in members  # noqa: S101  (invariant)
        members.discard(from_id)
        self.new[submission_id].discard(from_id)
        for other in members:
            self.pairs[frozenset((from_id, other))] -= 1
        self.add(submission_id, to_id)
        self.load[from_id] -= 1


def allocate(
    slots: list[CCGSlot], assessors: list[AssessorInfo], *, per_ccg: int = 2, seed: int = 0
) -> Allocation:
    """New assignments for ``slots`` (see the module's docstring for the rules)."""
    rng = random.Random(seed)  # noqa: S311  (a reproducible shuffle, not a secret)
    slots = sorted(slots, key=lambda s: s.submission_id)
    assessors = sorted(assessors, key=lambda a: a.id)
    state = _State(slots, assessors, per_ccg)

    short: dict[int, str] = {}
    needs: dict[int, int] = {}
    for slot in slots:
        members = state.members[slot.submission_id]
        need = max(0, per_ccg - len(members))
        free = state.eligible[slot.submission_id] - members
        if len(free) < need:
            without_conflict = len(state.eligible[slot.submission_id])
            short[slot.submission_id] = _shortfall_reason(without_conflict, len(assessors))
        needs[slot.submission_id] = min(need, len(free))

    # The most constrained CCG first: fewest spare eligible assessors, then a seeded draw.
    tiebreak = {slot.submission_id: rng.random() for slot in slots}
    order = sorted(
        (slot.submission_id for slot in slots if needs[slot.submission_id]),
        key=lambda sid: (
            len(state.eligible[sid] - state.members[sid]) - needs[sid],
            tiebreak[sid],
        ),
    )
    for submission_id in order:
        for _ in range(needs[submission_id]):
            members = state.members[submission_id]
            candidates = sorted(state.eligible[submission_id] - members)
            draws = {a: rng.random() for a in candidates}
            best = min(
                candidates,
                key=lambda a: (state.load[a], state.partner_count(a, members), draws[a]),
            )
            state.add(submission_id, best)

    _rebalance(state)

    assignments = [
        (submission_id, assessor_id)
        for submission_id in sorted(state.new)
        for assessor_id in sorted(state.new[submission_id])
    ]
    return Allocation(assignments=assignments, short=short, loads=dict(state.load))


def _rebalance(state: _State) -> None:
    """Move new assignments from heavier to lighter assessors while a chain of moves exists.

    Each step finds a path A -> ... -> B with load(A) >= load(B) + 2, where each arrow moves
    one of the first assessor's new assignments to the next (eligible, not already on that
    CCG). Applying it lowers the sum of squared loads, so the loop ends; when no path is
    left, no allocation has a smaller spread of loads.
    """
    while True:
        path = _improving_path(state)
        if path is None:
            return
        for submission_id, from_id, to_id in path:
            state.move(submission_id, from_id, to_id)


def _improving_path(state: _State):
    heaviest_first = sorted(state.load, key=lambda a: (-state.load[a], a))
    lightest = min(state.load.values(), default=0)
    for start in heaviest_first:
        if state.load[start] < lightest + 2:
            return None
        path = _path_from(state, start)
        if path is not None:
            return path
    return None


def _path_from(state: _State, start):
    """Breadth-first search for a chain of moves from ``start`` to a much lighter assessor."""
    parent: dict = {start: None}
    queue = deque([start])
    slots_of: dict[int, list[int]] = defaultdict(list)
    for submission_id, new in state.new.items():
        for assessor_id in new:
            slots_of[assessor_id].append(submission_id)
    while queue:
        current = queue.popleft()
        for submission_id in sorted(slots_of[current]):
            members = state.members[submission_id]
            options = sorted(
                state.eligible[submission_id] - members - parent.keys(),
                key=lambda a: (state.load[a], state.partner_count(a, members - {current}), a),
            )
            for target in options:
                parent[target] = (current, submission_id)
                if state.load[target] <= state.load[start] - 2:
                    return _unwind(parent, target)
                queue.append(target)
    return None


def _unwind(parent, target):
    steps = []
    node = target
    while parent[node] is not None:
        previous, submission_id = parent[node]
        steps.append((submission_id, previous, node))
        node = previous
    # Apply from the lightest end first, so that each move's source still holds its seat.
    return steps
