"""A copy of the worked example shrunk to a CPU run, and a tiny model built locally once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ftspec.templates import template_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ftspec.pipeline import tiny_base

    out = tmp_path_factory.mktemp("tiny") / "tiny-base"
    assert tiny_base.main(["--out", str(out), "--vocab", "512"]) == 0
    return out


def overrides(tiny: Path, **extra: object) -> dict:
    data = yaml.safe_load((ROOT / "tiny-run.yaml").read_text())
    data["training"]["base_model"] = str(tiny)
    data["manifest"]["pipeline"]["generate"]["conversations"] = 16
    data["manifest"]["pipeline"]["eval"]["personas"] = 4
    data["manifest"]["pipeline"]["train"]["max_steps"] = 4
    for key, value in extra.items():
        data[key] = value
    return data


@pytest.fixture
def work(tmp_path: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd = a fresh run directory holding project/ (the worked example) and tiny.yaml."""
    shutil.copytree(template_dir("worked-example"), tmp_path / "project")
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(overrides(tiny_model)))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def args(*extra: str) -> list[str]:
    return ["--project", "project", "--overrides", "tiny.yaml", "--data", "data", *extra]


@dataclass(frozen=True)
class Served:
    """A running `transformers serve` and the tiny models it answers with (see tests/servers.py)."""

    url: str
    chat: Path  # answers "<think>hm</think>Go on."
    judge: Path  # answers a fixed YES verdict inside a ```json fence
    mute: Path  # answers nothing (the first token it emits is end-of-turn)
    rambling: Path  # the random-init model as built: never ends, every reply is cut at max_tokens
    breaking: Path  # answers a text holding Unicode line breaks (U+2028, U+0085) that JSON keeps unescaped


@pytest.fixture(scope="session")
def real_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`transformers serve` on a free loopback port for the session; stopped at the end."""
    from tests.servers import forced_reply_model, transformers_serve, warm_up

    root = tmp_path_factory.mktemp("served")
    chat = forced_reply_model(tiny_model, root / "chat", "<think>hm</think>Go on.")
    judge = forced_reply_model(tiny_model, root / "judge", '```json\n{"answer": "YES", "reasoning": "ok"}\n```')
    mute = forced_reply_model(tiny_model, root / "mute", "")
    breaking = forced_reply_model(tiny_model, root / "breaking", "Line one\u2028line two\x85three.")
    with transformers_serve(root / "serve.log") as url:
        warm_up(url, chat)
        yield Served(url, chat, judge, mute, tiny_model, breaking)


def openai_backend(url: str, model: Path, **extra: object) -> dict[str, object]:
    """A `backends:` entry for the real server (few retries, short backoff: the failures here are deterministic)."""
    return {"kind": "openai", "base_url": url, "model": str(model), "max_retries": 1, "backoff": 0.05, **extra}
