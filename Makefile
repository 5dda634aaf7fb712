# Two commands do all the set-up (see README.md): `make test` and `make demo`.
VENV ?= .venv
PY := $(VENV)/bin/python
# The best unconditional painter shipped (docs/results.md): the MNIST 7 painter, its snapshot.
DEMO_MODEL ?= trained_models/mnist7
DEMO_SNAPSHOT ?= $(DEMO_MODEL)/$(shell ls $(DEMO_MODEL) 2>/dev/null | grep -E '^[0-9]+$$' | sort -n | tail -n 1)
DEMO_OUT ?= result.mp4

.PHONY: install install-test test test-all demo
install:
	bash scripts/install.sh

install-test:
	bash scripts/install.sh --test

test: install-test
	$(PY) -m pytest -n 2

test-all: install-test
	$(PY) -m pytest -n 2 -m ""

demo: install
	$(PY) demo.py movie $(DEMO_SNAPSHOT) $(DEMO_OUT) --without_dataset
