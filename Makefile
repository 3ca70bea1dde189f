# Host commands. Everything installs into .venv from requirements.txt; nothing by hand.
VENV      := .venv
PY        := $(VENV)/bin/python
MICROPY   := $(VENV)/bin/micropython
STAMP     := $(VENV)/.installed

.PHONY: test sim bench venv schemas clean
venv: $(STAMP)
$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

## make test: every test (MicroPython unit tests and integration tests on the unix port)
test: $(STAMP)
	$(PY) -m pytest host_tests

## make sim: the agent on the unix board against the bundled development CSMS
sim: $(STAMP)
	$(PY) tools/sim.py

## make bench: figures (heap, contactor timing, bundle sizes); prints, asserts nothing
bench: $(STAMP)
	$(PY) tools/bench.py

## make schemas: regenerate the validation tables from the ocpp package's JSON schemas
schemas: $(STAMP)
	$(PY) tools/gen_schemas.py

clean:
	rm -rf $(VENV) build .pytest_cache

# bundle, deploy, console, check (the boards)
include boards.mk
