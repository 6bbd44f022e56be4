"""A real OpenAI-compatible server for tests: Hugging Face's `transformers serve`, on a free loopback port.

Why this server: it is written independently of ftspec (by the transformers team), serves any local model folder
on the CPU with no GPU and no download, and its extra dependencies (fastapi, uvicorn, openai) are small pure-Python
wheels. llama.cpp's server needs a C++ build and a GGUF conversion; vLLM's CPU build is gigabytes.

The models it serves here are the tiny random-init Llama (`ftspec run tiny-base`) and copies of it whose
generation_config.json carries a `sequence_bias` that forces one fixed reply (see `forced_reply_model`): the
server still tokenizes the chat, runs the model and decodes its tokens; the bias only makes the random model say
something we can assert on. Started without `force_model`, the server loads each folder named in a request's
`model`, so one process serves them all.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from ftspec.pipeline.common import OFFLINE_ENV

STARTUP_TIMEOUT = 180.0  # seconds: importing torch + transformers on 2 busy cores
LAUNCH = (
    "import sys\n"
    "from transformers.cli.serve import Serve\n"
    "Serve(host='127.0.0.1', port=int(sys.argv[1]), device='cpu', dtype='float32', log_level='warning',"
    " default_seed=0)\n"
)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def transformers_serve(log: Path, timeout: float = STARTUP_TIMEOUT) -> Iterator[str]:
    """Run `transformers serve` on a free loopback port; yield its /v1 base URL; stop it on exit."""
    port = free_port()
    env = {**os.environ, **OFFLINE_ENV}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        _wait_healthy(proc, port, log, timeout)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def warm_up(url: str, model: Path, timeout: float = STARTUP_TIMEOUT) -> None:
    """One request, so the server's one-time cost (its first model load, ~25 s on a busy CPU) is paid here."""
    body = json.dumps({"model": str(model), "messages": [{"role": "user", "content": "hi"}], "max_tokens": 64})
    request = urllib.request.Request(f"{url}/chat/completions", body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        reply.read()


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"transformers serve exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"transformers serve did not answer /health within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


def forced_reply_model(base: Path, out: Path, text: str) -> Path:
    """A copy of ``base`` whose generation config makes it answer exactly ``text`` (then end), on any prompt.

    Each step's bias is anchored on the token that ends the generation prompt plus everything forced so far, and
    grows with the match length, so a shorter accidental match inside the text never wins.
    """
    from transformers import AutoTokenizer, GenerationConfig

    shutil.copytree(base, out, dirs_exist_ok=True)
    tok = AutoTokenizer.from_pretrained(base)
    prompt = tok.apply_chat_template([{"role": "user", "content": "x"}], add_generation_prompt=True, tokenize=False)
    anchor = tok.encode(prompt, add_special_tokens=False)[-1]
    target = [*tok.encode(text, add_special_tokens=False), tok.eos_token_id]
    bias = [[[anchor, *target[: i + 1]], 100.0 + 10.0 * i] for i in range(len(target))]
    config = GenerationConfig.from_pretrained(base) if (base / "generation_config.json").is_file() else None
    config = config or GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    config.sequence_bias = bias
    config.save_pretrained(out)
    return out
