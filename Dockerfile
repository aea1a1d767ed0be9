# The schema registry image: a builder stage compiles the Rust extension into a wheel with
# maturin and installs it into a virtualenv; the runtime stage copies only that virtualenv onto
# a slim Python image (no compilers, no Rust, no pip install at run time) and runs as a non-root
# user. tests/k8s/test_dockerfile.py runs this file's maturin command and checks this layout.
#
#   docker build -t registry.example.com/platform/schema-registry:0.1.0 .
#   docker run -p 8000:8000 -e SCHEMA_REGISTRY_JWT_SECRET=... registry.example.com/platform/schema-registry:0.1.0
#
# Versions are pinned: the Python and Rust the test suite runs with (.venv, rustc --version).
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
ARG RUST_IMAGE=rust:1.95.0-slim-bookworm

FROM ${RUST_IMAGE} AS rust

FROM ${PYTHON_IMAGE} AS builder
# The Rust toolchain comes from the official image; its binaries run on any glibc. cc and the C
# library headers are the linker cargo needs.
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
COPY --from=rust /usr/local/rustup /usr/local/rustup
COPY --from=rust /usr/local/cargo /usr/local/cargo
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
# The same maturin the Makefile installs into .venv.
RUN python -m pip install --no-cache-dir "maturin>=1.7,<2"
WORKDIR /src
COPY pyproject.toml ./
COPY compat_rs ./compat_rs
COPY service ./service
COPY hub ./hub
COPY registry_client ./registry_client
# The release build `make build` runs (maturin develop --release), as a wheel; --locked: exactly
# the crates of compat_rs/Cargo.lock.
RUN maturin build --release --locked --out /dist
# Dependencies resolve here, where a source build could find a compiler; the runtime stage copies
# the finished virtualenv (same base image, so the same /usr/local/bin/python3.11).
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir /dist/*.whl \
    && /opt/venv/bin/schema-registry --help >/dev/null

FROM ${PYTHON_IMAGE} AS runtime
# etcdctl (Debian's etcd-client, the one `make etcd` installs for the tests) takes the etcd
# snapshot in `schema-registry backup create`; the server itself never runs it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends etcd-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 registry \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/schema-registry \
        --create-home --shell /usr/sbin/nologin registry
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCHEMA_REGISTRY_HOST=0.0.0.0 \
    SCHEMA_REGISTRY_PORT=8000 \
    SCHEMA_REGISTRY_STORE=sqlite:////var/lib/schema-registry/registry.db
WORKDIR /var/lib/schema-registry
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
# Docker and Compose use this; Kubernetes uses the Deployment's probes instead. No curl in the
# image: the standard library does the request, and any error or non-2xx status exits 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('SCHEMA_REGISTRY_PORT', '8000') + '/health/live', timeout=3)"]
ENTRYPOINT ["schema-registry"]
CMD ["serve"]
