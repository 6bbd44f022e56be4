#!/usr/bin/env bash
# Download the wheels a GPU machine without internet lacks into .whl/ (Python 3.12, manylinux x86_64): the
# training stack and its dependencies, pinned to the versions of the local venv so the benchmark runs the same
# libraries (about 190 MB). torch and its CUDA libraries are not downloaded: the GPU machine's own CUDA build of
# torch is used. Install there with:
#   pip install --no-index --find-links .whl ftspec trl peft bitsandbytes accelerate datasets
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
PACKAGES=(trl peft bitsandbytes accelerate datasets transformers tokenizers huggingface-hub safetensors hf-xet
          pyarrow dill xxhash multiprocess fsspec scipy tqdm pydantic pydantic-core gitpython gitdb smmap
          ruamel.yaml click pyyaml pandas numpy)
# The packages and everything they require (recursively, as installed here), minus torch and its CUDA libraries.
pins=$("$PYTHON" - "${PACKAGES[@]}" <<'PY'
import importlib.metadata as m, re, sys
from packaging.requirements import Requirement
SKIP = re.compile(r"^(torch|triton|nvidia-.*|cuda-.*)$")
todo, seen = [n.lower() for n in sys.argv[1:]], {}
while todo:
    name = re.sub(r"[-_.]+", "-", todo.pop())
    if name in seen or SKIP.match(name):
        continue
    try:
        dist = m.distribution(name)
    except m.PackageNotFoundError:
        seen[name] = name
        continue
    seen[name] = f"{name}=={dist.version}"
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": "", "python_version": "3.12", "python_full_version": "3.12.0"}):
            todo.append(req.name.lower())
print("\n".join(sorted(seen.values())))
PY
)
mkdir -p .whl
# shellcheck disable=SC2086
"$PYTHON" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl $pins
"$PYTHON" -m pip wheel --no-deps --no-build-isolation -w .whl .   # ftspec itself
ls -1 .whl | wc -l | xargs echo "wheels in .whl/:"
