"""Input taxonomy gates (finetune-design step 3)."""

from __future__ import annotations

from collections.abc import Iterator

from ftspec.gates.context import GateContext
from ftspec.gates.registry import gate
from ftspec.gates.util import band, pct, sums_to_one, total
from ftspec.models.taxonomy import InputTaxonomy, Subtopic
from ftspec.results import Finding

SOURCE = "finetune-design step 3; methodology.md section 1 (input taxonomy)"


@gate("taxonomy.weights", phase="design", needs=("taxonomy",), tolerance=0.001, source=SOURCE)
def weights(ctx: GateContext) -> Iterator[Finding]:
    """Weights sum to 1.0 in every dimension: topics, each flat dimension, and weighted subtopics."""
    tax: InputTaxonomy = ctx.value("taxonomy")
    tol = float(ctx.params["tolerance"])
    topics = [t.weight for t in tax.taxonomy.topics]
    if not sums_to_one(topics, tol):
        yield ctx.finding("taxonomy", ["taxonomy", "topics"], f"topic weights sum to {total(topics)}, not 1.0",
                          "adjust the topic weights so they add up to 1.0")
    for name, options in tax.taxonomy.dimensions.items():
        if not sums_to_one(options.values(), tol):
            yield ctx.finding("taxonomy", ["taxonomy", name],
                              f"weights of '{name}' sum to {total(options.values())}, not 1.0",
                              f"adjust the {name} weights so they add up to 1.0")
    for idx, topic in enumerate(tax.taxonomy.topics):
        subs = [s.weight for s in topic.subtopics if isinstance(s, Subtopic) and s.weight is not None]
        if subs and not sums_to_one(subs, tol):
            yield ctx.finding("taxonomy", ["taxonomy", "topics", idx, "subtopics"],
                              f"subtopic weights of '{topic.name}' sum to {total(subs)}, not 1.0",
                              "adjust them or drop the subtopic weights")


@gate("taxonomy.edge-case-share", phase="design", needs=("taxonomy",), target=0.15, tolerance=0.05,
      source=SOURCE + ": ~15% edge cases (5% too low, 30% too high)")
def edge_case_share(ctx: GateContext) -> Iterator[Finding]:
    """Edge-case topics (name contains 'edge' or `edge_case: true`) get about 15% of the inputs."""
    tax: InputTaxonomy = ctx.value("taxonomy")
    target, tol = float(ctx.params["target"]), float(ctx.params["tolerance"])
    edge = [t for t in tax.taxonomy.topics if t.is_edge_case]
    share = total(t.weight for t in edge)
    if not edge:
        yield ctx.finding("taxonomy", ["taxonomy", "topics"], "no edge-case topic",
                          f"add a topic `edge_cases` (crisis, out of scope, hostile, vague) weighted ~{pct(target)}")
    elif abs(share - target) > tol + 1e-9:
        yield ctx.finding("taxonomy", ["taxonomy", "topics", tax.taxonomy.topics.index(edge[0]), "weight"],
                          f"edge cases get {pct(share)} of inputs, outside {band(target, tol)}",
                          f"set the edge-case weight near {pct(target)}; without it the model never learns them")


@gate("taxonomy.difficulty-levels", phase="design", needs=("taxonomy",), dimension="difficulty", min_levels=3,
      source=SOURCE + ": DIFFICULTY dimension (easy, medium, hard)")
def difficulty_levels(ctx: GateContext) -> Iterator[Finding]:
    """A difficulty dimension with several levels, each with a non-zero weight."""
    tax: InputTaxonomy = ctx.value("taxonomy")
    name, minimum = str(ctx.params["dimension"]), int(ctx.params["min_levels"])
    levels = tax.taxonomy.dimensions.get(name)
    if levels is None:
        yield ctx.finding("taxonomy", ["taxonomy"], f"no '{name}' dimension",
                          f"add `{name}: {{easy: 0.3, medium: 0.5, hard: 0.2}}` under taxonomy")
        return
    used = [level for level, weight in levels.items() if weight > 0]
    if len(used) < minimum:
        yield ctx.finding("taxonomy", ["taxonomy", name], f"{len(used)} weighted {name} levels, need {minimum}",
                          "add levels such as easy, medium and hard")
