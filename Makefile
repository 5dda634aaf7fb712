# Two commands do all the set-up (see README.md): `make test` and `make demo`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_SNAPSHOT ?= $(lastword $(sort $(wildcard trained_models/mnist/[0-9]*)))
DEMO_OUT ?= result.mp4

.PHONY: install test test-all demo
install:
	bash scripts/install.sh

test: install
	$(PY) -m pytest

test-all: install
	$(PY) -m pytest -m ""

demo: install
	$(PY) demo.py movie $(DEMO_SNAPSHOT) $(DEMO_OUT) --without_dataset
