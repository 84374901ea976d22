"""The distribution list of a receiving point: what arrives, shared over the areas it serves.

Vulnerable residents first: the priority needs are met first, in proportion to them; what is
left goes in proportion to what each area still needs. Nobody gets more than it needs, the
shares add up to what arrived (or to the needs, when more arrived), whole units by the
largest remainder (ties to the earlier area). Pure.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    units: int  # of the item for the area
    priority: int  # of those, units meeting its priority need


def share(total: int, need: Sequence[int], priority: Sequence[int]) -> list[Share]:
    """Split `total` units over areas with these needs and priority needs (at most the need)."""
    if len(need) != len(priority):
        raise ValueError("need and priority differ in length")
    need = [max(int(n), 0) for n in need]
    prio = [min(max(int(p), 0), n) for p, n in zip(priority, need, strict=True)]
    left = max(int(total), 0)
    first = _proportional(min(left, sum(prio)), prio)
    left -= sum(first)
    rest_need = [n - f for n, f in zip(need, first, strict=True)]
    second = _proportional(min(left, sum(rest_need)), rest_need)
    return [Share(f + s, f) for f, s in zip(first, second, strict=True)]


def _proportional(total: int, weights: list[int]) -> list[int]:
    """`total` (at most sum(weights)) in proportion to weights, capped by them, whole units."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    out = [min(int(x), w) for x, w in zip(exact, weights, strict=True)]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - out[i]), i))
    short = total - sum(out)
    while short > 0:  # a capped area can take no more: the next in line takes it
        for i in order:
            if short and out[i] < weights[i]:
                out[i] += 1
                short -= 1
    return out
