"""The Dockerfile: stages, a locked-down runtime, and build steps that run here (no Docker).

No engine exists on these machines, so the image is never built in tests; instead its wheel build
runs exactly as the Dockerfile writes it, and the result is installed and imported.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.k8s.manifests import ROOT, containers, find, pod_template, rendered

DOCKERFILE = (ROOT / "Dockerfile").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()
COMPILERS = ("build-essential", "gcc", "g++", "cargo", "rustc", "rustup", "maturin", "libc6-dev")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for instruction, arguments in _instructions(DOCKERFILE):
        if instruction == "FROM":
            current = stages.setdefault(arguments.split()[-1], [])
        elif current is not None:
            current.append((instruction, arguments))
    return stages


def _args() -> dict[str, str]:
    return dict(
        arguments.split("=", 1)
        for instruction, arguments in _instructions(DOCKERFILE)
        if instruction == "ARG"
    )


def test_stages_and_base_images_are_pinned() -> None:
    assert list(_stages()) == ["rust", "builder", "runtime"]
    images = _args()
    python, rust = images["PYTHON_IMAGE"], images["RUST_IMAGE"]
    assert re.fullmatch(r"python:(\d+\.\d+\.\d+)-slim-bookworm", python)
    assert python.split(":")[1].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert re.fullmatch(r"rust:\d+\.\d+\.\d+-slim-bookworm", rust)
    froms = [args.split()[0] for ins, args in _instructions(DOCKERFILE) if ins == "FROM"]
    assert froms == ["${RUST_IMAGE}", "${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]


def test_runtime_is_non_root_without_compilers() -> None:
    runtime = _stages()["runtime"]
    (user,) = [arguments for instruction, arguments in runtime if instruction == "USER"]
    uid, _, gid = user.partition(":")
    assert int(uid) > 0
    assert int(gid) > 0
    registry = pod_template(find(rendered("base"), "Deployment", "schema-registry"))
    assert registry["spec"]["securityContext"]["runAsUser"] == int(uid)
    runs = " ".join(arguments for instruction, arguments in runtime if instruction == "RUN")
    for compiler in COMPILERS:
        assert not re.search(rf"(?<![\w-]){re.escape(compiler)}(?![\w-])", runs), compiler
    copies = [arguments for instruction, arguments in runtime if instruction == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"]
    assert "etcd-client" in runs, "backup create runs etcdctl for the snapshot"


def test_healthcheck_uses_the_standard_library() -> None:
    runtime = _stages()["runtime"]
    (check,) = [arguments for instruction, arguments in runtime if instruction == "HEALTHCHECK"]
    assert "/health/live" in check
    assert "urllib.request" in check
    assert "curl" not in check
    assert "wget" not in check
    entrypoint = [arguments for instruction, arguments in runtime if instruction == "ENTRYPOINT"]
    assert entrypoint == ['["schema-registry"]']
    (container,) = containers(find(rendered("base"), "Deployment", "schema-registry"))
    assert container["command"] == ["schema-registry"]


def _builder_runs() -> list[str]:
    return [arguments for instruction, arguments in _stages()["builder"] if instruction == "RUN"]


def test_build_commands_are_the_makefiles() -> None:
    (install,) = [run for run in _builder_runs() if "pip install" in run and "maturin" in run]
    (spec,) = re.findall(r'"(maturin[^"]*)"', install)
    assert f'"{spec}"' in MAKEFILE, "the builder installs the maturin the Makefile pins"
    assert "maturin develop --release" in MAKEFILE
    (build,) = [run for run in _builder_runs() if run.startswith("maturin build")]
    assert "--release" in shlex.split(build)


def test_dockerignore_admits_only_what_the_builder_copies() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    admitted = {line[1:] for line in lines if line.startswith("!")}
    copied = {
        arguments.split()[0]
        for instruction, arguments in _stages()["builder"]
        if instruction == "COPY" and not arguments.startswith("--from")
    }
    assert admitted == copied
    assert {"compat_rs/target", "compat_rs/*.so"} <= set(lines)


def test_the_dockerfile_wheel_build_runs_and_imports(tmp_path: Path) -> None:
    (build,) = [run for run in _builder_runs() if run.startswith("maturin build")]
    argv = shlex.split(build)
    argv[argv.index("--out") + 1] = str(tmp_path / "dist")
    maturin = Path(sys.executable).with_name("maturin")
    subprocess.run(
        [str(maturin), *argv[1:]], cwd=ROOT, check=True, capture_output=True, timeout=900
    )
    (wheel,) = (tmp_path / "dist").glob("schema_registry-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(re.fullmatch(r"compat_rs/_compat_rs\..*so", name) for name in names)
    for module in ("service/cli.py", "hub/__init__.py", "registry_client/__init__.py"):
        assert module in names
    assert not [name for name in names if name.startswith(("tests/", "compat_rs/core/"))]
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import compat_rs, service.cli; "
        "r = compat_rs.diff({'type': 'object'}, {'type': 'string'}); "
        "print(compat_rs.__file__, r.compatible)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    location, compatible = result.stdout.split()
    assert location.startswith(str(site))
    assert compatible == "False"
