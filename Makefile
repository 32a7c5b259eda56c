# Two commands for a fresh machine with Python 3.11:
#   make demo   install into .venv, generate data/synthetic, pre-train,
#               fine-tune and test HiCMAE-Tiny on it
#   make test   install into .venv (with test tools), then run the tests
# and, for the inner loop: make test-fast (skips the tests marked slow) and
# make lint (flake8 + isort, settings in setup.cfg).
# Both create .venv inside the checkout on first use and reuse it after.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_ARGS ?=
STAMP := $(VENV)/.hicmae-installed

.PHONY: install demo test test-fast lint clean

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "hicmae needs Python >= 3.10"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel

$(STAMP): $(VENV)/bin/python setup.py requirements/runtime.txt requirements/tests.txt requirements/constraints.txt
	$(PY) -m pip install $(PIP_ARGS) -c requirements/constraints.txt -e '.[tests]'
	touch $(STAMP)

install: $(STAMP)

# generate data, pre-train, fine-tune, test, extract features, draw the
# pictures: everything under work_dirs/demo/ (see tools/demo.py)
demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest -q tests

# everything but the end-to-end, FSDP, multi-process, kill and real-face
# tests (marked slow in the test files)
test-fast: $(STAMP)
	$(PY) -m pytest -q -m 'not slow' tests

LINT_PATHS := hicmae tools tests
lint: $(STAMP)
	$(VENV)/bin/flake8 $(LINT_PATHS)
	$(VENV)/bin/isort --check-only --diff $(LINT_PATHS)

clean:
	rm -rf $(VENV) work_dirs build *.egg-info
