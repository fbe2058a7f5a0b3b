"""Small-cell suppression: the one function that decides which counts are published.

A figure is a *cube*: counts per combination of its dimensions (e.g. phase × risk group
× lead organisation). Every filter combination the dashboard offers shows a slice of
the cube's marginals (a dimension set to one value or to "all"). A figures-only viewer
could subtract one published slice from another; so a marginal is published only if
(1) it is 0 or at least the threshold, (2) along every dimension, the published parent
minus its published children is 0 or at least the threshold (secondary suppression),
and (3) every published parent minus a published descendant is 0 or at least the
threshold. Values that cannot be chosen as a filter (a case without a risk group)
count in "all" but are never published on their own.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence

ALL = "__all__"

Key = tuple[Hashable, ...]


def marginals(cube: Mapping[Key, int], dims: int) -> dict[Key, int]:
    """Every marginal of ``cube``: each atom adds to each distinct key it belongs to.

    Rolled up one dimension at a time (each generalisation is reached once), not by
    listing the 2^dims generalisations of every atom: at city scale this was most of a
    figures-only dashboard's time after a change. A dimension an atom already has as
    "all" (a one-column figure) is not rolled up again.
    """
    totals: dict[Key, int] = defaultdict(int, cube)
    for dim in range(dims):
        rolled: dict[Key, int] = defaultdict(int)
        for key, count in totals.items():
            if key[dim] != ALL:
                rolled[key[:dim] + (ALL,) + key[dim + 1:]] += count
        for key, count in rolled.items():
            totals[key] += count
    return totals


def _order(key: Key) -> tuple[str, ...]:
    return tuple(repr(v) for v in key)


def _with(key: Key, dim: int, value: Hashable) -> Key:
    return key[:dim] + (value,) + key[dim + 1:]


class _Protection:
    def __init__(self, totals: Mapping[Key, int], domains: Sequence[Sequence[Hashable]],
                 offered: Sequence[frozenset], minimum: int) -> None:
        self.totals, self.domains, self.minimum = totals, domains, minimum
        # Only non-zero marginals can be small or give one away: a zero is published as
        # such, and a difference with a zero is the other count itself.
        self.keys = sorted(totals, key=_order)
        self.hidden = {k for k in self.keys
                       if any(v != ALL and v not in offered[i] for i, v in enumerate(k))}
        self.hidden |= {k for k in self.keys if 0 < self.value(k) < minimum}

    def value(self, key: Key) -> int:
        return self.totals.get(key, 0)

    def small(self, n: int) -> bool:
        return 0 < n < self.minimum

    def hide_smallest(self, keys: Sequence[Key]) -> bool:
        shown = sorted((self.value(k), _order(k), k) for k in keys
                       if k not in self.hidden and self.value(k) > 0)
        if not shown:
            return False
        self.hidden.add(shown[0][2])
        return True

    def sibling_pass(self) -> bool:
        changed = False
        for dim, domain in enumerate(self.domains):
            for parent in self.keys:
                if parent[dim] != ALL or parent in self.hidden:
                    continue
                children = [_with(parent, dim, v) for v in domain]
                gap = sum(self.value(k) for k in children if k in self.hidden)
                if self.small(gap):
                    changed |= self.hide_smallest(children)
        return changed

    def ancestor_pass(self) -> bool:
        changed = False
        for key in self.keys:
            if key in self.hidden:
                continue
            fixed = [i for i, v in enumerate(key) if v != ALL]
            for r in range(1, len(fixed) + 1):
                for dims in itertools.combinations(fixed, r):
                    up = tuple(ALL if i in dims else v for i, v in enumerate(key))
                    if up not in self.hidden and self.small(self.value(up) - self.value(key)):
                        self.hidden.add(key)
                        changed = True
                        break
                if key in self.hidden:
                    break
        return changed


def suppressed_keys(cube: Mapping[Key, int], domains: Sequence[Sequence[Hashable]],
                    offered: Sequence[frozenset], minimum: int) -> set[Key]:
    """The marginal keys of ``cube`` that must not be published (shown as "< minimum").

    ``domains`` lists every value of each dimension (also those not offered as a
    filter); ``offered`` the values a viewer can pick or see as a row.
    """
    protection = _Protection(marginals(cube, len(domains)), domains, offered, minimum)
    # Each pass only adds keys, so this ends; two or three passes settle real data.
    while protection.sibling_pass() | protection.ancestor_pass():
        pass
    return protection.hidden
