# The command vocabulary: README and .ci/run call these targets, nothing else.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CARGO_MANIFEST := compat_rs/Cargo.toml
RUST_SOURCES := $(shell find compat_rs/core compat_rs/py -name '*.rs' -o -name Cargo.toml) compat_rs/Cargo.toml
EXTENSION_STAMP := $(VENV)/.extension-built
DEPS_STAMP := $(VENV)/.deps-installed

.PHONY: test lint fmt rust-test py-test fuzz-env etcd monitoring-tools cpp-toolchain browser cpp-example bench bench-validation bench-memory build wheel clean run

test: lint rust-test py-test

# Virtualenv with the project's dev dependencies; re-run when pyproject.toml changes.
$(DEPS_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "maturin>=1.7,<2" -e '.[dev,gx]'
	touch $@

# The Rust extension, rebuilt in release mode whenever a Rust source changes.
$(EXTENSION_STAMP): $(DEPS_STAMP) $(RUST_SOURCES)
	$(BIN)/maturin develop --release --quiet
	touch $@

build: $(EXTENSION_STAMP)

# The wheel the Dockerfile builds, by the same command (tests/k8s/test_dockerfile.py runs it too).
wheel: $(DEPS_STAMP)
	$(BIN)/maturin build --release --locked --out dist

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

# $(call apt_install,TARGET,PACKAGES,CHECK): installs Debian PACKAGES unless the shell test CHECK
# already passes. The tests start their own etcd (and never a system prometheus), so the packages'
# services are kept from starting while they install: a policy-rc.d answering 101 ("not allowed")
# is how Debian's invoke-rc.d and deb-systemd-invoke are told so; one the machine already has is
# left as it is.
define apt_install
	@if $(3); then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make $(1): installing $(2) needs root;" \
			"run 'sudo make $(1)' or 'sudo apt-get install $(2)'" >&2; \
		exit 1; \
	fi; \
	if [ ! -e /usr/sbin/policy-rc.d ]; then \
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; \
		chmod 755 /usr/sbin/policy-rc.d; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt_install="apt-get install -y --no-install-recommends $(2)"; \
	$$apt_install || { apt-get update && $$apt_install; }
endef

# Debian's real etcd for the etcd backend's tests: etcd-server has etcd, etcd-client etcdctl.
etcd:
	$(call apt_install,etcd,etcd-server etcd-client,command -v etcd >/dev/null && command -v etcdctl >/dev/null)

# g++ and nlohmann-json for the C++ example (Arrow C++ comes from the pyarrow wheel);
# tests/examples/test_cpp_example.py fails without them.
cpp-toolchain:
	$(call apt_install,cpp-toolchain,g++ nlohmann-json3-dev pkg-config,command -v g++ >/dev/null && [ -f /usr/include/nlohmann/json.hpp ])

cpp-example: $(DEPS_STAMP) cpp-toolchain
	PYTHON=$(BIN)/python examples/build_cpp.sh build

# promtool (Debian's prometheus) for tests/monitoring/test_rules.py.
monitoring-tools:
	$(call apt_install,monitoring-tools,prometheus,command -v promtool >/dev/null)

# Debian's Chromium for tests/e2e (driven by Playwright with executable_path; no browser download).
browser:
	$(call apt_install,browser,chromium,[ -x /usr/bin/chromium ])

py-test: etcd monitoring-tools cpp-toolchain browser $(EXTENSION_STAMP) fuzz-env
	$(BIN)/pytest

# Authentication is on: the quickstart signs tokens with a secret of its own, made once, readable
# by this user only, and never committed (README: "Tokens").
DEV_SECRET := .dev-jwt-secret
$(DEV_SECRET):
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@

run: $(EXTENSION_STAMP) $(DEV_SECRET)
	SCHEMA_REGISTRY_JWT_SECRET="$$(cat $(DEV_SECRET))" \
		$(BIN)/schema-registry serve --store sqlite:///registry.db --host 127.0.0.1 --port 8000 --seed schemas/

bench: $(EXTENSION_STAMP)
	$(BIN)/python loadtests/bench_compat.py

bench-validation: $(EXTENSION_STAMP)
	$(BIN)/python loadtests/bench_validation.py

bench-memory: $(EXTENSION_STAMP)
	$(BIN)/python loadtests/bench_memory.py --check

clean:
	rm -rf $(VENV) .venv-schemathesis compat_rs/target compat_rs/*.so
