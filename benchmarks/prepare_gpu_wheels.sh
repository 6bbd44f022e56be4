#!/usr/bin/env bash
# Download the wheels a GPU machine without internet lacks into .whl/ (Python 3.12, manylinux x86_64): the
# training stack and its dependencies, pinned to the versions of the local venv so the benchmark runs the same
# libraries (about 190 MB). torch and its CUDA libraries are not downloaded: the GPU machine's own CUDA build of
# torch is used. Install there with:
#   pip install --no-index --find-links .whl ftspec trl peft bitsandbytes accelerate datasets
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
# Packages the GPU image already has (device KINDS.md lists them): not carried, since a call carries at most
# 64 MiB. pyarrow (55 MB) is kept: datasets needs pyarrow>=24, so check the image's version first
# (`python3 -c "import pyarrow; print(pyarrow.__version__)"` there) and add it here when it is new enough.
ON_IMAGE="${ON_IMAGE:-numpy scipy pandas transformers tokenizers huggingface-hub hf-xet safetensors fsspec tqdm click pyyaml jinja2 markupsafe psutil packaging filelock requests regex urllib3 idna certifi charset-normalizer typing-extensions pygments rich}"
PACKAGES=(trl peft bitsandbytes accelerate datasets transformers tokenizers huggingface-hub safetensors hf-xet
          pyarrow dill xxhash multiprocess fsspec scipy tqdm pydantic pydantic-core gitpython gitdb smmap
          ruamel.yaml click pyyaml pandas numpy)
# The packages and everything they require (recursively, as installed here), minus torch and its CUDA libraries.
pins=$(ON_IMAGE="$ON_IMAGE" "$PYTHON" - "${PACKAGES[@]}" <<'PY'
import importlib.metadata as m, os, re, sys
from packaging.requirements import Requirement
SKIP = re.compile(r"^(torch|triton|nvidia-.*|cuda-.*)$")
ON_IMAGE = set(os.environ.get("ON_IMAGE", "").split())
todo, seen = [n.lower() for n in sys.argv[1:]], {}
while todo:
    name = re.sub(r"[-_.]+", "-", todo.pop())
    if name in seen or SKIP.match(name) or name in ON_IMAGE:
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
du -sh .whl | cut -f1 | xargs echo "size (a device call carries at most 64 MiB):"
