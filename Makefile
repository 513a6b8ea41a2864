# anfang — two commands: `make run` (the demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup debs demo-debs services lint typecheck pytest bench bench-sia bench-recording bench-face bench-patrol bench-parking bench-console bench-uplink bench-district bench-compliance clean

run: setup demo-debs  ## start the demo community; console at http://127.0.0.1:8080
	$(BIN)/anfang demo

test: setup debs services lint typecheck pytest  ## everything CI runs

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

debs:
	@scripts/debian-packages.sh test

demo-debs:
	@scripts/debian-packages.sh demo

services:
	@scripts/services.sh

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q -rs -p no:cacheprovider

bench: setup services
	$(BIN)/python -m bench.pipeline

# The other benchmarks, one command each (they read ../shared/datasets or ANFANG_BENCH_*).
bench-sia: setup
	$(BIN)/python -m bench.sia

bench-recording: setup debs
	$(BIN)/python -m bench.recording

# The peer, face_recognition, is installed without its dependencies: it would build dlib
# from source; dlib-bin (ours) provides the module.
bench-face: setup
	$(BIN)/python -m pip install -q --no-deps face_recognition
	$(BIN)/python -m bench.face

bench-patrol: setup
	$(BIN)/python -m bench.patrol

bench-parking: setup
	$(BIN)/python -m bench.parking

bench-console: setup
	bash scripts/debian-packages.sh bench
	$(BIN)/python -m bench.console

bench-uplink: setup
	$(BIN)/python -m bench.uplink

bench-compliance: setup  ## the compliance checker over 200 buildings, 2,000 devices, 30 days
	$(BIN)/python -m bench.compliance

bench-district: setup services
	$(BIN)/python -m bench.district

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
