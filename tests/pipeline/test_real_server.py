"""generate, assess, base-eval and evaluate against a real OpenAI-compatible server (`transformers serve`).

The server runs the tiny local model on the CPU over loopback (tests/servers.py says why this server). What a
random-init model says is exactly what the backend must survive: an empty reply is retried and then reported, a
reply cut at max_tokens likewise, a judge reply that is no verdict is an ERROR that scores nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftspec.pipeline import assess, base_eval, evaluate, generate
from ftspec.pipeline.common import read_jsonl, write_jsonl
from tests.pipeline.conftest import Served, args, openai_backend


def _configure(
    user: dict[str, Any], assistant: dict[str, Any], judge: dict[str, Any], **pipeline: dict[str, Any]
) -> None:
    tiny = yaml.safe_load(Path("tiny.yaml").read_text())
    tiny["manifest"]["backends"] = {"user_simulator": user, "assistant": assistant, "judges": [judge]}
    tiny["manifest"]["pipeline"]["generate"] = {"conversations": 1, "seed": 7, "max_turns": 1}
    tiny["manifest"]["pipeline"]["eval"] = {"personas": 2, "max_new_tokens": 8}
    for key, value in pipeline.items():
        tiny["manifest"]["pipeline"][key] = value
    Path("tiny.yaml").write_text(yaml.safe_dump(tiny))
    rubric_path = Path("project/config/rubric.yaml")
    rubric = yaml.safe_load(rubric_path.read_text())
    for cid, criterion in rubric["criteria"].items():  # two questions per transcript: a CPU server is slow
        if cid not in ("CQ1", "CQ8"):
            criterion["min_turns"] = 2
    rubric_path.write_text(yaml.safe_dump(rubric, sort_keys=False))


def _adapter(base: Path, out: Path) -> None:
    """A freshly initialised LoRA adapter: evaluate needs one, and training is not what this test is about."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base), LoraConfig(r=2, target_modules=["q_proj"]))
    model.save_pretrained(out)


@pytest.mark.slow
def test_the_stages_run_against_a_real_server(work: Path, real_server: Served) -> None:
    chat = openai_backend(real_server.url, real_server.chat, max_tokens=32)
    _configure(chat, chat, openai_backend(real_server.url, real_server.judge, max_tokens=48, temperature=0.0))
    assert generate.main(args()) == 0
    convs = read_jsonl(Path("data/conversations.jsonl"))
    (conv,) = convs
    said = [m["content"] for m in conv["messages"] if m["role"] != "system"]
    assert said == ["Go on."] * 2  # the server's reply, <think> block cut out ...
    assert conv["reasoning"] == {"1": "hm", "2": "hm"}  # ... and kept for audit
    assert len(conv["flaws_shown"]) == 1 and "communication_style" not in conv["cell"]

    assert assess.main(args("--metrics", "m/assess.json")) == 0
    assessed = json.loads(Path("m/assess.json").read_text())
    assert assessed["count"] == assessed["scored"] == 1 and assessed["errors"] == 0
    verdict = read_jsonl(Path("data/assessments.jsonl"))[0]["audit"][0]
    assert set(verdict) == {"CQ1", "CQ8"} and {v["answer"] for v in verdict.values()} == {"YES"}  # from a fence
    assert all(v["raw"].startswith("```json") and v["reasoning"] == "ok" for v in verdict.values())

    write_jsonl(Path("data/eval_personas.jsonl"), convs)  # split is not under test here
    assert base_eval.main(args("--report", "base.md", "--metrics", "m/base.json")) == 0
    assert json.loads(Path("m/base.json").read_text())["scored"] == 1
    _adapter(real_server.rambling, Path("models/adapter"))
    assert evaluate.main(args("--adapter", "models/adapter", "--report", "r.md", "--metrics", "m/eval.json")) == 0
    assert json.loads(Path("m/eval.json").read_text())["n"] == 1


@pytest.mark.slow
def test_what_the_real_server_gets_wrong_is_reported_not_accepted(
    work: Path, real_server: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    url = real_server.url
    judge = openai_backend(url, real_server.judge, max_tokens=48)
    old = Path("data/conversations.jsonl")
    old.parent.mkdir()
    old.write_text("".join(json.dumps({"id": f"conv-{i:05d}", "fingerprint": "earlier"}) + "\n" for i in range(2)))
    before = old.read_bytes()

    _configure(openai_backend(url, real_server.mute), openai_backend(url, real_server.chat), judge)
    assert generate.main(args()) == 1
    assert "the server returned an empty completion on all 2 attempts" in capsys.readouterr().err
    assert old.read_bytes() == before  # nothing made, nothing dropped

    _configure(openai_backend(url, real_server.rambling, max_tokens=8), openai_backend(url, real_server.chat), judge)
    assert generate.main(args()) == 1
    assert "the completion stopped at max_tokens (8) on all 2 attempts" in capsys.readouterr().err
    assert old.read_bytes() == before

    transcript = [{"role": "user", "content": "My manager ignores me."}, {"role": "assistant", "content": "How so?"}]
    write_jsonl(old, [{"id": "conv-00000", "messages": transcript}])
    not_a_judge = openai_backend(url, real_server.chat, max_tokens=32)  # answers prose, never a verdict
    _configure(judge, judge, not_a_judge)
    assert assess.main(args("--metrics", "m.json")) == 1
    assert "1 of 1 judged records have ERROR verdicts (100.0% > pipeline.judging.max_error_rate 5.0%)" in (
        capsys.readouterr().err
    )
    assessed = json.loads(Path("m.json").read_text())
    assert assessed["errors"] == 1 and assessed["scored"] == 0 and assessed["pass_rate"] == 0.0
    audit = read_jsonl(Path("data/assessments.jsonl"))[0]["audit"][0]
    assert {v["raw"] for v in audit.values()} == {"<think>hm</think>Go on."}

    _configure(judge, judge, not_a_judge, judging={"max_error_rate": 1.0})
    assert assess.main(args("--metrics", "m.json")) == 0  # tolerated, still counted, still not a pass
    assert json.loads(Path("m.json").read_text())["errors"] == 1


@pytest.mark.slow
def test_replies_holding_unicode_line_breaks_survive_every_stage_that_reads_them(
    work: Path, real_server: Served
) -> None:
    """A model may say U+2028 or U+0085; the stages write them unescaped (ensure_ascii=False) and once cut the
    record there when they read the file back, so assess (and a resumed generate) stopped on a line they wrote."""
    url = real_server.url
    breaking = openai_backend(url, real_server.breaking, max_tokens=32)
    _configure(breaking, breaking, openai_backend(url, real_server.judge, max_tokens=48, temperature=0.0))
    assert generate.main(args()) == 0
    assert "\u2028" in Path("data/conversations.jsonl").read_text(encoding="utf-8")
    (conv,) = read_jsonl(Path("data/conversations.jsonl"))
    assert [m["content"] for m in conv["messages"] if m["role"] != "system"] == ["Line one\u2028line two\x85three."] * 2
    assert generate.main(args()) == 0  # resumed: the checkpoint reads its own record back
    assert assess.main(args("--metrics", "m.json")) == 0
    assert json.loads(Path("m.json").read_text())["scored"] == 1
