# attnrepro — two commands for a fresh machine: `make test` and `make reproduce`.
# Each creates the project venv (.venv) and installs the package with its dev requirements on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export TORCH_EXTENSIONS_DIR ?= $(CURDIR)/build/torch_extensions
export MPLBACKEND := Agg
PROFILE ?= quick
PAPERS ?=
WORKERS ?= 2

.PHONY: help venv test check-sync nbtest reproduce export clean-nbs clean

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n", $$1, $$2}'
	@echo "  variables: PROFILE=smoke|quick|full (reproduce; default quick), PAPERS='bicubic lcoan ...', WORKERS=2 (test)"

# editable_mode=compat puts the repository root on sys.path, so that a clone named `attnrepro` in the working directory
# is not imported as a namespace package in place of the package (its results/ folder would shadow attnrepro.results).
$(VENV)/.installed: settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 'setuptools<81' wheel
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q --no-build-isolation -e '.[dev]' --config-settings editable_mode=compat
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

venv: $(VENV)/.installed  ## create .venv and install attnrepro with its dev requirements

check-sync: venv  ## fail if nbdev_export would change the package or a notebook is not clean
	$(BIN)/python scripts/check_sync.py

nbtest: venv  ## run every notebook's tests (nbdev_test), print 'N passed, N failed'
	OMP_NUM_THREADS=1 $(BIN)/python scripts/test_nbs.py --workers $(WORKERS)

test: check-sync nbtest  ## the test command (what .ci/run calls)

reproduce: venv  ## run the experiment notebooks with papermill (PROFILE, PAPERS) and rebuild results/README.md
	$(BIN)/python scripts/reproduce.py --profile $(PROFILE) $(if $(PAPERS),--papers $(PAPERS),)

export: venv  ## nbdev_clean + nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export

clean:  ## remove build products (keeps .venv and results)
	rm -rf build _proc _docs

.PHONY: docs docs-check
DOCS_PROFILE ?=

$(VENV)/.docs-installed: requirements-docs.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q -r requirements-docs.txt
	touch $@

docs: venv $(VENV)/.docs-installed  ## build the static site _site/ (home = results/README.md, executed notebooks, API); DOCS_PROFILE=smoke|quick|full
	$(BIN)/python scripts/build_docs.py $(if $(DOCS_PROFILE),--profile $(DOCS_PROFILE),)

docs-check: docs  ## open every page of _site/ in headless Chromium (apt-get installs it if missing); screenshots in _site/_screenshots/
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)
	$(BIN)/python scripts/check_docs.py
