"""Mathet, Widlöcher & Métivier's (2015) gamma: agreement on spans that unitizes and categorizes at once.

Definition: Mathet, Y., Widlöcher, A. & Métivier, J.-P. (2015). The Unified and Holistic Method
Gamma (γ) for Inter-Annotator Agreement Measure and Alignment. Computational Linguistics
41(3), 437–479; computed as pygamma-agreement does (Titeux & Riad 2021), whose published
examples the tests reproduce.

- Dissimilarity of two units u, v (start, end, category), Δ∅ the cost of an empty unit:
  d(u, v) = a · d_pos + b · d_cat, d_pos = ((|s_u − s_v| + |e_u − e_v|) / (len_u + len_v))² · Δ∅,
  d_cat = dist(cat_u, cat_v) · Δ∅ (dist 0 for the same category, 1 otherwise by default).
- A unitary alignment holds at most one unit per annotator (the others empty); its disorder
  is the mean of d over its C(n, 2) pairs of places, a pair with an empty place costing Δ∅.
- An alignment partitions every unit into unitary alignments; its disorder is the sum of
  theirs divided by the mean number of units per annotator.  The best alignment has the
  least disorder: found exactly, per group of units that could share a unitary alignment
  (two units farther apart than Δ∅ · (C(n, 2) + n − 1) never do: one of them alone costs
  less), by a minimum-cost assignment for two annotators and a search over groups for more.
- Expected disorder: the mean best-alignment disorder of random continua made as in the
  paper's section 5.2 (pygamma's ShuffleContinuumSampler): each annotator's place is taken
  by a randomly chosen annotator's units shifted, cyclically over the continuum, by a random
  whole-number pivot (pivots at least half a mean unit length apart); seed and number of
  samples are fixed and reported.
- gamma = 1 − observed disorder / expected disorder (1 when the observed disorder is 0).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from annotator.stats.result import NO_SPANS, SINGLE_CODER, Figure, defined, undefined

MEASURE = "gamma"
DEFAULT_SAMPLES = 30
DEFAULT_SEED = 4772
MAX_STATES = 200_000  # search states per group of units (three or more annotators)
SMALL_GROUP = 12  # two annotators: groups up to this size are searched, larger ones assigned
NO_EXPECTED_DISORDER = (
    "the random continua have no disorder either (observed and expected disorder are both 0): "
    "gamma = 1 − 0/0 is undefined"
)
TOO_COMPLEX = "a group of {n} overlapping units is too large to align exactly"
RULE = (
    "gamma (Mathet, Widlöcher & Métivier 2015): 1 − observed / expected disorder; dissimilarity "
    "{alpha} × positional + {beta} × categorical, empty unit {delta}; best alignment found exactly; "
    "expected disorder: mean of {samples} random continua (shuffled as in the paper's section 5.2), "
    "seed {seed}"
)


class AlignmentTooComplex(ValueError):
    """A group of mutually close units is too large for the exact search."""


@dataclass(frozen=True)
class Dissimilarity:
    """The combined dissimilarity d = alpha · d_pos + beta · d_cat (Mathet et al. 2015, pygamma)."""

    alpha: float = 1.0
    beta: float = 1.0
    delta_empty: float = 1.0
    category_distance: np.ndarray | None = None  # K x K, symmetric, 0 on the diagonal

    def between(self, s1: np.ndarray, e1: np.ndarray, c1: np.ndarray,
                s2: np.ndarray, e2: np.ndarray, c2: np.ndarray) -> np.ndarray:
        """d(u, v) for broadcastable arrays of starts, ends and category codes."""
        position = ((np.abs(s1 - s2) + np.abs(e1 - e2)) / ((e1 - s1) + (e2 - s2))) ** 2
        if self.category_distance is None:
            category = (c1 != c2).astype(float)
        else:
            category = self.category_distance[c1, c2]
        return (self.alpha * position + self.beta * category) * self.delta_empty


@dataclass(frozen=True)
class Continuum:
    """Units of n annotators on one axis: coder index, start, end (end > start), category code."""

    coder: np.ndarray
    start: np.ndarray
    end: np.ndarray
    category: np.ndarray
    n_coders: int
    bounds: tuple[float, float]

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(len(self.start))


@dataclass(frozen=True)
class Alignment:
    """The best alignment's disorder and its unitary alignments (lists of unit indices)."""

    disorder: float
    groups: list[tuple[int, ...]]


def gamma_agreement(
    units: Iterable[tuple[Hashable, float, float, Hashable]],
    coders: Sequence[Hashable] | None = None,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    delta_empty: float = 1.0,
    category_distance: dict[tuple[Hashable, Hashable], float] | None = None,
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    length: float | None = None,
) -> Figure:
    """Gamma of (annotator, start, end, category) units; `coders` lists annotators without units too.

    `category_distance` maps (category, category) to a distance in [0, 1] (default: 0 for the
    same category, 1 otherwise); `length` closes the continuum (default: the last end).
    """
    rows = [(coder, float(start), float(end), category) for coder, start, end, category in units]
    names = list(dict.fromkeys([*(coders or ()), *(row[0] for row in rows)]))
    categories = list(dict.fromkeys(row[3] for row in rows))
    index = {name: i for i, name in enumerate(names)}
    code = {category: k for k, category in enumerate(categories)}
    distance = None
    if category_distance is not None:
        distance = np.zeros((len(categories), len(categories)))
        for (a, b), value in category_distance.items():
            if a in code and b in code:
                distance[code[a], code[b]] = distance[code[b], code[a]] = float(value)
    for coder, start, end, _ in rows:
        if not end > start:
            raise ValueError(f"a unit of {coder} is empty or reversed: [{start}, {end})")
    continuum = Continuum(
        coder=np.asarray([index[r[0]] for r in rows], dtype=np.int64),
        start=np.asarray([r[1] for r in rows], dtype=float),
        end=np.asarray([r[2] for r in rows], dtype=float),
        category=np.asarray([code[r[3]] for r in rows], dtype=np.int64),
        n_coders=len(names),
        bounds=(min(0.0, min((r[1] for r in rows), default=0.0)),
                float(length) if length is not None else max((r[2] for r in rows), default=0.0)),
    )
    return gamma_of(continuum, Dissimilarity(alpha, beta, delta_empty, distance), n_samples, seed)


def gamma_of(continuum: Continuum, dissimilarity: Dissimilarity, n_samples: int = DEFAULT_SAMPLES,
             seed: int = DEFAULT_SEED) -> Figure:
    """Gamma of a continuum: best alignment, expected disorder from `n_samples` shuffled continua."""
    if n_samples < 1:
        raise ValueError("gamma needs at least one random continuum for its expected disorder")
    settings: dict[str, Any] = {
        "rule": RULE.format(alpha=dissimilarity.alpha, beta=dissimilarity.beta,
                            delta=dissimilarity.delta_empty, samples=n_samples, seed=seed),
        "alpha_positional": dissimilarity.alpha, "beta_categorical": dissimilarity.beta,
        "delta_empty": dissimilarity.delta_empty, "n_samples": n_samples, "seed": seed,
        "sampler": "shuffle (Mathet et al. 2015, section 5.2)",
    }
    n = continuum.n_units
    if continuum.n_coders < 2:
        return undefined(MEASURE, SINGLE_CODER, n, continuum.n_coders, **settings)
    if n == 0:
        return undefined(MEASURE, NO_SPANS, 0, continuum.n_coders, **settings)
    try:
        best = best_alignment(continuum, dissimilarity)
        rng = np.random.default_rng(seed)
        chance = [best_alignment(shuffled(continuum, rng), dissimilarity).disorder for _ in range(n_samples)]
    except AlignmentTooComplex as error:
        return undefined(MEASURE, str(error), n, continuum.n_coders, **settings)
    expected = float(np.mean(chance))
    spread = float(np.std(chance))
    details = {
        **settings,
        "observed_disorder": best.disorder,
        "expected_disorder": expected,
        "expected_disorder_sd": spread,
        # Mathet et al. 2015, section 5.3: relative error of the expected disorder at 95 %.
        "expected_disorder_relative_error": (1.96 * spread / expected / np.sqrt(n_samples)) if expected else None,
        "unitary_alignments": len(best.groups),
    }
    if best.disorder == 0:
        return defined(MEASURE, 1.0, n, continuum.n_coders, **details)
    if expected == 0:
        return undefined(MEASURE, NO_EXPECTED_DISORDER, n, continuum.n_coders, **details)
    return defined(MEASURE, 1.0 - best.disorder / expected, n, continuum.n_coders, **details)


def best_alignment(continuum: Continuum, dissimilarity: Dissimilarity) -> Alignment:
    """The alignment of least disorder (exact), with its disorder as Mathet et al. define it."""
    n_coders, n_units = continuum.n_coders, continuum.n_units
    if n_units == 0:
        return Alignment(0.0, [])
    pairs = n_coders * (n_coders - 1) // 2
    delta = dissimilarity.delta_empty
    limit = delta * (pairs + n_coders - 1)
    edges = _close_pairs(continuum, dissimilarity, limit if n_coders > 2 else 2 * delta)
    groups: list[tuple[int, ...]] = []
    total = 0.0
    for component in _components(n_units, edges):
        if len(component) == 1:
            groups.append((component[0],))
            total += pairs * delta
            continue
        if n_coders == 2 and len(component) > SMALL_GROUP:
            found, cost = _assign_two(component, continuum, dissimilarity)
        else:
            found, cost = _search_groups(component, continuum, dissimilarity, edges, pairs)
        groups += found
        total += cost
    mean_units = n_units / n_coders
    return Alignment(total / pairs / mean_units, groups)


def _close_pairs(continuum: Continuum, dissimilarity: Dissimilarity, limit: float) -> dict[tuple[int, int], float]:
    """d(u, v) of every pair of units of different annotators with d below `limit`."""
    found: dict[tuple[int, int], float] = {}
    by_coder = [np.flatnonzero(continuum.coder == i) for i in range(continuum.n_coders)]
    s, e, c = continuum.start, continuum.end, continuum.category
    for i, j in combinations(range(continuum.n_coders), 2):
        left, right = by_coder[i], by_coder[j]
        for block in range(0, len(left), 1024):
            rows = left[block:block + 1024]
            d = dissimilarity.between(s[rows, None], e[rows, None], c[rows, None], s[None, right], e[None, right],
                                      c[None, right])
            r, k = np.nonzero(d < limit)
            for a, b, value in zip(rows[r].tolist(), right[k].tolist(), d[r, k].tolist()):
                found[(min(a, b), max(a, b))] = value
    return found


def _components(n_units: int, edges: dict[tuple[int, int], float]) -> list[list[int]]:
    """Connected components of the units under `edges` (union-find)."""
    parent = list(range(n_units))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    members: dict[int, list[int]] = {}
    for unit in range(n_units):
        members.setdefault(root(unit), []).append(unit)
    return list(members.values())


def _assign_two(component: list[int], continuum: Continuum, dissimilarity: Dissimilarity
                ) -> tuple[list[tuple[int, ...]], float]:
    """Two annotators: pair units at cost d or leave them alone at Δ∅ each (least total, exactly)."""
    first = [u for u in component if continuum.coder[u] == 0]
    second = [u for u in component if continuum.coder[u] != 0]
    a, b, delta = len(first), len(second), dissimilarity.delta_empty
    s, e, c = continuum.start, continuum.end, continuum.category
    big = 1e9
    cost = np.full((a + b, b + a), big)
    if a and b:
        fa, sb = np.asarray(first), np.asarray(second)
        cost[:a, :b] = dissimilarity.between(s[fa, None], e[fa, None], c[fa, None], s[None, sb], e[None, sb],
                                             c[None, sb])
    cost[np.arange(a), b + np.arange(a)] = delta  # first annotator's unit alone
    cost[a + np.arange(b), np.arange(b)] = delta  # second annotator's unit alone
    cost[a:, b:] = 0.0
    column_of_row = minimum_cost_assignment(cost)
    groups: list[tuple[int, ...]] = []
    total = 0.0
    for row, column in enumerate(column_of_row.tolist()):
        if row < a and column < b:
            groups.append((first[row], second[column]))
            total += cost[row, column]
        elif row < a:
            groups.append((first[row],))
            total += delta
        elif column < b:
            groups.append((second[column],))
            total += delta
    return groups, total


def minimum_cost_assignment(cost: np.ndarray) -> np.ndarray:
    """Column assigned to each row of a square cost matrix, least total (Hungarian method with
    potentials, Kuhn 1955 / Jonker & Volgenant's shortest augmenting paths), O(n³)."""
    n = cost.shape[0]
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    match = np.zeros(n + 1, dtype=np.int64)  # match[j]: row (1-based) holding column j; column 0 is a sentinel
    padded = np.zeros((n + 1, n + 1))
    padded[1:, 1:] = cost
    for i in range(1, n + 1):
        match[0] = i
        j0 = 0
        minv = np.full(n + 1, np.inf)
        way = np.zeros(n + 1, dtype=np.int64)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = match[j0]
            current = padded[i0] - u[i0] - v
            better = ~used & (current < minv)
            minv[better] = current[better]
            way[better] = j0
            free = np.where(used, np.inf, minv)
            j1 = int(np.argmin(free[1:])) + 1
            step = free[j1]
            u[match[used]] += step
            v[used] -= step
            minv[~used] -= step
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    column_of_row = np.zeros(n, dtype=np.int64)
    column_of_row[match[1:] - 1] = np.arange(n)
    return column_of_row


def _search_groups(component: list[int], continuum: Continuum, dissimilarity: Dissimilarity,
                   edges: dict[tuple[int, int], float], pairs: int) -> tuple[list[tuple[int, ...]], float]:
    """The least-cost partition of a group of close units into unitary alignments (one unit per annotator
    at most, every two members close), by a memoised search over the units still unplaced."""
    delta = dissimilarity.delta_empty
    order = sorted(component, key=lambda u: (continuum.start[u], continuum.end[u], u))
    position = {u: k for k, u in enumerate(order)}
    coder = [int(continuum.coder[u]) for u in order]
    near: list[list[int]] = [[] for _ in order]
    weight: dict[tuple[int, int], float] = {}
    for (a, b), d in edges.items():
        if a in position and b in position:
            pa, pb = position[a], position[b]
            near[pa].append(pb)
            near[pb].append(pa)
            weight[(pa, pb)] = weight[(pb, pa)] = d - delta
    memo: dict[int, tuple[float, tuple[int, ...] | None]] = {}
    full = (1 << len(order)) - 1

    def groups_of(first: int, free: int) -> list[tuple[float, tuple[int, ...]]]:
        """Every group holding `first` and free close units; cost C·Δ + Σ (d − Δ) over its pairs."""
        found: list[tuple[float, tuple[int, ...]]] = []
        options = sorted(k for k in near[first] if free >> k & 1)

        def extend(members: tuple[int, ...], used: set[int], cost: float, start: int) -> None:
            found.append((cost, members))
            for index in range(start, len(options)):
                k = options[index]
                if coder[k] in used or any((k, m) not in weight for m in members):
                    continue
                extend((*members, k), used | {coder[k]}, cost + sum(weight[(k, m)] for m in members), index + 1)

        extend((first,), {coder[first]}, pairs * delta, 0)
        return found

    def best(placed: int) -> float:
        if placed == full:
            return 0.0
        if placed in memo:
            return memo[placed][0]
        if len(memo) > MAX_STATES:
            raise AlignmentTooComplex(TOO_COMPLEX.format(n=len(order)))
        first = next(k for k in range(len(order)) if not placed >> k & 1)
        free = full & ~placed & ~(1 << first)
        choice: tuple[float, tuple[int, ...] | None] = (np.inf, None)
        for cost, members in groups_of(first, free):
            mask = placed
            for k in members:
                mask |= 1 << k
            total = cost + best(mask)
            if total < choice[0]:
                choice = (total, members)
        memo[placed] = choice
        return choice[0]

    total = best(0)
    groups: list[tuple[int, ...]] = []
    placed = 0
    while placed != full:
        members = memo[placed][1]
        assert members is not None
        groups.append(tuple(order[k] for k in members))
        for k in members:
            placed |= 1 << k
    return groups, total


def shuffled(continuum: Continuum, rng: np.random.Generator) -> Continuum:
    """A random continuum as in Mathet et al. (2015), section 5.2 (pygamma's ShuffleContinuumSampler)."""
    low, high = continuum.bounds
    span = high - low
    min_distance = float(np.mean(continuum.end - continuum.start)) / 2.0
    by_coder = [np.flatnonzero(continuum.coder == i) for i in range(continuum.n_coders)]
    while True:
        available = [(low, high)]
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for slot in range(continuum.n_coders):
            if available:
                pivot = _random_point(available, rng)
                available = _without(available, pivot, min_distance)
            else:
                pivot = float(rng.uniform(low, high))
            chosen = by_coder[int(rng.integers(continuum.n_coders))]
            start, end = continuum.start[chosen] + pivot, continuum.end[chosen] + pivot
            wrap = start > high
            start = np.where(wrap, start - span, start)
            end = np.where(wrap, end - span, end)
            parts.append((np.full(len(chosen), slot, dtype=np.int64), start, end, continuum.category[chosen]))
        if sum(len(p[1]) for p in parts):
            break
    return Continuum(*(np.concatenate([p[k] for p in parts]) for k in range(4)),  # type: ignore[arg-type]
                     n_coders=continuum.n_coders, bounds=continuum.bounds)


def _random_point(segments: list[tuple[float, float]], rng: np.random.Generator) -> float:
    """A whole-number point drawn uniformly from the segments (one chosen by its length)."""
    lengths = np.asarray([b - a for a, b in segments])
    if lengths.sum() <= 0:
        return 1.0
    a, b = segments[int(rng.choice(len(segments), p=lengths / lengths.sum()))]
    return float(int(rng.uniform(a, b)))


def _without(segments: list[tuple[float, float]], pivot: float, distance: float) -> list[tuple[float, float]]:
    """The segments less [pivot − distance, pivot + distance]."""
    kept = []
    for a, b in segments:
        if a < pivot - distance:
            kept.append((a, min(b, pivot - distance)))
        if b > pivot + distance:
            kept.append((max(a, pivot + distance), b))
    return [(a, b) for a, b in kept if b > a]
