"""The check path (CLI, models, gates, a whole `ftspec check`) imports no ML library, numpy included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, WORKED, copy_project

HEAVY = (
    "torch",
    "transformers",
    "datasets",
    "peft",
    "trl",
    "bitsandbytes",
    "accelerate",
    "tokenizers",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "dvc",
    "safetensors",
    "huggingface_hub",
)

SCRIPT = """
import json, pkgutil, importlib, sys
from pathlib import Path
import ftspec.cli
import ftspec.models
for info in pkgutil.iter_modules(ftspec.models.__path__):
    importlib.import_module(f"ftspec.models.{info.name}")
import ftspec.artifacts, ftspec.report, ftspec.pytest_plugin
from ftspec.gates.registry import all_gates
from ftspec.commands.check import CheckOptions, run_check
gates = all_gates()
run = run_check(CheckOptions(path=Path(sys.argv[1])))
heavy = sys.argv[2].split(",")
print(json.dumps({"exit": run.exit_code, "gates": len(run.results), "n_gates": len(gates),
                  "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_check_path_imports_no_ml_stack(tmp_path: Path) -> None:
    project = copy_project(WORKED, tmp_path / "project")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(project), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0 and report["gates"] == report["n_gates"]
    assert report["loaded"] == [], f"the check path imported {report['loaded']}"


def test_the_probe_would_notice_an_import(tmp_path: Path) -> None:
    """The same probe reports a heavy module when one is imported (json stands in: it is always there)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = SCRIPT.replace("import ftspec.cli\n", "import ftspec.cli\nimport json\n")
    proc = subprocess.run(
        [sys.executable, "-c", script, str(copy_project(WORKED, tmp_path / "p")), "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1])["loaded"] == ["json"]
