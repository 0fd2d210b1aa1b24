# Everything a reader or maintainer runs. Two commands do it all on a fresh machine:
#   make book   set up .venv if needed, build the HTML book into _build/html
#   make test   set up .venv if needed, then lint, unit tests, every notebook once
#               (nbval), the warning-free build from those runs and the checks of
#               the built pages, stopping at the first failure; each step is timed
# Also: make test-robust (every chapter that reads the reviews, under each data
# condition), make lint / make format (ruff), make lab (JupyterLab),
# make bench (timings), make clean, make pdf (the whole book as one PDF; make
# test-pdf checks it), make linkcheck (every external link; needs the internet).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
JB_FLAGS := -W -n --keep-going
# Tests never download: they use the offline stand-in (see book/index.md), under the
# default data condition unless a target says otherwise.
TEST_ENV := REGBOOK_DATA=synthetic REGBOOK_CONDITION=default
# The other data conditions (regbook.data.CONDITIONS) that make test-robust runs.
CONDITIONS ?= seed-b seed-c train-4000 vocab-500 hard
# The ones .ci/run affords on every push (make test-robust-quick): the
# two that change the data most (noisier labels and a weaker signal; small
# splits, as in a 4,000-review slice of IMDB). All five run every night
# (.github/workflows/nightly.yml).
CI_CONDITIONS := hard train-4000
# nbval, with the plugin that stores each passing notebook's outputs in the book's
# execution cache, so that the build does not execute the notebooks again.
NBVAL := PYTHONPATH=tests/notebooks $(PYTEST) -p nbval_cache --nbval-lax \
	--nbval-current-env -p no:cacheprovider
# The chapters whose code reads the reviews (load_imdb): the ones that data
# conditions can change.
DATA_CHAPTERS = $(shell $(BIN)/python tests/notebooks/chapters.py --data)
RUFF_PATHS := code tests benchmarks book
# Keep TensorFlow's C++ start-up notices out of the build log and the kernels.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0

.PHONY: env book test test-lint test-unit test-notebooks test-build test-site \
	test-robust lint format lab bench clean mutation pdf test-pdf tex linkcheck

# The environment. requirements.txt says what the book needs (ranges); the lock,
# requirements-lock.txt, pins every package with its hashes (Linux x86_64, the
# Python of runtime.txt), and .venv is installed from it: pip checks every
# hash, then regbook goes in editable, without dependencies (the lock has them).
# ENV_SOURCE=newest installs the newest versions requirements.txt allows
# instead (the weekly canary: `make test ENV_SOURCE=newest`). The stamp holds a
# digest of the source and code/pyproject.toml: .venv is (re)installed when
# their content changes (not their dates, which git does not keep), and
# created if missing.
LOCK := requirements-lock.txt
ENV_TOOL := tests/env/lock.py
ENV_SOURCE ?= lock
ifeq ($(ENV_SOURCE),newest)
ENV_INPUTS := requirements.txt code/pyproject.toml
ENV_INSTALL := $(BIN)/python -m pip install --quiet --upgrade \
	--upgrade-strategy eager -r requirements.txt
else
ENV_INPUTS := $(LOCK) code/pyproject.toml
ENV_INSTALL := $(BIN)/python -m pip install --quiet --require-hashes \
	-r $(LOCK) && $(BIN)/python -m pip install --quiet --no-deps -e ./code
endif
ENV_DIGEST = { echo "$(ENV_SOURCE)"; cat $(ENV_INPUTS); } | sha256sum | cut -c1-16
env:
	@want="$$($(ENV_DIGEST))"; \
	if [ -x $(BIN)/python ] && [ "$$(cat $(STAMP) 2>/dev/null)" = "$$want" ]; \
	then exit 0; fi; \
	echo "make env: installing $(VENV) from $(firstword $(ENV_INPUTS))"; \
	{ test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); } \
	&& $(BIN)/python -m pip install --quiet --upgrade pip \
	&& $(ENV_INSTALL) \
	&& echo "$$want" > $(STAMP)

# Make the lock again from requirements.txt and code/pyproject.toml with uv
# (installed on demand into _build/tools), keeping the versions it already pins
# wherever the inputs allow them: `make lock` after editing an input reproduces
# the rest. `make lock UPGRADE=1` moves every package to the newest release the
# inputs allow. Also writes binder/requirements.txt: Binder's packages
# (tests/env/lock.py) at the lock's versions. Commit all three files.
UV_VERSION := 0.13.9
UV_DIR := _build/tools/uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
LOCK_PYTHON := $(patsubst python-%,%,$(shell cat runtime.txt))
LOCK_TARGET := --python-version $(LOCK_PYTHON) \
	--python-platform x86_64-manylinux_2_28 --no-emit-package regbook
$(UV):
	rm -rf $(UV_DIR) && $(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet uv==$(UV_VERSION)

.PHONY: lock
lock: $(UV)
	$(UV) pip compile --quiet requirements.txt -o $(LOCK) --generate-hashes \
	  $(LOCK_TARGET) --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
	$(PYTHON) $(ENV_TOOL) stamp $(LOCK)
	$(PYTHON) $(ENV_TOOL) binder-in | $(UV) pip compile --quiet - -c $(LOCK) \
	  -o binder/requirements.txt $(LOCK_TARGET) --no-header --no-annotate
	$(PYTHON) $(ENV_TOOL) binder-header binder/requirements.txt
	$(PYTHON) $(ENV_TOOL) check

# The execution cache (_build/.jupyter_cache) only notices changes in the notebooks.
# Drop it (and Sphinx's saved doctrees, which hold the old outputs) when regbook or the
# data source changes, so pages never show stale results. The key holds the source
# the chapters would read now (imdb or synthetic: under REGBOOK_DATA=auto, IMDB once
# it can be had), and a cache whose outputs say they read another source is dropped
# too (book/_ext/data_source.py).
DATA_SOURCE = $(BIN)/python book/_ext/data_source.py
CACHE_GUARD = mkdir -p _build; \
	source="$$($(DATA_SOURCE))" || exit 1; \
	key="$$(cat code/regbook/*.py code/pyproject.toml | sha256sum | cut -c1-16)-$${REGBOOK_DATA:-auto}:$$source-$${REGBOOK_CONDITION:-default}"; \
	if [ "$$(cat _build/.cache-key 2>/dev/null)" != "$$key" ] \
	    || ! $(DATA_SOURCE) --check _build/.jupyter_cache --expect "$$source"; then \
	  echo "execution cache: dropped (new key $$key)"; \
	  rm -rf _build/.jupyter_cache _build/.doctrees; echo "$$key" > _build/.cache-key; fi

book: env
	@$(CACHE_GUARD)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is in _build/html/index.html"

# The steps of make test, in order; each one is timed.
TEST_STEPS := lint unit notebooks build site

test: env
	@total=$$(date +%s); n=0; \
	for step in $(TEST_STEPS); do \
	  n=$$((n + 1)); t=$$(date +%s); \
	  $(MAKE) --no-print-directory test-$$step \
	    || { echo "make test: FAILED at step $$n/5, test-$$step"; exit 1; }; \
	  echo "== test-$$step passed in $$(( $$(date +%s) - t )) s"; \
	done; \
	echo "make test: all 5 steps passed in $$(( $$(date +%s) - total )) s"

test-lint: env
	@echo "== step 1/5: ruff (formatting and lint, 80 columns, notebooks included)"
	$(BIN)/ruff format --check $(RUFF_PATHS)
	$(BIN)/ruff check $(RUFF_PATHS)

lint: test-lint

format: env
	$(BIN)/ruff format $(RUFF_PATHS)
	$(BIN)/ruff check --fix $(RUFF_PATHS)

test-unit: env
	@echo "== step 2/5: unit tests of regbook and the repository"
	$(TEST_ENV) $(PYTEST) tests/unit

# Runs every chapter once and stores what it printed and drew in the execution
# cache (after dropping a cache that is stale), for step 4 to reuse.
test-notebooks: env
	@echo "== step 3/5: every notebook run top to bottom (nbval), outputs cached"
	@export $(TEST_ENV); $(CACHE_GUARD)
	$(TEST_ENV) $(NBVAL) --nbval-cache=_build/.jupyter_cache book

test-build: env
	@echo "== step 4/5: book build, warnings as errors (notebooks from the cache)"
	@export $(TEST_ENV); $(CACHE_GUARD)
	$(TEST_ENV) $(BIN)/jupyter-book build . $(JB_FLAGS)

test-site: env
	@echo "== step 5/5: the built pages"
	$(TEST_ENV) $(PYTEST) tests/site

# Every chapter that reads the reviews, under each other data condition (the default
# one is make test's). Each condition runs the chapters once, with nbval; a failing
# cell under any condition fails the target. The log of each condition is kept in
# _build/robust/.
test-robust: env
	@mkdir -p _build/robust; total=$$(date +%s); failed=""; \
	echo "== data conditions: $(CONDITIONS); chapters: $(notdir $(DATA_CHAPTERS))"; \
	for c in $(CONDITIONS); do \
	  t=$$(date +%s); \
	  if REGBOOK_DATA=synthetic REGBOOK_CONDITION=$$c $(NBVAL) $(DATA_CHAPTERS) \
	      > _build/robust/$$c.log 2>&1; then \
	    echo "== condition $$c passed in $$(( $$(date +%s) - t )) s"; \
	  else \
	    echo "== condition $$c FAILED in $$(( $$(date +%s) - t )) s:"; \
	    grep -E "^(FAILED|ERROR)|AssertionError|Error:" _build/robust/$$c.log \
	      | head -20; \
	    failed="$$failed $$c"; \
	  fi; \
	done; \
	echo "make test-robust: $$(( $$(date +%s) - total )) s"; \
	if [ -n "$$failed" ]; then \
	  echo "make test-robust: FAILED under:$$failed (logs in _build/robust/)"; \
	  exit 1; \
	fi

# What .ci/run affords of the data conditions on every push: CI_CONDITIONS,
# above (the nightly workflow runs them all).
.PHONY: test-robust-quick
test-robust-quick:
	@$(MAKE) --no-print-directory test-robust CONDITIONS="$(CI_CONDITIONS)"

# The whole book as one PDF: Jupyter Book's LaTeX builder (XeLaTeX, through
# sphinx-jupyterbook-latex), one chapter per _toc.yml entry, from the same
# execution cache as the HTML (notebooks already run are not run again). Writes
# _build/latex/book.pdf and a copy beside the HTML, _build/html/book.pdf (the
# Pages workflow publishes it there). Debian's TeX Live is installed first when
# missing (make tex).
PDF := _build/latex/book.pdf
pdf: env tex
	@$(CACHE_GUARD)
	$(BIN)/jupyter-book build . $(JB_FLAGS) --builder pdflatex
	@test -s $(PDF) || { echo "make pdf: no $(PDF)"; exit 1; }
	@mkdir -p _build/html && cp $(PDF) _build/html/book.pdf
	@echo "The PDF is in $(PDF) (and _build/html/book.pdf)"

# The PDF, then its checks (tests/site/test_pdf.py: a chapter per toc entry,
# each with its figures), on the offline stand-in like make test.
test-pdf: env
	@export $(TEST_ENV); $(MAKE) --no-print-directory pdf
	$(TEST_ENV) REGBOOK_PDF=$(PDF) $(PYTEST) tests/site/test_pdf.py

# Debian's TeX Live packages that the PDF needs (XeLaTeX, the fonts Sphinx
# and sphinx-jupyterbook-latex ask for, latexmk) and poppler-utils for its
# checks; installed with apt-get (sudo when not root) when one is missing. About
# 115 MB to download, 370 MB installed.
TEX_PACKAGES := latexmk texlive-xetex texlive-latex-recommended \
	texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf \
	poppler-utils
tex:
	@missing=""; for p in $(TEX_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null || { echo "make tex: install TeX Live" \
	    "(XeLaTeX, latexmk) and poppler; on Debian:$$missing"; exit 1; }; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "make tex: installing$$missing"; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	    $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

# Every external link, online (never part of make test: there is no network in
# CI): Sphinx's linkcheck builder on the pages' text, plus the addresses the
# theme builds (launch buttons and the notebooks they open, repository, issues,
# Thebe's Binder repository, footer, html.baseurl: book/_ext/linkcheck_buttons.py).
# The notebooks come from the execution cache (the stand-in's run). Report in
# _build/linkcheck/output.txt (Jupyter Book writes it into _build/html: moved
# out of the site); the scheduled workflow links.yml runs it weekly.
linkcheck: env
	@export $(TEST_ENV); $(CACHE_GUARD)
	@mkdir -p _build/linkcheck; status=0; \
	$(TEST_ENV) $(BIN)/jupyter-book build . $(JB_FLAGS) --builder linkcheck \
	  || status=$$?; \
	mv -f _build/html/output.txt _build/html/output.json _build/linkcheck/ \
	  2>/dev/null; \
	echo "make linkcheck: report in _build/linkcheck/output.txt"; exit $$status

lab: env
	$(BIN)/jupyter lab book

bench: env
	$(BIN)/python benchmarks/run.py

# Mutation testing of regbook (benchmarks/mutation/): plants one small bug at a
# time and checks that the unit tests notice. Tens of minutes on 2 cores, so never
# part of make test (a weekly workflow runs it). MODULE=penalties (or several,
# space-separated) mutates only those. cosmic-ray gets its own environment.
MUTATION_VENV := _build/mutation/venv
COSMIC_RAY := cosmic-ray==8.7.0
mutation: env
	@test -f $(MUTATION_VENV)/.$(COSMIC_RAY) || { rm -rf $(MUTATION_VENV) \
	  && $(PYTHON) -m venv $(MUTATION_VENV) \
	  && $(MUTATION_VENV)/bin/python -m pip install --quiet "$(COSMIC_RAY)" \
	  && touch $(MUTATION_VENV)/.$(COSMIC_RAY); }
	$(MUTATION_VENV)/bin/python benchmarks/mutation/run.py \
	  --python $(BIN)/python $(if $(MODULE),--modules $(MODULE))

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

# The JAX job: the unit tests and every chapter on Keras' JAX backend. It uses its
# own environment, .venv-jax (git-ignored), made from tests/requirements-jax.txt:
# Keras on JAX without TensorFlow. jax never goes into .venv, because importing
# TensorFlow imports jax whenever it is installed, which costs every chapter
# memory. Plain nbval here: JAX outputs must not enter the book's execution cache.
# The tests of the book's build tooling (jupyter-cache) are not about Keras.
JAX_VENV := .venv-jax
JAX_STAMP := $(JAX_VENV)/.installed
JAX_PYTEST := $(TEST_ENV) KERAS_BACKEND=jax $(JAX_VENV)/bin/python -m pytest \
	-p no:cacheprovider
.PHONY: test-jax
$(JAX_STAMP): tests/requirements-jax.txt code/pyproject.toml
	@test -x $(JAX_VENV)/bin/python || $(PYTHON) -m venv $(JAX_VENV)
	$(JAX_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(JAX_VENV)/bin/python -m pip install --quiet -r tests/requirements-jax.txt
	@touch $(JAX_STAMP)

# JAX_NOTEBOOKS: the notebooks run on JAX (every chapter by default; .ci/run
# uses make test-jax-quick, chapter 3 only, and the nightly workflow runs all).
JAX_NOTEBOOKS ?= book
test-jax: $(JAX_STAMP)
	@t=$$(date +%s); \
	echo "== JAX 1/2: unit tests (KERAS_BACKEND=jax)"; \
	$(JAX_PYTEST) tests/unit --ignore=tests/unit/test_nbval_cache.py \
	  || { echo "make test-jax: FAILED at the unit tests"; exit 1; }; \
	echo "== JAX 2/2: notebooks (nbval, KERAS_BACKEND=jax): $(JAX_NOTEBOOKS)"; \
	$(JAX_PYTEST) --nbval-lax --nbval-current-env $(JAX_NOTEBOOKS) \
	  || { echo "make test-jax: FAILED at the notebooks"; exit 1; }; \
	echo "make test-jax: passed in $$(( $$(date +%s) - t )) s"

# What .ci/run affords of JAX on every push: the unit tests, and chapter 3,
# the chapter about the Keras API itself.
.PHONY: test-jax-quick
test-jax-quick:
	@$(MAKE) --no-print-directory test-jax \
	  JAX_NOTEBOOKS=book/03_keras_regularizers.ipynb

# The oldest versions the book claims: the lower bounds of TensorFlow, Keras,
# NumPy, matplotlib, pandas and threadpoolctl in requirements.txt and
# code/pyproject.toml (Colab's; tests/env/lock.py lowest), installed exactly
# into their own environment, .venv-lowest (git-ignored), with regbook and
# nbval; then every chapter once, with the Makefile's nbval command (without
# --nbval-cache: these outputs stay out of the book's execution cache). The
# environment is made again when the bounds, the Python or code/pyproject.toml
# change. Colab runs Python 3.13: `make test-lowest LOWEST_PYTHON=python3.13`
# where one is installed (the default is the Python of .venv, 3.11).
LOWEST_VENV := .venv-lowest
LOWEST_PYTHON ?= $(PYTHON)
LOWEST_NBVAL = $(subst $(PYTEST),$(LOWEST_VENV)/bin/python -m pytest,$(NBVAL))
.PHONY: test-lowest
test-lowest:
	@t=$$(date +%s); pins="$$($(PYTHON) $(ENV_TOOL) lowest)" || exit 1; \
	want="$$pins; $$($(LOWEST_PYTHON) --version 2>&1); $$(sha256sum \
	  code/pyproject.toml | cut -c1-16)"; \
	if [ "$$(cat $(LOWEST_VENV)/.installed 2>/dev/null)" != "$$want" ]; then \
	  echo "== lowest 1/2: a new $(LOWEST_VENV): $$pins"; \
	  rm -rf $(LOWEST_VENV) && $(LOWEST_PYTHON) -m venv $(LOWEST_VENV) \
	  && $(LOWEST_VENV)/bin/python -m pip install --quiet --upgrade pip \
	  && $(LOWEST_VENV)/bin/python -m pip install --quiet $$pins \
	    ipykernel nbval pytest -e ./code \
	  && echo "$$want" > $(LOWEST_VENV)/.installed \
	  || { echo "make test-lowest: FAILED to install $$pins"; exit 1; }; \
	else echo "== lowest 1/2: $(LOWEST_VENV) has $$pins"; fi; \
	echo "== lowest 1/2 took $$(( $$(date +%s) - t )) s"; \
	echo "== lowest 2/2: every notebook (nbval) on the oldest versions"; \
	$(LOWEST_VENV)/bin/python -m pip list 2>/dev/null | grep -iE \
	  "^(tensorflow([-_]cpu)?|keras|numpy|matplotlib|pandas|threadpoolctl) "; \
	$(TEST_ENV) $(LOWEST_NBVAL) book \
	  || { echo "make test-lowest: FAILED at the notebooks"; exit 1; }; \
	echo "make test-lowest: passed in $$(( $$(date +%s) - t )) s"

# Binder's environment alone, as repo2docker makes it: a new .venv-binder
# (git-ignored) from binder/requirements.txt only, then binder/postBuild
# (regbook, without dependencies); its size; then nbval and pytest on top (for
# testing only) and every chapter once with the Makefile's nbval command
# (without --nbval-cache). Made again when binder/ or code/pyproject.toml
# change; postBuild runs every time, so the chapters see this regbook.
BINDER_VENV := .venv-binder
BINDER_NBVAL = $(subst $(PYTEST),$(BINDER_VENV)/bin/python -m pytest,$(NBVAL))
.PHONY: test-binder
test-binder:
	@t=$$(date +%s); \
	want="$$(cat binder/requirements.txt binder/runtime.txt \
	  code/pyproject.toml | sha256sum | cut -c1-16)"; \
	if [ "$$(cat $(BINDER_VENV)/.installed 2>/dev/null)" != "$$want" ]; then \
	  echo "== binder 1/2: a new $(BINDER_VENV) from binder/requirements.txt"; \
	  rm -rf $(BINDER_VENV) && $(PYTHON) -m venv $(BINDER_VENV) \
	  && $(BINDER_VENV)/bin/python -m pip install --quiet --no-cache-dir \
	    -r binder/requirements.txt \
	  && PATH="$(CURDIR)/$(BINDER_VENV)/bin:$$PATH" bash binder/postBuild \
	  && echo "== binder: $$(du -sm $(BINDER_VENV) | cut -f1) MB installed" \
	  && $(BINDER_VENV)/bin/python -m pip install --quiet nbval pytest \
	  && echo "$$want" > $(BINDER_VENV)/.installed \
	  || { echo "make test-binder: FAILED to install binder/"; exit 1; }; \
	else PATH="$(CURDIR)/$(BINDER_VENV)/bin:$$PATH" bash binder/postBuild \
	  >/dev/null || exit 1; fi; \
	echo "== binder 1/2 took $$(( $$(date +%s) - t )) s"; \
	echo "== binder 2/2: every notebook (nbval) in Binder's environment"; \
	$(TEST_ENV) $(BINDER_NBVAL) book \
	  || { echo "make test-binder: FAILED at the notebooks"; exit 1; }; \
	echo "make test-binder: passed in $$(( $$(date +%s) - t )) s"
