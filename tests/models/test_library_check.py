"""Keys the generated library lists lack: rejected, checked against the installed library, or accepted and listed.

The installed versions are simulated by replacing the metadata lookup (ftspec.models.library_check
.installed_version); library_state is cached, so every test starts from an empty cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from ftspec import cli
from ftspec.errors import SpecErrors
from ftspec.loader import parse_yaml
from ftspec.models import library_check, library_fields
from ftspec.models.base import validate
from ftspec.models.library_check import UncheckedKeys, unchecked_library_keys
from ftspec.models.training import Training
from tests.conftest import WORKED, copy_project

SPEC = (
    "base_model: m\napproach: sft\n"
    "peft: {method: lora, r: 8, target_modules: all-linear, bias: none}\n"
    "sft: {learning_rate: 1.0e-4, num_train_epochs: 1, per_device_train_batch_size: 1, save_total_limit: 2}\n"
)
LISTED = {"peft": "0.21.2", "transformers": "5.24.0", "trl": "1.16.0"}


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    library_check.library_state.cache_clear()
    yield
    library_check.library_state.cache_clear()


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """installed(peft=None, trl="9.9") -> the distributions looked up; the rest at the lists' versions."""
    looked: list[str] = []

    def set_versions(**versions: str | None) -> list[str]:
        table = {**LISTED, **versions}

        def lookup(distribution: str) -> str | None:
            looked.append(distribution)
            return table.get(distribution)

        monkeypatch.setattr(library_check, "installed_version", lookup)
        return looked

    return set_versions


def load(text: str) -> Training:
    return validate(Training, parse_yaml(text, "config/training.yaml"))


def errors(text: str) -> list[str]:
    with pytest.raises(SpecErrors) as exc:
        load(text)
    return [str(e) for e in exc.value.errors]


def test_the_listed_versions_are_the_generated_ones() -> None:
    assert {library_check.CONFIGS[n][0]: library_check.listed_version(n) for n in library_fields.SOURCES} == LISTED


def test_listed_keys_read_no_library_metadata(installed: Callable[..., list[str]]) -> None:
    looked = installed()
    spec = load(SPEC)
    assert looked == []  # the normal path: no metadata lookup, no import
    assert spec.peft.library_extras == {"bias": "none"} and list(unchecked_library_keys(spec)) == []


def test_at_the_listed_version_an_unlisted_key_is_unknown(installed: Callable[..., list[str]]) -> None:
    installed()
    found = errors(SPEC.replace("bias: none", "biass: none").replace("save_total_limit", "learning_rat"))
    assert any("peft.biass: unknown key 'biass'. did you mean 'bias'?" in e for e in found)
    assert any("sft.learning_rat: unknown key" in e and "did you mean 'learning_rate'?" in e for e in found)


def test_a_key_of_another_section_says_where_it_belongs_in_every_state(installed: Callable[..., list[str]]) -> None:
    for versions in ({}, {"peft": None}):
        library_check.library_state.cache_clear()
        installed(**versions)
        [found] = errors(SPEC.replace("bias: none", "learning_rate: 1.0e-4"))
        assert "peft.learning_rate: unknown key 'learning_rate'. 'learning_rate' belongs under dpo: or sft:" in found


def test_another_version_checks_the_installed_config(
    installed: Callable[..., list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(trl="9.9.0")
    imported: list[str] = []

    def fields(name: str) -> frozenset[str]:
        imported.append(name)
        return frozenset({"learning_rate", "new_trl_key"})

    monkeypatch.setattr(library_check, "config_fields", fields)
    spec = load(SPEC.replace("save_total_limit: 2", "new_trl_key: 3"))
    assert spec.sft is not None and spec.sft.library_extras == {"new_trl_key": 3}
    assert list(unchecked_library_keys(spec)) == []  # checked, so not listed
    assert imported == ["SFT_CONFIG"]  # transformers is at the listed version: its lists are complete
    [found] = errors(SPEC.replace("save_total_limit: 2", "not_in_trl_9: 3"))
    assert "sft.not_in_trl_9: unknown key" in found


def test_another_version_is_checked_against_the_real_installed_class(installed: Callable[..., list[str]]) -> None:
    pytest.importorskip("peft")
    installed(peft="0.0.1")
    assert load(SPEC).peft.library_extras == {"bias": "none"}
    [found] = errors(SPEC.replace("bias: none", "no_such_lora_field: 1"))
    assert "peft.no_such_lora_field: unknown key" in found


def test_not_installed_accepts_and_lists(installed: Callable[..., list[str]]) -> None:
    installed(trl=None)
    spec = load(SPEC.replace("save_total_limit: 2", "new_trl_key: 3, another_new_key: x"))
    assert spec.sft is not None and spec.sft.library_extras == {"new_trl_key": 3, "another_new_key": "x"}
    [unchecked] = unchecked_library_keys(spec)
    assert unchecked.section == ("sft",) and unchecked.keys == ["new_trl_key", "another_new_key"]
    assert unchecked.reason == "trl is not installed"
    assert unchecked.fix == "install the train extra to check them (pip install 'ftspec[train]'), or check their " \
                            "spelling"


def test_not_installed_a_near_miss_is_still_a_typo(installed: Callable[..., list[str]]) -> None:
    """The typo example of training.schema fails the same without the train extra."""
    installed(peft=None, transformers=None, trl=None)
    found = errors(SPEC.replace("bias: none", "lora_droput: 0.1").replace("save_total_limit", "warmup_ratioo"))
    assert any("peft.lora_droput: unknown key 'lora_droput'. did you mean 'lora_dropout'?" in e for e in found)
    assert any("sft.warmup_ratioo: unknown key 'warmup_ratioo'. did you mean 'warmup_ratio'?" in e for e in found)
    assert load(SPEC.replace("bias: none", "monarch_blocks: 4")).peft.library_extras == {"monarch_blocks": 4}


def test_an_install_that_does_not_import_is_listed_with_the_reason(
    installed: Callable[..., list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed(peft="9.0")

    def broken(name: str) -> frozenset[str]:
        raise ModuleNotFoundError("No module named 'torch'")

    monkeypatch.setattr(library_check, "config_fields", broken)
    [unchecked] = unchecked_library_keys(load(SPEC.replace("bias: none", "brand_new: 1")))
    assert unchecked == UncheckedKeys(("peft",), "peft 9.0 could not be imported (ModuleNotFoundError: No module "
                                      "named 'torch')", unchecked.fix, ["brand_new"])


@pytest.mark.parametrize("versions", [{}, {"trl": None}, {"trl": "9.9.0"}], ids=["listed", "missing", "other"])
def test_the_json_schema_agrees_with_the_model(
    versions: dict[str, str | None], installed: Callable[..., list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftspec.commands.schema import json_schema

    installed(**versions)
    monkeypatch.setattr(library_check, "config_fields", lambda name: frozenset({"new_trl_key"}))
    text = SPEC.replace("save_total_limit: 2", "new_trl_key: 3")
    validator = jsonschema.Draft202012Validator(json_schema("training"))
    data = parse_yaml(text, "config/training.yaml").data
    try:
        load(text)
        accepted = True
    except SpecErrors:
        accepted = False
    assert accepted == (versions != {})
    assert validator.is_valid(data) == accepted
    elsewhere = SPEC.replace("save_total_limit: 2", "beta: 0.1")  # a DPO key under sft: an error in every state
    assert "belongs under dpo:" in errors(elsewhere)[0]
    assert not validator.is_valid(parse_yaml(elsewhere, "config/training.yaml").data)


def test_check_shows_unchecked_keys_in_text_and_json(
    installed: Callable[..., list[str]], tmp_path: Path
) -> None:
    installed(peft=None)
    project = copy_project(WORKED, tmp_path / "project")
    training = project / "config" / "training.yaml"
    training.write_text(training.read_text().replace("  lora_dropout: 0.05\n", "  lora_dropout: 0.05\n"
                                                     "  brand_new_option: true\n"))
    runner = CliRunner()
    text = runner.invoke(cli.cli, ["check", "--no-cache", str(project)], catch_exceptions=False)
    assert text.exit_code == 0, text.stdout
    line = "config/training.yaml:13:3: peft.brand_new_option: not checked: peft is not installed; keys accepted " \
           "unchecked: brand_new_option."
    assert line in text.stdout
    out = runner.invoke(cli.cli, ["check", "--no-cache", "--format", "json", str(project)], catch_exceptions=False)
    gate = next(g for g in json.loads(out.stdout)["gates"] if g["id"] == "training.schema")
    assert gate["outcome"] == "warned"
    [finding] = gate["findings"]
    assert finding["severity"] == "warning" and finding["line"] == 13
    assert "keys accepted unchecked: brand_new_option" in finding["message"]
