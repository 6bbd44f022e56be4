# ftspec: the two quickstart targets (`make example`, `make test`) need only python3, git and make.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Every install goes through constraints.txt, which pins torch==2.13.0 (CPU): an unpinned torch pulls
# gigabytes of CUDA wheels.
PIP := $(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt
EXAMPLE ?= example

.PHONY: example test pipeline lint bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Core install: what `ftspec check` needs (no ML stack).
$(VENV)/.core: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

# Everything the tests need: torch first (pinned), then the data/train/pipeline/dev extras.
$(VENV)/.dev: $(VENV)/.core
	$(PIP) torch==2.13.0
	$(PIP) -e '.[data,train,pipeline,dev]'
	touch $@

## make example: scaffold the worked example, check it, then show what a failing gate looks like.
example: $(VENV)/.core
	@test -e $(EXAMPLE)/ftspec.yaml || $(BIN)/ftspec init $(EXAMPLE) --template worked-example --git
	$(BIN)/ftspec check $(EXAMPLE)
	@echo
	@echo "--- the same project with edge cases at 30% of the taxonomy (a failing gate):"
	@tmp=$$(mktemp -d) && $(BIN)/ftspec init $$tmp/broken --template worked-example --no-git >/dev/null && \
	  sed -i.bak 's/weight: 0.15/weight: 0.30/' $$tmp/broken/config/input-taxonomy.yaml && \
	  ( $(BIN)/ftspec check $$tmp/broken -k taxonomy; echo "exit code: $$? (1 = a gate failed)" ); rm -rf $$tmp

## make test: install everything the tests need and run the whole suite.
test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

## make pipeline: the worked example on a tiny local model (CPU, no server, no download), twice:
##   1. the tested path: a project made by `ftspec init`, shrunk by tiny-run.yaml into its own spec files, run with
##      its own dvc.yaml (`ftspec init --dvc`, `dvc repro`), then `ftspec check` on the project with its data;
##   2. the root dvc.yaml demo, which refreshes the committed dvc.lock, metrics/ and plots/.
PIPELINE_PROJECT ?= build/pipeline-project
GIT_ID := -c user.name=ftspec -c user.email=ftspec@localhost
pipeline: $(VENV)/.dev
	rm -rf $(PIPELINE_PROJECT)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ftspec init $(PIPELINE_PROJECT) --template worked-example --git --dvc
	cd $(PIPELINE_PROJECT) && export PATH="$(CURDIR)/$(BIN):$$PATH" && \
	  ftspec run tiny-base --out models/tiny-base --shrink . --overrides $(CURDIR)/tiny-run.yaml && \
	  git $(GIT_ID) commit -qam "Shrink onto the tiny local model (tiny-run.yaml)" && \
	  dvc repro && dvc metrics show && ftspec check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc metrics show

lint: $(VENV)/.dev
	$(BIN)/ruff check ftspec tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/check_latency.py
