"""`ftspec init --adopt`: recognise an existing repository's artifacts, write only what is missing, merge hooks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from ftspec.commands.adopt import scan, write_new
from ftspec.commands.init import LOCAL_HOOKS
from ftspec.errors import UsageError

Invoke = Callable[..., Result]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "existing-project"
REPO = Path(__file__).parents[2]


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    target = tmp_path / "career-coach"
    shutil.copytree(FIXTURE, target)
    return target


def test_scan_recognises_by_shape_and_names_what_it_cannot_read(existing: Path) -> None:
    found = scan(existing)
    assert found.found == {"taxonomy": "configs/taxonomy.yaml"}
    notes = "\n".join(found.notes)
    assert "rubric in Python: src/rubric.py" in notes and "rubric in Markdown: docs/rubric.md" in notes
    assert "training script: scripts/train_qlora.py" in notes
    assert "transcripts/conversations.jsonl" in notes


def test_adopt_writes_only_what_is_missing_and_never_fails_on_existing_files(ftspec: Invoke, existing: Path) -> None:
    before = {p: p.read_bytes() for p in existing.rglob("*") if p.is_file()}
    result = ftspec("init", "--adopt", str(existing))
    assert result.exit_code == 0, result.output
    assert all(p.read_bytes() == data for p, data in before.items() if p.name != ".pre-commit-config.yaml")
    manifest = YAML(typ="safe").load((existing / "ftspec.yaml").read_text())
    assert manifest["project"] == "career-coach"
    assert manifest["paths"]["taxonomy"] == "configs/taxonomy.yaml"
    assert (existing / "config/rubric.yaml").is_file() and (existing / ".ftspec/schema/rubric.json").is_file()
    assert "the rubric must be YAML" in result.output and "next: ftspec check" in result.output
    again = ftspec("init", "--adopt", str(existing))  # a second run changes nothing and does not fail
    assert again.exit_code == 0 and "ftspec.yaml exists: kept" in again.output
    assert "wrote" not in again.output


def test_adopted_check_finds_the_taxonomy_weights_error(ftspec: Invoke, existing: Path) -> None:
    assert ftspec("init", "--adopt", str(existing)).exit_code == 0
    check = ftspec("check", str(existing), "-k", "taxonomy.weights")
    assert check.exit_code == 1
    assert "configs/taxonomy.yaml:4:3: taxonomy.topics: topic weights sum to 1.05" in check.output


def test_check_without_a_manifest_points_at_adopt(ftspec: Invoke, existing: Path) -> None:
    result = ftspec("check", str(existing))
    assert result.exit_code != 0 and "ftspec init --adopt" in result.output


def test_hooks_merge_into_an_existing_pre_commit_config_keeps_comments(ftspec: Invoke, existing: Path) -> None:
    result = ftspec("init", "--adopt", str(existing), "--hooks", "pre-commit")
    assert result.exit_code == 0, result.output
    text = (existing / ".pre-commit-config.yaml").read_text()
    assert "# Our own hooks: keep them" in text and "rev: v0.6.9   # pinned on purpose" in text
    data = YAML(typ="safe").load(text)
    local = [r for r in data["repos"] if r["repo"] == "local"]
    assert [h["id"] for h in local[0]["hooks"]] == ["ftspec-check", "ftspec-decision-trailer"]
    assert all(r["repo"] == "local" or r["rev"] == "v0.6.9" for r in data["repos"])  # no invented rev
    assert "configs/taxonomy" in local[0]["hooks"][0]["files"]  # the adopted path triggers the hook
    again = ftspec("init", "--hooks", "pre-commit", str(existing))
    assert again.exit_code == 0 and "already has ftspec's hooks" in again.output
    assert (existing / ".pre-commit-config.yaml").read_text() == text


def test_hooks_invalid_pre_commit_config_is_one_line(ftspec: Invoke, existing: Path) -> None:
    (existing / ".pre-commit-config.yaml").write_text("repos: [\n")
    result = ftspec("init", "--adopt", str(existing), "--hooks", "pre-commit")
    assert result.exit_code != 0 and "not valid YAML. nothing was written" in result.output


def test_local_hooks_match_the_published_hook_definitions() -> None:
    published = {h["id"]: h for h in YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())}
    for hook in LOCAL_HOOKS:
        ours = published[str(hook["id"])]
        for key in ("entry", "files", "stages", "always_run", "require_serial"):
            assert hook.get(key) == ours.get(key), (hook["id"], key)


def test_write_new_refuses_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "dangling.yaml").symlink_to(outside / "target.yaml")
    assert not write_new(root, "dangling.yaml", b"x")
    assert not (outside / "target.yaml").exists()
    (root / "config").symlink_to(outside)
    with pytest.raises(UsageError, match="symbolic link"):
        write_new(root, "config/rubric.yaml", b"x")
    assert write_new(root, "new/file.yaml", b"x") and (root / "new/file.yaml").read_bytes() == b"x"


WORKED = REPO / "spec-templates" / "worked-example"


def test_adopt_check_and_fix_until_every_gate_passes(ftspec: Invoke, existing: Path) -> None:
    """The whole adoption: init --adopt, check, and follow each message until the check passes."""
    assert ftspec("init", "--adopt", str(existing), "--hooks", "pre-commit").exit_code == 0
    first = ftspec("check", str(existing))
    assert first.exit_code == 1
    assert "configs/taxonomy.yaml:4:3: taxonomy.topics: topic weights sum to 1.05, not 1.0" in first.stdout
    assert "not filled in yet" in first.stdout  # the template files adopt wrote say what to fill in
    # The weights: as the finding says, adjust them to add up to 1.0.
    taxonomy = existing / "configs/taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace("weight: 0.30", "weight: 0.25", 1))
    # The files adopt wrote from the template: filled in (here with the worked example's content).
    for rel in ("model-choice.md", "config/rubric.yaml", "config/persona-template.yaml", "config/system-prompt.md",
                "config/prompts/user_sim.md", "config/prompts/assistant.md", "base-model-eval-results.md",
                "sidecar.yaml", "config/training.yaml"):
        shutil.copyfile(WORKED / rel, existing / rel)
    second = ftspec("check", str(existing))
    assert second.exit_code == 1
    out = second.stdout
    # The Markdown rubric, declared by adopt, now disagrees with the YAML rubric: the drift gate says how.
    assert "docs/rubric.md:8:1: CQ2 is under 'helpfulness' here but in category 'comprehension'" in out
    assert "CQ3, CQ4, CQ5, CQ6, CQ7, CQ8, CQ9 of the rubric not restated here" in out
    assert "decision-log.md is missing" in out and "training-spec.md is missing" in out  # step 5's outputs
    fix = "add `token_budget: {max_tokens_per_example: 8192}` to ftspec.yaml"
    assert fix in out
    manifest = existing / "ftspec.yaml"
    manifest.write_text(manifest.read_text() + "token_budget: {max_tokens_per_example: 8192}\n")
    rubric_md = existing / "docs/rubric.md"
    rows = "\n".join(f"| {cid} | {cat} | {name} |" for cid, cat, name in (
        ("CQ1", "comprehension", "Stays on the user's question"), ("CQ2", "comprehension", "Ends with a next step"),
        ("CQ3", "connection", "Acknowledges"), ("CQ4", "usefulness", "Next step"), ("CQ5", "usefulness", "Fits"),
        ("CQ6", "communication", "Length"), ("CQ7", "communication", "Plain words"), ("CQ8", "safety", "Refers"),
        ("CQ9", "safety", "Distress")))
    rubric_md.write_text(rubric_md.read_text().split("| id |")[0] + "| id | category | criterion |\n|--|--|--|\n"
                         + rows + "\n")
    for rel in ("decision-log.md", "phase-2-training/training-spec.md"):
        (existing / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(WORKED / rel, existing / rel)
    third = ftspec("check", str(existing))
    assert third.exit_code == 0, third.stdout


def test_a_file_named_like_an_artifact_is_taken_by_name(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/rubric_v2.yaml").write_text("items: [{id: CQ1}]\n")
    (tmp_path / "conf/train_config.yaml").write_text("model_name_or_path: Qwen/Qwen3-14B\n")
    found = scan(tmp_path)
    assert found.found == {"rubric": "conf/rubric_v2.yaml"}
    notes = "\n".join(found.notes)
    assert "taken for the rubric by its name, not its shape" in notes
    assert "training configuration of another shape: conf/train_config.yaml" in notes
