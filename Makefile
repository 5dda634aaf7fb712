# Two commands do all the set-up (see README.md): `make test` and `make demo`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_SNAPSHOT ?= $(lastword $(sort $(wildcard trained_models/mnist/[0-9]*)))
DEMO_OUT ?= result.mp4

.PHONY: install install-test test test-all demo
install:
	bash scripts/install.sh

install-test:
	bash scripts/install.sh --test

test: install-test
	$(PY) -m pytest

test-all: install-test
	$(PY) -m pytest -m ""

demo: install
	$(PY) demo.py movie $(DEMO_SNAPSHOT) $(DEMO_OUT) --without_dataset
