"""Why a declared data set is not on disk: a pipeline output not written yet, a hub dataset id, or a wrong path."""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

from ftspec.errors import FtspecError, SpecError
from ftspec.gates.context import GateContext, NotApplicable

# `org/name` with no data-file suffix: a dataset on a hub, not a path (unless its first part is a local folder).
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv", ".arrow", ".txt")
REPORTS_MISSING = "data.format"  # the one gate that reports a wrong path; the others skip and point at it


def is_hub_id(root: Path, rel: str) -> bool:
    """Whether a declared data value names a hub dataset rather than a local file or folder."""
    return (bool(HUB_ID.match(rel)) and not rel.lower().endswith(DATA_SUFFIXES)
            and not (root / rel.split("/", 1)[0]).exists())


def pipeline_outputs(ctx: GateContext) -> frozenset[str]:
    """Paths the project's dvc.yaml stages write."""
    if not (ctx.project.root / "dvc.yaml").is_file():
        ctx.project.track_file(ctx.project.root / "dvc.yaml")
        return frozenset()
    try:  # outside the project, a link to /dev/zero, too large: as if there were none
        return _outs(ctx.read_bytes("dvc.yaml"))
    except (SpecError, OSError):
        return frozenset()


@functools.lru_cache(maxsize=8)
def _outs(text: bytes) -> frozenset[str]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError):
        return frozenset()
    stages = data.get("stages") if isinstance(data, dict) else None
    outs: set[str] = set()
    for stage in (stages or {}).values() if isinstance(stages, dict) else ():
        for out in (stage.get("outs") or []) if isinstance(stage, dict) else ():
            outs.update([out] if isinstance(out, str) else out.keys() if isinstance(out, dict) else [])
    return frozenset(str(o).rstrip("/") for o in outs)


def _near(path: Path) -> str | None:
    """The name of an existing neighbour the path looks like a typo of."""
    try:
        names = sorted(p.name for p in path.parent.iterdir()) if path.parent.is_dir() else []
    except OSError:
        return None
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.8)
    return close[0] if close else None


def why_missing(ctx: GateContext, sets: list[tuple[str, str]]) -> FtspecError:
    """What a data gate raises when none of its declared sets is on disk."""
    if not sets:
        return NotApplicable("no data set declared for this approach")
    root, outs = ctx.project.root, pipeline_outputs(ctx)
    has_pipeline = (root / "dvc.yaml").is_file()
    hub = [rel for _, rel in sets if is_hub_id(root, rel)]
    # Without a dvc.yaml, ftspec's split stage may yet write any declared path: only a near miss of a file that
    # is there (a typo) is a wrong path then.
    wrong = [(role, rel) for role, rel in sets if rel not in hub and rel.rstrip("/") not in outs
             and (has_pipeline or _near(root / rel))]
    if wrong and ctx.gate.id == REPORTS_MISSING:
        role, rel = wrong[0]
        close = _near(root / rel)
        fix = f"did you mean {(Path(rel).parent / close).as_posix()}?" if close else "correct the path"
        writer = "no dvc.yaml stage writes it" if has_pipeline else "a file of a similar name is there"
        return SpecError(ctx.at("training", ["data", role]), f"data.{role} {rel} does not exist and {writer}",
                         f"{fix} (or add the pipeline stage that writes it)")
    if wrong:
        return NotApplicable(f"data.{wrong[0][0]} {wrong[0][1]} does not exist (see {REPORTS_MISSING})")
    if hub and len(hub) == len(sets):
        return NotApplicable(f"{', '.join(hub)}: a hub dataset id, not a local file; ftspec downloads nothing; "
                             "data gates skipped")
    return NotApplicable(f"no data yet ({', '.join(rel for _, rel in sets)}); the pipeline writes it")
