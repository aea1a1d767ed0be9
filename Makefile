# The command vocabulary: README and .ci/run call these targets, nothing else.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CARGO_MANIFEST := compat_rs/Cargo.toml
RUST_SOURCES := $(shell find compat_rs/core compat_rs/py -name '*.rs' -o -name Cargo.toml) compat_rs/Cargo.toml
EXTENSION_STAMP := $(VENV)/.extension-built
DEPS_STAMP := $(VENV)/.deps-installed

.PHONY: test lint fmt rust-test py-test fuzz-env bench build clean run

test: lint rust-test py-test

# Virtualenv with the project's dev dependencies; re-run when pyproject.toml changes.
$(DEPS_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "maturin>=1.7,<2" -e '.[dev]'
	touch $@

# The Rust extension, rebuilt in release mode whenever a Rust source changes.
$(EXTENSION_STAMP): $(DEPS_STAMP) $(RUST_SOURCES)
	$(BIN)/maturin develop --release --quiet
	touch $@

build: $(EXTENSION_STAMP)

lint: $(EXTENSION_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest compat_rs --allowlist compat_rs/stubtest-allowlist.txt
	cargo fmt --manifest-path $(CARGO_MANIFEST) --all -- --check
	cargo clippy --manifest-path $(CARGO_MANIFEST) --all-targets -- -D warnings

fmt: $(DEPS_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	cargo fmt --manifest-path $(CARGO_MANIFEST) --all

rust-test:
	cargo test --manifest-path $(CARGO_MANIFEST) -p compat_core

# schemathesis in a venv of its own (it needs a newer hypothesis than .venv pins); the fuzz test in
# tests/api/test_schemathesis.py would build it too, this makes the download a step of its own.
fuzz-env: $(DEPS_STAMP)
	$(BIN)/python -m tests.fuzz.toolenv

py-test: $(EXTENSION_STAMP) fuzz-env
	$(BIN)/pytest

run: $(EXTENSION_STAMP)
	$(BIN)/schema-registry serve --store sqlite:///registry.db --host 127.0.0.1 --port 8000 --seed schemas/

bench: $(EXTENSION_STAMP)
	$(BIN)/python loadtests/bench_compat.py

clean:
	rm -rf $(VENV) .venv-schemathesis compat_rs/target compat_rs/*.so
