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

# (Re)install when requirements change; creates .venv if missing.
$(STAMP): requirements.txt code/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

env: $(STAMP)

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

test-jax: $(JAX_STAMP)
	@t=$$(date +%s); \
	echo "== JAX 1/2: unit tests (KERAS_BACKEND=jax)"; \
	$(JAX_PYTEST) tests/unit --ignore=tests/unit/test_nbval_cache.py \
	  || { echo "make test-jax: FAILED at the unit tests"; exit 1; }; \
	echo "== JAX 2/2: every notebook (nbval, KERAS_BACKEND=jax)"; \
	$(JAX_PYTEST) --nbval-lax --nbval-current-env book \
	  || { echo "make test-jax: FAILED at the notebooks"; exit 1; }; \
	echo "make test-jax: passed in $$(( $$(date +%s) - t )) s"
