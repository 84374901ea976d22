"""Objective 4 of the shelter plan: fewest (area, shelter) pairs among the plans optimal for 1-3.

The min-cost flow's node potentials (shortest paths in its residual graph) describe every
optimal flow at once (complementary slackness): an arc of positive reduced cost carries
nothing, one of negative reduced cost is full, and only zero reduced-cost ("tight") arcs may
vary, within the node balances. So the CP-SAT model has variables for the tight placement arcs
only, no objective bounds to carry, and splits into the connected parts of the tight pairs.
Each part gets a model hinted with the flow plan within the time left; parts larger than the
limit keep the flow plan, which is optimal for 1-3 but perhaps not the least split.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model


@dataclass(frozen=True)
class FlowNet:
    """A solved flow. Nodes: access node per area, other node per area, shelters, sink.
    Arcs: access placement per pair, other placement per pair, shelter->sink per shelter,
    unplaced arc per area node (access nodes, then other nodes)."""

    tail: np.ndarray
    head: np.ndarray
    capacity: np.ndarray
    cost: np.ndarray
    flow: np.ndarray
    n_areas: int
    n_shelters: int
    pair_area: np.ndarray
    pair_shelter: np.ndarray
    pair_accessible: np.ndarray
    pair_metres: np.ndarray

    @property
    def n_pairs(self) -> int:
        return len(self.pair_area)


@dataclass(frozen=True)
class Consolidation:
    access: np.ndarray  # per pair: wheelchair users placed
    other: np.ndarray  # per pair: other people placed
    status: str  # "proven", "unproven", "skipped" or "greedy"
    note: str


def connected_parts(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Component label of each node of the graph with edges u-v (hooking + pointer jumping)."""
    parent = np.arange(n)
    while True:
        before = parent.copy()
        pu, pv = parent[u], parent[v]
        np.minimum.at(parent, np.maximum(pu, pv), np.minimum(pu, pv))
        while not np.array_equal(nxt := parent[parent], parent):
            parent = nxt
        if np.array_equal(parent, before):
            return parent


def potentials(net: FlowNet, deadline: float) -> np.ndarray | None:
    """Shortest-path distances in the residual graph (Bellman-Ford, vectorised); None if the
    time runs out first. An optimal flow leaves no negative cycle, so this converges."""
    fwd, bwd = net.flow < net.capacity, net.flow > 0
    tail = np.concatenate([net.tail[fwd], net.head[bwd]])
    head = np.concatenate([net.head[fwd], net.tail[bwd]])
    cost = np.concatenate([net.cost[fwd], -net.cost[bwd]])
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    heads, starts = np.unique(head, return_index=True)
    dist = np.zeros(2 * net.n_areas + net.n_shelters + 1, dtype=np.int64)
    while len(starts) and time.monotonic() < deadline:
        relaxed = dist.copy()
        relaxed[heads] = np.minimum(dist[heads], np.minimum.reduceat(dist[tail] + cost, starts))
        if np.array_equal(relaxed, dist):
            return dist
        dist = relaxed
    return dist if not len(starts) else None


def consolidate(net: FlowNet, deadline: float, max_pairs: int,
                workers: int = 8) -> Consolidation:
    """Fewest pairs among the flows optimal for 1-3; the flow plan where a part is unsolved."""
    n = net.n_pairs
    flow = net.flow.copy()
    dist = potentials(net, deadline)
    if dist is None:
        return _done(net, flow, "unproven", "time bound reached before consolidation")
    reduced = net.cost + dist[net.tail] - dist[net.head]
    tight = (reduced == 0) & (net.capacity > 0)
    pairs = np.nonzero(tight[:n] | tight[n:2 * n])[0]
    if not len(pairs):
        return _done(net, flow, "proven", "the flow plan is the only one optimal for 1-3")
    na = net.n_areas
    label = connected_parts(net.pair_area[pairs], na + net.pair_shelter[pairs],
                            na + net.n_shelters)
    part = label[net.pair_area[pairs]]
    order = np.argsort(part, kind="stable")
    cuts = np.nonzero(np.diff(part[order]))[0] + 1
    groups = sorted(np.split(pairs[order], cuts), key=len)
    small = [g for g in groups if len(g) <= max_pairs]
    too_big, biggest = len(groups) - len(small), len(groups[-1])
    proven = out_of_time = 0
    for batch in _batches(small, max_pairs):
        mine, left = np.concatenate(batch), deadline - time.monotonic()
        solved = _solve_part(net, tight, mine, left, workers) if left > 0.01 else None
        if solved is not None:
            flow[mine], flow[n + mine], optimal = solved
        done = solved is not None and solved[2]
        proven += len(batch) if done else 0
        out_of_time += 0 if done else len(batch)
    notes = []
    if too_big:
        notes.append(f"{too_big} connected part(s) kept the flow plan (largest {biggest:,} "
                     f"pairs, CP-SAT limit {max_pairs:,})")
    if out_of_time:
        notes.append(f"{out_of_time} part(s) not proven within the time limit")
    status = ("proven" if proven == len(groups) else "skipped" if too_big == len(groups)
              else "unproven")
    return _done(net, flow, status, "; ".join(notes))


def _batches(groups: list[np.ndarray], most: int) -> list[list[np.ndarray]]:
    """Independent parts packed into models of at most `most` pairs (fewer, larger solves)."""
    batches: list[list[np.ndarray]] = []
    size = most + 1
    for group in groups:
        if size + len(group) > most:
            batches.append([])
            size = 0
        batches[-1].append(group)
        size += len(group)
    return batches


def _done(net: FlowNet, flow: np.ndarray, status: str, note: str) -> Consolidation:
    """The consolidated plan, checked to keep objectives 1-3 (else the flow plan)."""
    n = net.n_pairs
    if _objectives(net, flow) != _objectives(net, net.flow):
        flow, status, note = net.flow, "unproven", "consolidation discarded (check failed)"
    used = [int(((f[:n] + f[n:2 * n]) > 0).sum()) for f in (net.flow, flow)]
    note = "; ".join([*filter(None, [note]), f"area-shelter pairs used: {used[0]} by the flow "
                                             f"plan, {used[1]} after consolidation"])
    return Consolidation(flow[:n].copy(), flow[n:2 * n].copy(), status, note)


def _objectives(net: FlowNet, flow: np.ndarray) -> tuple[int, int, int]:
    access, people = flow[:net.n_pairs], flow[:net.n_pairs] + flow[net.n_pairs:2 * net.n_pairs]
    return (int(access[net.pair_accessible].sum()), int(people.sum()),
            int((people * net.pair_metres).sum()))


def _solve_part(net: FlowNet, tight: np.ndarray, pairs: np.ndarray, seconds: float,
                workers: int) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """CP-SAT on one part: fewest used pairs over the flows on its tight arcs."""
    n = net.n_pairs
    model = cp_model.CpModel()
    arcs = {int(a): model.new_int_var(0, int(net.capacity[a]), f"arc_{a}")
            for p in pairs for a in (p, n + p) if tight[a]}
    add_node_balances(model, net, tight, arcs)
    used = add_pair_use(model, net, pairs, arcs)
    model.minimize(sum(used))
    for a, var in arcs.items():
        model.add_hint(var, int(net.flow[a]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    value = {a: solver.value(v) for a, v in arcs.items()}
    return (np.array([value.get(int(p), int(net.flow[p])) for p in pairs], dtype=np.int64),
            np.array([value.get(int(n + p), int(net.flow[n + p])) for p in pairs],
                     dtype=np.int64), status == cp_model.OPTIMAL)


def add_node_balances(model: cp_model.CpModel, net: FlowNet, tight: np.ndarray,
                      arcs: dict[int, cp_model.IntVar]) -> None:
    """Each node keeps its balance; what leaves an area node or enters a shelter may change
    only where its unplaced or shelter->sink arc is tight (else it is fixed as in the flow)."""
    grouped: dict[int, list[int]] = {}
    for a in arcs:
        grouped.setdefault(int(net.tail[a]), []).append(a)
        grouped.setdefault(int(net.head[a]), []).append(a)
    for node, mine in grouped.items():
        now = int(net.flow[mine].sum())
        total = sum(arcs[a] for a in mine)
        spare = _spare_arc(net, node)
        if not tight[spare]:
            model.add(total == now)
        elif node < 2 * net.n_areas:  # unplaced people of this node may be placed, or not
            model.add(total <= now + int(net.flow[spare]))
        else:  # free places of this shelter may be filled
            model.add(total <= now + int(net.capacity[spare] - net.flow[spare]))


def _spare_arc(net: FlowNet, node: int) -> int:
    """The node's arc to the sink: unplaced (area nodes) or free places (shelters)."""
    area_nodes = 2 * net.n_areas
    if node < area_nodes:
        return 2 * net.n_pairs + net.n_shelters + node
    return 2 * net.n_pairs + node - area_nodes


def add_pair_use(model: cp_model.CpModel, net: FlowNet, pairs: np.ndarray,
                 arcs: dict[int, cp_model.IntVar]) -> list[cp_model.IntVar]:
    """A pair counts as used when either of its arcs carries someone."""
    n, used = net.n_pairs, []
    for p in pairs:
        fixed = sum(int(net.flow[a]) for a in (p, n + p) if a not in arcs)
        if fixed:
            continue  # used in every optimal plan: a constant of the objective
        use = model.new_bool_var(f"use_{p}")
        room = int(net.capacity[p] + net.capacity[n + p])
        model.add(sum(arcs[a] for a in (int(p), int(n + p)) if a in arcs) <= room * use)
        used.append(use)
    return used
