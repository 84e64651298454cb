"""Time-slot assignment (spec §9, decision 14), as a pure function of ids.

The spec's algorithm, with an optional capacity per slot:

1. members who accept a single slot are placed there first (in request order);
2. then, repeatedly, the *emptiest* slot still having candidates is filled with its *least
   flexible* candidate (the one accepting the fewest slots). Ties: the slot whose candidates are
   the least flexible overall (lowest weight = sum of their numbers of candidate slots), then the
   earliest slot; among candidates, the earliest request;
3. members who ordered without choosing (``others``) may then go anywhere: they fill the
   emptiest slots the same way.

Capacities are the one addition. A full slot takes no more candidates, and a greedy pass can
then strand a member whose every slot filled up although a different arrangement would fit
everyone. So before the second pass, each stranded member gets an augmenting-path search (as in
bipartite matching): people already placed move to another of *their* acceptable slots to make
room. That changes nothing when the greedy pass placed everyone, and otherwise places as many
members as the capacities allow. Fixed assignments (set by an admin) never move.

Everything is ordered (slots chronologically, members by request), so the result is
deterministic.
"""

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Slot:
    id: int
    capacity: int | None = None  # None: no limit


@dataclass
class Assignment:
    placed: dict[int, int] = field(default_factory=dict)  # user id -> slot id
    unplaced: list[int] = field(default_factory=list)  # asked (or ordered) but got no slot

    def members_of(self, slot_id: int) -> list[int]:
        return [user for user, slot in self.placed.items() if slot == slot_id]


class _Solver:
    def __init__(self, slots: Sequence[Slot], fixed: Mapping[int, int]) -> None:
        self.order = {slot.id: i for i, slot in enumerate(slots)}
        self.capacity = {slot.id: slot.capacity for slot in slots}
        self.selected: dict[int, list[int]] = {slot.id: [] for slot in slots}
        self.placed: dict[int, int] = {}
        self.fixed = set()
        for user, slot_id in fixed.items():
            if slot_id in self.selected:
                self.selected[slot_id].append(user)
                self.placed[user] = slot_id
                self.fixed.add(user)
        self.priority: dict[int, int] = {}
        self.acceptable: dict[int, list[int]] = {}
        # Candidates per slot (insertion-ordered by priority) and the reverse index.
        self.candidates: dict[int, dict[int, None]] = {slot.id: {} for slot in slots}
        self.candidate_slots: dict[int, set[int]] = {}
        self.weight: dict[int, int] = {slot.id: 0 for slot in slots}

    def has_room(self, slot_id: int) -> bool:
        cap = self.capacity[slot_id]
        return cap is None or len(self.selected[slot_id]) < cap

    def add_candidate(self, user: int, slot_id: int) -> None:
        if user in self.candidates[slot_id]:
            return
        mine = self.candidate_slots.setdefault(user, set())
        # The user gains one candidate slot: every slot already listing them weighs one more.
        for other in mine:
            self.weight[other] += 1
        mine.add(slot_id)
        self.candidates[slot_id][user] = None
        self.weight[slot_id] += len(mine)

    def remove_candidate(self, user: int, slot_id: int) -> None:
        mine = self.candidate_slots[user]
        del self.candidates[slot_id][user]
        self.weight[slot_id] -= len(mine)
        mine.discard(slot_id)
        for other in mine:
            self.weight[other] -= 1

    def select(self, user: int, slot_id: int) -> None:
        self.selected[slot_id].append(user)
        self.placed[user] = slot_id
        for other in list(self.candidate_slots.get(user, ())):
            self.remove_candidate(user, other)
        if not self.has_room(slot_id):
            for waiting in list(self.candidates[slot_id]):
                self.remove_candidate(waiting, slot_id)

    def resolve(self) -> None:
        while True:
            open_slots = [s for s, cands in self.candidates.items() if cands and self.has_room(s)]
            if not open_slots:
                return
            slot_id = min(
                open_slots, key=lambda s: (len(self.selected[s]), self.weight[s], self.order[s])
            )
            user = min(
                self.candidates[slot_id],
                key=lambda u: (len(self.candidate_slots[u]), self.priority[u]),
            )
            self.select(user, slot_id)

    def augment(self, user: int) -> bool:
        """Place ``user`` by moving placed members along a chain of their acceptable slots."""
        start = [s for s in self.acceptable[user] if s in self.selected]
        parent: dict[int, tuple[int | None, int | None]] = {}  # slot -> (previous slot, mover)
        queue: deque[int] = deque()
        for s in start:
            parent[s] = (None, None)
            queue.append(s)
        while queue:
            slot_id = queue.popleft()
            if self.has_room(slot_id):
                # Walk back: each mover leaves the previous slot for this one.
                target = slot_id
                while True:
                    previous, mover = parent[target]
                    if mover is None:
                        self.selected[target].append(user)
                        self.placed[user] = target
                        return True
                    self.selected[previous].remove(mover)
                    self.selected[target].append(mover)
                    self.placed[mover] = target
                    target = previous
            for member in self.selected[slot_id]:
                if member in self.fixed:
                    continue
                for nxt in self.acceptable.get(member, ()):
                    if nxt not in parent:
                        parent[nxt] = (slot_id, member)
                        queue.append(nxt)
        return False


def assign(
    slots: Sequence[Slot],
    requests: Sequence[tuple[int, Sequence[int]]],
    *,
    others: Sequence[int] = (),
    fixed: Mapping[int, int] | None = None,
) -> Assignment:
    """Give each member one slot.

    ``slots``: in chronological order. ``requests``: ``(user id, acceptable slot ids)`` in request
    order (earliest first). ``others``: members who ordered without choosing, placed anywhere
    after the requests. ``fixed``: ``{user id: slot id}`` kept as is (admin overrides; they count
    against capacities).
    """
    solver = _Solver(slots, fixed or {})
    known = set(solver.order)
    registered: list[int] = []
    for user, wanted in requests:
        if user in solver.placed or user in solver.priority:
            continue
        acceptable = sorted({s for s in wanted if s in known}, key=solver.order.__getitem__)
        solver.priority[user] = len(solver.priority)
        solver.acceptable[user] = acceptable
        registered.append(user)

    # 1. Mono-slot pass.
    for user in registered:
        if len(solver.acceptable[user]) == 1:
            slot_id = solver.acceptable[user][0]
            if solver.has_room(slot_id):
                solver.select(user, slot_id)
    # 2. Balancing among the rest.
    for user in registered:
        if user not in solver.placed:
            for slot_id in solver.acceptable[user]:
                if solver.has_room(slot_id):
                    solver.add_candidate(user, slot_id)
    solver.resolve()
    for user in registered:
        if user not in solver.placed:
            solver.augment(user)

    # 3. Second pass: members who ordered without choosing may take any slot left.
    all_slots = [slot.id for slot in slots]
    second = []
    for user in others:
        if user in solver.placed or user in solver.priority:
            continue
        solver.priority[user] = len(solver.priority)
        solver.acceptable[user] = all_slots
        second.append(user)
    for user in second:
        for slot_id in all_slots:
            if solver.has_room(slot_id):
                solver.add_candidate(user, slot_id)
    solver.resolve()

    unplaced = [user for user in (*registered, *second) if user not in solver.placed]
    return Assignment(placed=dict(solver.placed), unplaced=unplaced)
