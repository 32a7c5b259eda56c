# Two commands for a fresh machine with Python 3.11:
#   make demo   install into .venv, generate data/synthetic, pre-train,
#               fine-tune and test HiCMAE-Tiny on it
#   make test   install into .venv (with test tools), then run the tests
# Both create .venv inside the checkout on first use and reuse it after.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_ARGS ?=
STAMP := $(VENV)/.hicmae-installed

.PHONY: install demo test clean

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

clean:
	rm -rf $(VENV) work_dirs build *.egg-info
