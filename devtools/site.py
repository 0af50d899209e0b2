"""Assemble the one directory the demo and the tests serve: the pinned browser stack plus our fresh wheel.

Layout of ``build/site``::

    pyodide/   npm ``pyodide`` with PyPI's micropip and packaging wheels beside the lock (hashes fixed)
    pyscript/  npm ``@pyscript/core`` ``dist``
    versions/  older releases for the runtime-version tests, from npm aliases in package.json
               (``"pyodide-0.25": "npm:pyodide@0.25.1"``): ``pyodide-0.25.1/`` laid out as ``pyodide/``,
               ``pyscript-0.4.56/`` as ``pyscript/``
    micropython/  npm ``@micropython/micropython-webassembly-pyscript``: the interpreter PyScript's ``mpy`` runs
    pendo/     npm ``@pendo/agent`` ``dist`` (the agent as an ES module)
    wheels/    the ``pyodide_pendo`` wheel built from this checkout, and nothing older
    ...        every file under ``web/`` (``@PYODIDE_PENDO_WHEEL@`` in text files becomes the wheel's URL path)

Each Pyodide gets the micropip and packaging versions its own lock names, from the PyPI wheels pinned with their
hashes in ``web/pyodide-wheels.txt``. Re-running is quick: files are copied only when size or mtime changed, and
the wheel is rebuilt every time (hatchling builds reproducibly) but replaced only when its bytes differ, so a stale
wheel is never served.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
BUILD = ROOT / "build"
SITE = BUILD / "site"
WHEEL_CACHE = BUILD / "wheel-cache"
PYODIDE_WHEELS_FILE = ROOT / "web" / "pyodide-wheels.txt"
PACKAGE_JSON = ROOT / "package.json"
# npm packages that are an interpreter or PyScript, pinned or aliased (an older release): the site folder's name
# (the pinned release's folder; an older one's is versions/<name>-<version>) and the package's directory to serve.
RUNTIME_PACKAGES = {"pyodide": ("pyodide", ""), "@pyscript/core": ("pyscript", "dist")}
MICROPYTHON = NODE_MODULES / "@micropython" / "micropython-webassembly-pyscript"
MICROPYTHON_FILES = ("micropython.mjs", "micropython.wasm")  # the plain build: no ulab, no settrace
WHEEL_PLACEHOLDER = "@PYODIDE_PENDO_WHEEL@"
TEMPLATED_SUFFIXES = {".html", ".toml", ".json", ".mjs", ".js", ".py"}


@dataclass(frozen=True)
class Runtime:
    """A Pyodide or PyScript release in the site: its version and its folder's URL path from the site root."""

    version: str
    folder: str


@dataclass(frozen=True)
class Site:
    root: Path
    wheel_name: str
    # package.json's name for each Pyodide and PyScript: "pyodide", "@pyscript/core", "pyodide-0.25", …
    runtimes: dict[str, Runtime]

    @property
    def wheel_path(self) -> str:
        """The wheel's URL path relative to the site root, e.g. ``wheels/pyodide_pendo-0.1.0-py3-none-any.whl``."""
        return f"wheels/{self.wheel_name}"


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.exists():
        s, t = source.stat(), target.stat()
        if s.st_size == t.st_size and int(s.st_mtime) == int(t.st_mtime):
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def _sync_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        raise SystemExit(f"{source} is missing: run `npm ci` in {ROOT} (./dev does it for you)")
    for path in source.rglob("*"):
        if path.is_file():
            _copy_if_changed(path, target / path.relative_to(source))


def _pinned_pyodide_wheels() -> dict[tuple[str, str], str]:
    """(name, version) -> sha256, from web/pyodide-wheels.txt."""
    pins = {}
    for line in PYODIDE_WHEELS_FILE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, digest = line.split(" --hash=sha256:")
        name, version = requirement.split("==")
        pins[name, version] = digest.strip()
    return pins


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fetch_pyodide_wheels(lock: dict[str, Any], lock_name: str) -> dict[str, Path]:
    """The PyPI wheels of the micropip and packaging versions ``lock`` names: name -> wheel file.

    Downloaded once into build/wheel-cache (pip, hash-checked, for the lock's Python).
    """
    pins = _pinned_pyodide_wheels()
    wanted = {name: lock["packages"][name]["version"] for name, _ in pins}
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name, version in wanted.items():
        digest = pins.get((name, version))
        if digest is None:
            raise SystemExit(f"{lock_name} names {name} {version}: pin its PyPI wheel in {PYODIDE_WHEELS_FILE} "
                             f"({name}=={version} --hash=sha256:…)")
        for candidate in WHEEL_CACHE.glob(f"{name}-{version}-*.whl"):
            if _sha256(candidate) == digest:
                found[name] = candidate
        if name not in found:
            missing.append(f"{name}=={version} --hash=sha256:{digest}")
    if missing:
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        python = ".".join(lock["info"]["python"].split(".")[:2])
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
            requirements.write("\n".join(missing) + "\n")
            requirements.flush()
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "--python-version", python, "--require-hashes", "-r", requirements.name, "-d", str(WHEEL_CACHE)],
                check=True,
            )
        return _fetch_pyodide_wheels(lock, lock_name)
    return found


def _install_pyodide(source: Path, target: Path) -> None:
    _sync_tree(source, target)
    lock_path = target / "pyodide-lock.json"
    lock = json.loads((source / "pyodide-lock.json").read_text())
    for name, wheel in _fetch_pyodide_wheels(lock, str(source / "pyodide-lock.json")).items():
        _copy_if_changed(wheel, target / wheel.name)
        entry = lock["packages"][name]
        entry["file_name"] = wheel.name
        entry["sha256"] = _sha256(wheel)
    text = json.dumps(lock)
    if not lock_path.exists() or lock_path.read_text() != text:
        lock_path.write_text(text)


def _install_runtimes() -> dict[str, Runtime]:
    """Every Pyodide and PyScript in package.json, pinned or aliased, laid out in the site."""
    declared = json.loads(PACKAGE_JSON.read_text())
    runtimes = {}
    for key in {**declared.get("dependencies", {}), **declared.get("devDependencies", {})}:
        package = NODE_MODULES / key
        manifest = package / "package.json"
        if not manifest.exists():
            raise SystemExit(f"{package} is missing: run `npm ci` in {ROOT} (./dev does it for you)")
        installed = json.loads(manifest.read_text())
        if installed["name"] not in RUNTIME_PACKAGES:
            continue
        name, served = RUNTIME_PACKAGES[installed["name"]]
        folder = name if key == installed["name"] else f"versions/{name}-{installed['version']}"
        if installed["name"] == "pyodide":
            _install_pyodide(package, SITE / folder)
        else:
            _sync_tree(package / served, SITE / folder)
        runtimes[key] = Runtime(installed["version"], folder)
    return runtimes


def _build_wheel(target_dir: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", tmp],
            cwd=ROOT, capture_output=True, text=True,
        )
        if result.returncode:
            raise SystemExit(f"building the wheel failed:\n{result.stdout}{result.stderr}")
        (built,) = Path(tmp).glob("*.whl")
        target_dir.mkdir(parents=True, exist_ok=True)
        for old in target_dir.glob("*.whl"):
            if old.name != built.name:
                old.unlink()
        target = target_dir / built.name
        if not target.exists() or target.read_bytes() != built.read_bytes():
            shutil.copyfile(built, target)
        return built.name


def _install_pages(source: Path, target: Path, wheel_path: str) -> None:
    for path in source.rglob("*"):
        if not path.is_file():
            continue
        destination = target / path.relative_to(source)
        if path.suffix in TEMPLATED_SUFFIXES:
            text = path.read_text().replace(WHEEL_PLACEHOLDER, wheel_path)
            if not destination.exists() or destination.read_text() != text:
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_text(text)
        else:
            _copy_if_changed(path, destination)


def assemble(extra_pages: Path | None = None) -> Site:
    """Lay out (or refresh) ``build/site``; ``extra_pages`` (the tests' own pages) go under ``test/``."""
    runtimes = _install_runtimes()
    _sync_tree(NODE_MODULES / "@pendo" / "agent" / "dist", SITE / "pendo")
    for name in MICROPYTHON_FILES:
        _copy_if_changed(MICROPYTHON / name, SITE / "micropython" / name)
    wheel_name = _build_wheel(SITE / "wheels")
    site = Site(SITE, wheel_name, runtimes)
    _install_pages(ROOT / "web", SITE, site.wheel_path)
    if extra_pages is not None:
        _install_pages(extra_pages, SITE / "test", "../" + site.wheel_path)
    return site


if __name__ == "__main__":
    built = assemble()
    print(f"site assembled in {built.root} (wheel {built.wheel_name})")
