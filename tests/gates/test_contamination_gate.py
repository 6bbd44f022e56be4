"""data.contamination on a project: the one-line summary with what was left out, and the old gate setting."""

from __future__ import annotations

from pathlib import Path

from tests.gates.test_examples import EXAMPLES, build
from tests.projects import run


def test_summary_names_counts_and_what_was_left_out(tmp_path: Path) -> None:
    root = build(EXAMPLES / "data.contamination" / "fail" / "exact-copy", tmp_path / "project")
    result = run("data.contamination", root)
    assert result.outcome == "failed"
    first, summary = result.findings[0], result.findings[-1]
    assert (first.path, first.line) == ("data/train.jsonl", 5) and first.message.startswith("equals")
    left = "left out: system messages (data.contamination.roles: [user, assistant, tool])"
    assert summary.message.startswith(f"1 exact copies, 0 overlapping records; {left}")
    assert "shared word sequence" in summary.message and "in 13 of 13 training records" in summary.message


def test_the_old_ngram_setting_says_where_it_moved(tmp_path: Path) -> None:
    root = build(EXAMPLES / "data.contamination" / "pass" / "shared-prompt", tmp_path / "project")
    manifest = root / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + "  data.contamination: {ngram: 8}\n")
    result = run("data.contamination", root)
    (finding,) = result.findings
    assert finding.path == "ftspec.yaml" and "moved to data.contamination.ngram" in finding.message
    assert "contamination: {ngram: 8}" in finding.fix
