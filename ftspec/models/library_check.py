"""Keys the generated library field lists lack: what the installed library says about them.

The lists (ftspec.models.library_fields) are made from one version of each library. A key missing from them is
decided by that library's installed version, read from its metadata (nothing imported):
- the version the lists were made from: the lists are complete, so the key is unknown (did-you-mean);
- another version: the key is checked against that version's config class (imported then, and only then);
- not installed (or not importable): nothing to check against, so the key is accepted and listed as unchecked.
A spec with only listed keys never gets here, so the check's start-up path reads no metadata and imports nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel

from ftspec.extras import EXTRA_OF
from ftspec.models import library_fields as lib

# List name (library_fields) -> (distribution, module, config class). Each is a dataclass whose init fields are
# its keys, except BitsAndBytesConfig, whose keys are its __init__ parameters (its dataclass fields are internal).
CONFIGS: dict[str, tuple[str, str, str]] = {
    "LORA_CONFIG": ("peft", "peft", "LoraConfig"),
    "TRAINING_ARGUMENTS": ("transformers", "transformers", "TrainingArguments"),
    "SFT_CONFIG": ("trl", "trl", "SFTConfig"),
    "DPO_CONFIG": ("trl", "trl", "DPOConfig"),
    "BNB_CONFIG": ("transformers", "transformers", "BitsAndBytesConfig"),
}
BY_INIT = {"BNB_CONFIG"}


class LibraryState(NamedTuple):
    """What the installed library can say about keys the lists lack."""

    fields: frozenset[str] | None  # the installed config's fields, when its version differs from the lists'
    unchecked: str = ""  # why keys cannot be checked ("trl is not installed"); "" when they can
    fix: str = ""  # how to have them checked


def installed_version(distribution: str) -> str | None:
    """The installed version from the distribution's metadata, None when it is not installed (nothing imported)."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def listed_version(name: str) -> str:
    """The library version a generated list was made from (`SOURCES["SFT_CONFIG"]` is "trl 1.16.0")."""
    return lib.SOURCES[name].split()[-1]


@functools.cache
def library_state(name: str) -> LibraryState:
    """The state of the library behind one generated list; cached (a version lookup, at most one import)."""
    distribution, _module, _cls = CONFIGS[name]
    version = installed_version(distribution)
    extra = EXTRA_OF.get(distribution, "train")
    if version is None:
        return LibraryState(None, f"{distribution} is not installed",
                            f"install the {extra} extra to check them (pip install 'ftspec[{extra}]'), or check "
                            "their spelling")
    if version == listed_version(name):
        return LibraryState(None)
    try:
        return LibraryState(config_fields(name))
    except Exception as exc:  # a broken install (missing torch, ...) must not stop the check: the keys are listed
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
        return LibraryState(None, f"{distribution} {version} could not be imported ({reason})",
                            f"repair the {distribution} install to check them (pip install 'ftspec[{extra}]')")


def config_fields(name: str) -> frozenset[str]:
    """The init fields of the installed config class behind one list (imports the library)."""
    _distribution, module, cls_name = CONFIGS[name]
    cls = getattr(importlib.import_module(module), cls_name)
    if name in BY_INIT:
        return _init_parameters(cls)
    return frozenset(f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_"))


def _init_parameters(cls: Any) -> frozenset[str]:
    import inspect

    params = inspect.signature(cls.__init__).parameters
    return frozenset(n for n, p in params.items() if n != "self" and p.kind is p.POSITIONAL_OR_KEYWORD)


class Verdict(NamedTuple):
    """Whether a section accepts a key its lists lack, and why it is unchecked when it is."""

    accepted: bool
    unchecked: str = ""
    fix: str = ""


def verdict(names: str, key: str) -> Verdict:
    """A key missing from the lists ``names`` (space-separated list names) of one section."""
    reasons: dict[str, str] = {}
    for name in names.split():
        state = library_state(name)
        if state.fields is not None and key in state.fields:
            return Verdict(True)
        if state.unchecked:
            reasons.setdefault(state.unchecked, state.fix)
    if not reasons:
        return Verdict(False)
    return Verdict(True, "; ".join(reasons), next(iter(reasons.values())))


def accepted_keys(names: str) -> tuple[frozenset[str], list[str]]:
    """For the JSON Schema: keys the installed libraries add to the lists, and why other keys are unchecked."""
    added: set[str] = set()
    reasons: list[str] = []
    for name in names.split():
        state = library_state(name)
        added |= state.fields or set()
        if state.unchecked and state.unchecked not in reasons:
            reasons.append(state.unchecked)
    return frozenset(added), reasons


class UncheckedKeys(NamedTuple):
    """Keys of one section accepted without a check, why, and how to have them checked."""

    section: tuple[str, ...]
    reason: str
    fix: str
    keys: list[str]


def unchecked_library_keys(model: BaseModel, where: tuple[str, ...] = ()) -> Iterator[UncheckedKeys]:
    """Every section of a validated spec holding library keys accepted without a check, with its key path.

    Sections that mirror a library config have `unchecked_keys()` (ftspec.models.training.LibrarySection); this
    module is what the schema gate imports, so a check that loads no training spec does not import its models."""
    unchecked = getattr(model, "unchecked_keys", None)
    if callable(unchecked):
        for (reason, fix), keys in unchecked().items():
            yield UncheckedKeys(where, reason, fix, keys)
    for name in type(model).model_fields:
        child = getattr(model, name)
        if isinstance(child, BaseModel):
            yield from unchecked_library_keys(child, (*where, name))
