"""Optional dependencies: which extra installs a module, so a missing one is one line saying what to install."""

from __future__ import annotations

# Top-level module -> the ftspec extra (pyproject.toml [project.optional-dependencies]) that installs it.
EXTRA_OF = {
    "numpy": "data", "pyarrow": "data", "datasets": "data",
    "torch": "train", "transformers": "train", "peft": "train", "trl": "train", "bitsandbytes": "train",
    "accelerate": "train", "tokenizers": "train",
    "dvc": "pipeline", "scipy": "pipeline",
    "pre_commit": "hooks",
}


def missing_extra(exc: BaseException) -> str | None:
    """For a ModuleNotFoundError of an optional dependency: `needs numpy, from the data extra: pip install
    'ftspec[data]'`; None for anything else (a real bug stays a bug)."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    module = exc.name.split(".")[0]
    extra = EXTRA_OF.get(module)
    if extra is None:
        return None
    return f"needs {module}, from the {extra} extra: pip install 'ftspec[{extra}]'"
