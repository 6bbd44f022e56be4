"""Markdown for `ftspec review`: what a pull-request reviewer needs to see about the spec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftspec.commands.review import Review


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def render_md(review: Review) -> str:
    """The review as GitHub-flavoured Markdown (fits a job summary or a PR comment)."""
    out = [f"## ftspec review `{review.base[:10]}..{review.head[:10]}`", ""]
    out += _decisions(review) + _files(review) + _gates(review) + _params(review)
    return "\n".join(out).rstrip() + "\n"


def _decisions(review: Review) -> list[str]:
    out = ["### Decisions", ""]
    if not review.decisions:
        return out + ["No decisions made in this range.", ""]
    out += ["| id | title | choice | commit | supersedes |", "|---|---|---|---|---|"]
    out += [
        f"| {d['id']} | {_cell(d.get('title'))} | {_cell(d.get('choice'))} | "
        f"{d.get('commit', '')[:10] or '(no commit)'} | "
        f"{_cell(d.get('supersedes'))} |"
        for d in review.decisions
    ]
    if review.superseded:
        out += ["", "Superseded: " + ", ".join(f"{s['id']} (by {s['by']})" for s in review.superseded)]
    return out + [""]


def _files(review: Review) -> list[str]:
    out = ["### Spec files changed", ""]
    if not review.spec_files:
        return out + ["None.", ""]
    return out + [f"- `{f['status']}` {f['path']}" for f in review.spec_files] + [""]


def _gates(review: Review) -> list[str]:
    def summary(name: str) -> str:
        counts = review.gate_summary.get(name, {})
        return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no project"

    out = ["### Gates", "", f"BASE: {summary('base')}; HEAD: {summary('head')}", ""]
    if review.newly_failing:
        out.append("**Newly failing:**")
        for change in review.newly_failing:
            out.append(f"- ❌ `{change.id}` (was {change.base})")
            out += [f"  - {_cell(f)}" for f in change.findings]
    if review.fixed:
        out += ["**Fixed:**"] + [f"- ✅ `{c.id}` (now {c.head})" for c in review.fixed]
    if review.still_failing:
        out.append("Still failing: " + ", ".join(f"`{g}`" for g in review.still_failing))
    if not (review.newly_failing or review.fixed or review.still_failing):
        out.append("No gate changed outcome.")
    return out + [""]


def _params(review: Review) -> list[str]:
    if not (review.uses_dvc or review.params):
        return []
    out = ["### Parameters changed", ""]
    if not review.params:
        return out + ["None.", ""]
    out += ["| param | BASE | HEAD |", "|---|---|---|"]
    return out + [f"| {p['param']} | {_cell(p['base'])} | {_cell(p['head'])} |" for p in review.params] + [""]
