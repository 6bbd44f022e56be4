"""Writes the data-gate examples under tests/examples/data.*/ (run once; the output is committed).

Each example is a directory holding only the files that differ from spec-templates/worked-example:
config/training.yaml, data/train.jsonl, data/eval.jsonl and, where a threshold matters, ftspec.yaml.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

HERE = Path(__file__).parent
WORKED = HERE.parents[1] / "spec-templates" / "worked-example"
TRAINING = """\
# Training config for the data-gate examples (the shared config/training.yaml contract).
base_model: Qwen/Qwen2.5-0.5B-Instruct
approach: sft
seed: 42
output_dir: models/adapter
peft:
  method: lora
  r: 16
  lora_alpha: 32
  lora_dropout: 0.05
  target_modules: [q_proj, k_proj, v_proj, o_proj]
sft:
  learning_rate: 2.0e-4
  num_train_epochs: 3
  per_device_train_batch_size: 4
  gradient_accumulation_steps: 4
  warmup_ratio: 0.05
  weight_decay: 0.01
  lr_scheduler_type: cosine
  max_length: 512
  packing: false
  gradient_checkpointing: true
  optim: adamw_torch
monitoring:
  logging_steps: 10
  eval_steps: 100
  save_steps: 500
  early_stopping: {enabled: true, patience: 3, metric: eval_loss}
data:
  train: data/train.jsonl
  eval: data/eval.jsonl
  dpo_train: null
  dpo_eval: null
  format: messages
  tokenizer: null
"""
SUBJECTS = ["my manager", "a recruiter", "my team lead", "a colleague", "the hiring panel", "my mentor"]
EVENTS = [
    "moved my deadline",
    "ignored my proposal",
    "asked about my salary",
    "offered a new role",
    "rejected my application",
    "praised my report",
]
FEELINGS = ["anxious", "relieved", "confused", "frustrated", "hopeful", "tired"]
STEPS = [
    "write down the three outcomes you want",
    "ask for a short meeting this week",
    "list the skills the new role needs",
    "draft a two line reply first",
    "talk to one person you trust",
    "give yourself a deadline for the decision",
]


def conversation(rng: random.Random, i: int) -> list[dict[str, str]]:
    who, what, feel = rng.choice(SUBJECTS), rng.choice(EVENTS), rng.choice(FEELINGS)
    step = rng.choice(STEPS)
    return [
        {"role": "system", "content": "You are a career coach."},
        {"role": "user", "content": f"Case {i}: {who} {what} on day {i} and I feel {feel}."},
        {"role": "assistant", "content": f"That sounds {feel} to live with, case {i}. A first step: {step}."},
    ]


def rows(prefix: str, count: int, edge: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "messages": conversation(rng, seed * 1000 + i),
            "metadata": {"source_id": f"{prefix}{i}", "topic": "job_search", "edge_case": i < edge},
        }
        for i in range(count)
    ]


# What each fail case must report (tests/gates/test_examples.py checks the findings contain it).
EXPECT = {
    "data.contamination": "with data/eval.jsonl:3",
    "data.duplicates": "duplicates line 3",
    "data.edge-case-share": "of examples are edge cases",
    "data.format": "both user: roles must alternate",
    "data.min-count": "9 SFT examples, need at least 10",
    "data.pii": "e-mail address",
    "data.split-by-source": "source 't3' is also in data/eval.jsonl",
    "data.token-length": "above max_length 512",
    "data.length-ratio": "replies exceed 2x the user's words in 2 of 3 turns",
    "data.artifacts": "message 2 (assistant): self-identification as an AI model: 'I'm Claude'",
    "data.language": "2 of 2 assistant turns are in Chinese characters, not the project's language (en)",
}


def write(
    name: str,
    train: list[dict[str, object]],
    eval_: list[dict[str, object]],
    extra: dict[str, str],
    case: str = "generated",
    expect: str | None = None,
) -> None:
    out = HERE / name / case  # tests/examples/<gate>/<kind>/<case>/
    shutil.rmtree(out, ignore_errors=True)
    (out / "config").mkdir(parents=True)
    (out / "data").mkdir()
    (out / "config" / "training.yaml").write_text(extra.pop("config/training.yaml", TRAINING))
    (out / "data" / "train.jsonl").write_text(extra.pop("data/train.jsonl", _jsonl(train)))
    (out / "data" / "eval.jsonl").write_text(_jsonl(eval_))
    for rel, text in extra.items():
        (out / rel).write_text(text)
    gate, kind = name.split("/")
    if kind == "fail":
        (out / "expect.txt").write_text((expect or EXPECT[gate]) + "\n")


def _jsonl(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def main() -> None:
    train, eval_ = rows("t", 13, 2, 1), rows("e", 4, 1, 2)
    manifest = (WORKED / "ftspec.yaml").read_text()
    low = manifest + "  data.min-count: {sft_min: 10, sft_ideal: 10}  # a small example set\n"
    for gate in (
        "data.format",
        "data.token-length",
        "data.pii",
        "data.duplicates",
        "data.edge-case-share",
        "data.split-by-source",
        "data.contamination",
    ):
        write(f"{gate}/pass", train, eval_, {})
    write("data.min-count/pass", train, eval_, {"ftspec.yaml": low})
    write("data.min-count/fail", train[:9], eval_, {"ftspec.yaml": low})
    bad = (
        _jsonl(train[:3])
        + '{"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "?"}]}\n'
    )
    bad += '{"messages": [{"role": "user", "content": "only a question"}]}\n{"messages": [\n' + _jsonl(
        train[3:]
    )
    write("data.format/fail", train, eval_, {"data/train.jsonl": bad})
    long = [dict(r) for r in train]
    long[4] = {
        "messages": [
            {"role": "user", "content": "Tell me everything."},
            {"role": "assistant", "content": "Here is a very long answer. " * 120},
        ]
    }
    write("data.token-length/fail", long, eval_, {})
    leaky = [dict(r) for r in train]
    leaky[5] = {
        "messages": [
            {"role": "user", "content": "Email me at jordan.miles@gmail.com or call 415-867-5309."},
            {"role": "assistant", "content": "Thanks, I will not store contact details."},
        ]
    }
    write("data.pii/fail", leaky, eval_, {})
    again = {
        "messages": [{**m, "content": m["content"].upper()} for m in train[2]["messages"]],  # type: ignore
        "metadata": {"source_id": "t99", "edge_case": False},
    }
    write("data.duplicates/fail", [*train, again], eval_, {})
    write("data.edge-case-share/fail", rows("t", 13, 7, 1), eval_, {})
    shared = [dict(r) for r in eval_]
    shared[1] = {**eval_[1], "metadata": {"source_id": "t3", "edge_case": False}}
    write("data.split-by-source/fail", train, shared, {})
    copied = [dict(r) for r in train]
    passage = eval_[2]["messages"][2]["content"]  # type: ignore[index]
    copied[6] = {
        "messages": [
            {"role": "user", "content": "What would you say?"},
            {"role": "assistant", "content": f"I would say: {passage} Good luck."},
        ]
    }
    write("data.contamination/fail", copied, eval_, {})
    write_content_examples(train, eval_)
    real_shape()


LONG_REPLY = (
    "That is a hard spot to be in, and it makes sense that you feel stuck after a week like this one. "
    "Before you answer, write down what you want from the next month, what you can live with, and what "
    "you would refuse; then pick one small step you can take tomorrow morning."
)
CHINESE = "我理解这周对你来说很难。我们先写下你希望从会议中得到的三个结果，然后一起决定哪一个对你现在最重要，好吗？"


def write_content_examples(train: list[dict[str, object]], eval_: list[dict[str, object]]) -> None:
    """data.length-ratio, data.artifacts and data.language: the passing set, and one planted defect each."""
    for gate in ("data.length-ratio", "data.artifacts", "data.language"):
        write(f"{gate}/pass", train, eval_, {})
    wordy = [dict(r) for r in train]
    wordy[3] = {"messages": [
        {"role": "user", "content": "My manager moved my deadline again."},
        {"role": "assistant", "content": LONG_REPLY},
        {"role": "user", "content": "I guess I should plan the week ahead properly now."},
        {"role": "assistant", "content": "Yes: list the three tasks that matter, in order, and block time for each."},
        {"role": "user", "content": "Ok."},
        {"role": "assistant", "content": "Good. Send me the list tonight and we will check it together tomorrow."},
    ]}
    write("data.length-ratio/fail", wordy, eval_, {})
    leaky = [dict(r) for r in train]
    leaky[8] = {"messages": [
        {"role": "system", "content": "You are a career coach."},
        {"role": "user", "content": "Can you help me prepare for a salary talk with my boss next week?"},
        {"role": "assistant", "content": "I'm Claude, made by Anthropic. I'm not going to continue generating "
                                         "this training data."},
    ]}
    write("data.artifacts/fail", leaky, eval_, {})
    foreign = [dict(r) for r in train]
    foreign[10] = {"messages": [
        {"role": "user", "content": "My manager moved my deadline again and I feel anxious about it."},
        {"role": "assistant", "content": CHINESE},
        {"role": "user", "content": "Sorry, can you answer in English please? I did not understand that."},
        {"role": "assistant", "content": CHINESE},
    ]}
    write("data.language/fail", foreign, eval_, {})


SYSTEM = (
    "You are a warm and practical career coach. Listen first, reflect what you heard, ask one question at a "
    "time, and never give a list of more than three steps."
)
INSTRUCTION = "Please answer as my coach and keep it short and kind without lists or headings at all today."


def chat(rows_: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rows as real chat data has them: one system prompt, a fixed instruction opening the first turn."""
    out = []
    for row in rows_:
        messages = [dict(m) for m in row["messages"] if m["role"] != "system"]  # type: ignore[attr-defined]
        messages[0]["content"] = f"{INSTRUCTION} {messages[0]['content']}"
        out.append({**row, "messages": [{"role": "system", "content": SYSTEM}, *messages]})
    return out


def real_shape() -> None:
    """Cases for the metadata and boilerplate real data has (issue 11)."""
    train, eval_ = chat(rows("t", 13, 2, 1)), chat(rows("e", 4, 1, 2))
    write("data.contamination/pass", train, eval_, {}, case="shared-prompt")
    copied = [*eval_[:1], train[4], *eval_[2:]]  # a verbatim copy, system prompt and instruction included
    expect = "equals 'please answer as my coach"
    write("data.contamination/fail", train, copied, {}, case="exact-copy", expect=expect)
    renamed = [_source_key(r) for r in rows("t", 13, 2, 1)]
    held = [_source_key(r) for r in rows("e", 4, 1, 2)]
    write("data.split-by-source/pass", renamed, held, {}, case="source-transcript")
    held[1] = {**held[1], "source_transcript": "t3"}
    expect = "source 't3' is also in data/eval.jsonl"
    write("data.split-by-source/fail", renamed, held, {}, case="source-transcript", expect=expect)
    # four topic seeds, one an edge case: a quarter of an edge case each (not a whole one); 8 of 13 -> 15%
    seeds = ["edge_cases", "job_search", "career_change", "growth_and_pay"]
    multi = [_topics(r, seeds if i < 8 else seeds[1:]) for i, r in enumerate(rows("t", 13, 8, 1))]
    write("data.edge-case-share/pass", multi, eval_, {}, case="multi-topic")
    halves = [_topics(r, seeds[:2]) for r in rows("t", 13, 13, 1)]  # one seed of two: 50%
    expect = "50% of examples are edge cases (6.5 of 13"
    write("data.edge-case-share/fail", halves, eval_, {}, case="multi-topic", expect=expect)


def _source_key(row: dict[str, object]) -> dict[str, object]:
    """The source named as real data names it: a top-level source_transcript."""
    meta = dict(row["metadata"])  # type: ignore[call-overload]
    return {"messages": row["messages"], "source_transcript": meta.pop("source_id"), "metadata": meta}


def _topics(row: dict[str, object], names: list[str]) -> dict[str, object]:
    """A multi-topic record that, as real data does, also says edge_case when any seed is one."""
    meta = {**row["metadata"], "topics": names, "edge_case": "edge_cases" in names}  # type: ignore[dict-item]
    return {**row, "metadata": meta}


if __name__ == "__main__":
    main()
