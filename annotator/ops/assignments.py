"""Double-coding samples and assignments: who codes which document in a reliability study.

Content analysis codes a sample twice (or k times) to measure reliability, and the rest
once. `draw_assignments` draws that sample, stratified by a metadata key (e.g. 20 % of
each outlet's articles), with a seed that is reported and stored so the draw can be
repeated, and gives each sampled document to k annotators and every other document to
one, keeping the annotators' loads within one document of each other and the pairs of
co-coders as even as the numbers allow. The draw is one undoable operation (one step of
the project's History); its design is stored beside the assignments for the methods
report. Reading: `queue`, `progress`.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import AnnotatorError
from ..project import Project
from ..project.history import ChangeSet, Operation, RowChange, now

__all__ = ["RETEST_SUFFIX", "Draw", "Progress", "assigned_documents", "draw_assignments", "draw_retest", "latest_design",
           "progress", "queue"]

# Document fields a stratum key may name; any other key is looked up in the free metadata.
_FIELDS = ("source", "author", "date", "language", "title", "url", "origin")
NO_VALUE = "(none)"
RETEST_SUFFIX = " (re-test)"  # the annotator a re-test copy is coded under: "ada (re-test)"


@dataclass
class Draw:
    """What `draw_assignments` drew: the sample, each annotator's documents, the design."""

    seed: int
    sample: list[str]
    assignments: dict[str, list[str]]
    design: dict[str, Any]
    replaced: int = 0
    changes: ChangeSet | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: seed, sample (document ids), assignments {annotator: [ids]}, design."""
        return {"seed": self.seed, "sample": list(self.sample),
                "assignments": {name: list(ids) for name, ids in self.assignments.items()},
                "design": self.design, "replaced": self.replaced}

    def summary(self) -> str:
        """A few lines for the terminal."""
        design = self.design
        strata = design["strata"]
        lines = [
            f"sample: {len(self.sample)} of {design['documents']} documents"
            + (f", stratified by {design['by']} ({len(strata)} strata)" if design["by"] else "")
            + f", seed {self.seed}",
            f"coders per sampled document: {design['coders']}; other documents: one coder each",
        ]
        if design["by"]:
            lines += [f"  {name}: {s['sampled']} of {s['documents']}" for name, s in strata.items()]
        lines.append("assigned:")
        for name, ids in self.assignments.items():
            lines.append(f"  {name}: {len(ids)} documents ({design['sampled_per_annotator'][name]} in the sample)")
        if self.replaced:
            lines.append(f"replaced {self.replaced} earlier assignments")
        return "\n".join(lines)


def _stratum(project: Project, by: str) -> dict[str, str]:
    """document id → its value of the stratum key (NO_VALUE when it has none)."""
    if by in _FIELDS:
        rows = project.db.execute(f"SELECT id, {by} FROM documents ORDER BY position").fetchall()
    else:
        rows = project.db.execute(
            "SELECT id, json_extract(meta, '$.' || json_quote(?)) FROM documents ORDER BY position", [by]
        ).fetchall()
    return {ident: (str(value).strip() or NO_VALUE) if value is not None else NO_VALUE for ident, value in rows}


def _sample_size(sample: float, total: int) -> int:
    """How many documents `sample` (a share in (0, 1], or a whole number) asks for."""
    if not math.isfinite(sample) or sample <= 0:
        raise AnnotatorError(f"--sample {sample:g}: give a share above 0 (e.g. 0.2) or a number of documents")
    if sample <= 1:
        wanted = round(sample * total)
        if wanted < 1:
            raise AnnotatorError(f"a sample of {sample:g} of {total} documents is no document; "
                                 "give a larger share or a number")
        return wanted
    if sample != int(sample):
        raise AnnotatorError(f"--sample {sample:g}: a share is at most 1, a number of documents is whole")
    if sample > total:
        raise AnnotatorError(f"a sample of {int(sample)} documents is larger than the corpus ({total} documents)")
    return int(sample)


def _allocate(sizes: dict[str, int], wanted: int) -> dict[str, int]:
    """Split `wanted` over strata in proportion to their sizes (largest remainders)."""
    total = sum(sizes.values())
    exact = {name: wanted * size / total for name, size in sizes.items()}
    shares = {name: math.floor(value) for name, value in exact.items()}
    left = wanted - sum(shares.values())
    for name in sorted(exact, key=lambda n: (shares[n] - exact[n], n))[:left]:
        shares[name] += 1
    return shares


def draw_assignments(
    project: Project, sample: float, annotators: Sequence[str], coders: int = 2, by: str | None = None,
    seed: int | None = None, actor: str = "", replace: bool = False,
) -> Draw:
    """Draw the double-coding sample and assign documents (one undoable operation).

    `sample`: a share of the documents (0 < x ≤ 1) or a number of them (a whole number > 1).
    `by`: a metadata key to stratify by. `coders`: annotators per sampled document; every
    other document goes to one. `seed` None draws one (reported). Annotators named that the
    project lacks are added. Existing assignments are replaced only with `replace`.
    """
    names = list(dict.fromkeys(name.strip() for name in annotators if name.strip()))
    if not names:
        raise AnnotatorError("name the annotators to assign (e.g. --annotators ada,ben,cy)")
    if coders < 1:
        raise AnnotatorError(f"--coders {coders}: each sampled document needs at least one coder")
    if len(names) < coders:
        raise AnnotatorError(f"{coders} coders per sampled document need at least {coders} annotators; "
                             f"{len(names)} named ({', '.join(names)})")
    for name in names:
        found = project.annotators.get(name)
        if found is not None and found.role.value == "curator":
            raise AnnotatorError(f'"{name}" is the curator; assign documents to annotators')
    documents = project.documents.ids()
    if not documents:
        raise AnnotatorError("the project has no documents to assign")
    wanted = _sample_size(sample, len(documents))
    if seed is None:
        seed = random.SystemRandom().randrange(1, 1_000_000)
    existing = project.db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
    if existing and not replace:
        raise AnnotatorError(f"the project already has {existing} assignments; "
                             "draw again with --replace (one undo step takes it back)")
    if existing:
        from .rounds import open_round

        current = open_round(project)
        if current is not None:  # its documents and its report's design are this draw's
            raise AnnotatorError(f'round "{current.name}" is open on the current draw; close it first '
                                 f"(annotator round close {current.name}), then draw again")
    strata_of = _stratum(project, by) if by else {d: "" for d in documents}
    if by and all(value == NO_VALUE for value in strata_of.values()):
        raise AnnotatorError(f'no document has a value for "{by}"; stratify by a key the documents have '
                             f"(e.g. {', '.join(_FIELDS[:3])} or a metadata key)")
    members: dict[str, list[str]] = defaultdict(list)
    for ident in documents:
        members[strata_of[ident]].append(ident)
    quotas = _allocate({name: len(ids) for name, ids in members.items()}, wanted)
    rng = random.Random(seed)
    chosen: set[str] = set()
    for name in sorted(members):
        chosen.update(rng.sample(members[name], quotas[name]))
    sampled = [d for d in documents if d in chosen]
    rest = [d for d in documents if d not in chosen]
    assignments = _assign(sampled, rest, names, coders, rng)
    return _store(project, seed, sampled, assignments, names, coders, by, sample, members, quotas, actor)


def _assign(sampled: list[str], rest: list[str], names: list[str], coders: int,
            rng: random.Random) -> dict[str, list[str]]:
    """k least-loaded annotators per sampled document (pairs kept even), then one each for the rest."""
    order = {name: rank for rank, name in enumerate(rng.sample(names, len(names)))}
    load = dict.fromkeys(names, 0)
    pairs: dict[tuple[str, str], int] = {(a, b): 0 for a in names for b in names}
    result: dict[str, list[str]] = {name: [] for name in names}
    for ident in rng.sample(sampled, len(sampled)):
        picked: list[str] = []
        for _ in range(coders):
            best = min((n for n in names if n not in picked),
                       key=lambda n: (load[n], sum(pairs[n, p] for p in picked), order[n]))
            for other in picked:
                pairs[best, other] += 1
                pairs[other, best] += 1
            picked.append(best)
            load[best] += 1
            result[best].append(ident)
    heap = [(load[n], order[n], n) for n in names]
    heapq.heapify(heap)
    for ident in rng.sample(rest, len(rest)):
        count, rank, best = heap[0]
        result[best].append(ident)
        heapq.heapreplace(heap, (count + 1, rank, best))
    return result


def _store(project: Project, seed: int, sampled: list[str], assignments: dict[str, list[str]], names: list[str],
           coders: int, by: str | None, sample: float, members: dict[str, list[str]], quotas: dict[str, int],
           actor: str) -> Draw:
    """Write the draw and its assignments as one undoable step (old assignments removed)."""
    position = {ident: index for index, ident in enumerate(project.documents.ids())}
    in_sample = set(sampled)
    ordered = {name: sorted(ids, key=position.__getitem__) for name, ids in assignments.items()}
    design = {
        "sample": sample, "sample_size": len(sampled), "documents": len(position), "by": by or "",
        "seed": seed, "coders": coders, "annotators": names,
        "strata": {name: {"documents": len(members[name]), "sampled": quotas[name]} for name in sorted(members)}
        if by else {},
        "sampled_per_annotator": {name: sum(1 for d in ids if d in in_sample) for name, ids in ordered.items()},
        "assigned_per_annotator": {name: len(ids) for name, ids in ordered.items()},
    }
    who = actor or "assign"
    draw_id = str(uuid.uuid4())
    at = now()
    with project.history.transaction():
        ids = {name: project.annotators.ensure(name).id for name in names}
        old = {(d, a): {"document_id": d, "annotator_id": a, "sampled": flag} for d, a, flag in
               project.db.execute("SELECT document_id, annotator_id, sampled FROM assignments")}
        changes: list[RowChange] = [RowChange("assignment_draws", (draw_id,), None, {
            "id": draw_id, "at": at, "actor": who, "design": json.dumps(design, ensure_ascii=False)})]
        new_keys = set()
        for name, documents in ordered.items():
            for ident in documents:
                key = (ident, ids[name])
                new_keys.add(key)
                row = {"document_id": ident, "annotator_id": ids[name], "sampled": int(ident in in_sample)}
                if old.get(key) != row:
                    changes.append(RowChange("assignments", key, old.get(key), row))
        changes += [RowChange("assignments", key, row, None) for key, row in old.items() if key not in new_keys]
        description = f"assign {len(position)} documents to {len(names)} annotators (seed {seed})"
        applied = project.history.apply(Operation(description, who, tuple(changes)))
    return Draw(seed, sampled, ordered, design, replaced=len(old), changes=applied)


def assigned_documents(project: Project, annotator: str) -> list[str]:
    """Ids of the documents assigned to `annotator`, in corpus order ([] if none or unknown)."""
    rows = project.db.execute(
        "SELECT a.document_id FROM assignments a JOIN annotators p ON p.id = a.annotator_id "
        "JOIN documents d ON d.id = a.document_id WHERE p.name = ? ORDER BY d.position", [annotator])
    return [row[0] for row in rows]


def queue(project: Project, annotator: str) -> list[str]:
    """The annotator's queue: documents assigned to them and not marked done, in corpus order."""
    rows = project.db.execute(
        "SELECT a.document_id FROM assignments a JOIN annotators p ON p.id = a.annotator_id "
        "JOIN documents d ON d.id = a.document_id LEFT JOIN document_status s "
        "ON s.document_id = a.document_id AND s.annotator_id = a.annotator_id "
        "WHERE p.name = ? AND COALESCE(s.status, '') != 'done' ORDER BY d.position", [annotator])
    return [row[0] for row in rows]


@dataclass
class Progress:
    """Done / assigned per annotator and the overlap the sample has reached so far."""

    per_annotator: dict[str, tuple[int, int]]  # name -> (done, assigned)
    sampled: int  # documents in the double-coding sample
    coders: int  # coders each sampled document should have
    overlap_done: int  # sampled documents that many coders have marked done
    seed: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"annotators": {n: {"done": d, "assigned": a} for n, (d, a) in self.per_annotator.items()},
                "sampled": self.sampled, "coders": self.coders, "overlap_done": self.overlap_done,
                "seed": self.seed}


def latest_design(project: Project) -> dict[str, Any] | None:
    """The design of the draw the current assignments come from (None if none)."""
    row = project.db.execute(
        "SELECT design FROM assignment_draws WHERE EXISTS (SELECT 1 FROM assignments) "
        "ORDER BY at DESC, rowid DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row else None


def latest_draw_id(project: Project) -> str | None:
    """The id of the draw the current assignments come from (None if none)."""
    row = project.db.execute(
        "SELECT id FROM assignment_draws WHERE EXISTS (SELECT 1 FROM assignments) "
        "ORDER BY at DESC, rowid DESC LIMIT 1").fetchone()
    return row[0] if row else None


def draw_design(project: Project, draw_id: str) -> dict[str, Any] | None:
    """The design of one draw, by id (None if the project has no such draw)."""
    row = project.db.execute("SELECT design FROM assignment_draws WHERE id = ?", [draw_id]).fetchone()
    return json.loads(row[0]) if row else None


def progress(project: Project) -> Progress:
    """How far the assignments are coded: per annotator, and the sample's overlap."""
    rows = project.db.execute(
        "SELECT p.name, COUNT(*), SUM(COALESCE(s.status, '') = 'done') FROM assignments a "
        "JOIN annotators p ON p.id = a.annotator_id LEFT JOIN document_status s "
        "ON s.document_id = a.document_id AND s.annotator_id = a.annotator_id GROUP BY p.id ORDER BY p.name")
    per = {name: (int(done or 0), int(count)) for name, count, done in rows}
    design = latest_design(project) or {}
    coders = int(design.get("coders", 2))
    sampled, overlap = project.db.execute(
        "SELECT COUNT(*), COALESCE(SUM(n >= ?), 0) FROM (SELECT a.document_id, SUM(COALESCE(s.status, '') = 'done') "
        "AS n FROM assignments a LEFT JOIN document_status s ON s.document_id = a.document_id "
        "AND s.annotator_id = a.annotator_id WHERE a.sampled = 1 GROUP BY a.document_id)", [coders]).fetchone()
    return Progress(per, int(sampled), coders, int(overlap), design.get("seed"))


def draw_retest(project: Project, share: float, annotators: Sequence[str] = (), seed: int | None = None,
                actor: str = "") -> dict[str, Any]:
    """Re-serve a share of each annotator's done documents for intra-coder agreement (one undoable step).

    The documents are assigned to "NAME (re-test)", a coding of its own: coding as that name the
    annotator sees only the re-test copy's tags (blind coding), never their earlier coding, and
    `annotator agreement --annotators "NAME,NAME (re-test)"` compares the two codings. Documents
    already in someone's re-test are not drawn again for them.
    """
    if not 0 < share <= 1:
        raise AnnotatorError(f"--retest {share:g}: give a share above 0 and at most 1 (e.g. 0.1)")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 1_000_000)
    known = {a.name: a for a in project.annotators.list()}
    for name in annotators:
        if name not in known:
            raise AnnotatorError(f'no annotator "{name}" in this project (annotators: {", ".join(known) or "none"})')
    names = list(annotators) or [n for n, a in known.items()
                                 if a.role.value != "curator" and not n.endswith(RETEST_SUFFIX)]
    rng = random.Random(seed)
    position = {ident: index for index, ident in enumerate(project.documents.ids())}
    chosen: dict[str, list[str]] = {}
    for name in names:
        done = sorted((d for d in project.status.done_by(name) if d in position), key=position.__getitem__)
        already = set(assigned_documents(project, name + RETEST_SUFFIX))
        left = [d for d in done if d not in already]
        wanted = min(len(left), max(1, round(share * len(done)))) if left else 0
        if wanted:
            chosen[name] = sorted(rng.sample(left, wanted), key=position.__getitem__)
    if not chosen:
        raise AnnotatorError("no annotator has a done document left to re-test; a re-test re-serves documents "
                             "an annotator has marked done")
    who = actor or "assign"
    with project.history.transaction():
        ids = {name: project.annotators.ensure(name + RETEST_SUFFIX).id for name in chosen}
        changes = tuple(RowChange("assignments", (d, ids[name]), None,
                                  {"document_id": d, "annotator_id": ids[name], "sampled": 0})
                        for name, documents in chosen.items() for d in documents)
        project.history.apply(Operation(f"re-test {len(changes)} documents (seed {seed})", who, changes))
    return {"seed": seed, "share": share,
            "retest": {name + RETEST_SUFFIX: documents for name, documents in chosen.items()}}
