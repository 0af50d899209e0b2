"""What PyPI checks when the package is uploaded, on the wheel and the sdist built as for a release.

``twine check --strict`` validates the metadata and renders the long description (PYPI.md) as PyPI's page would,
failing on warnings too. PyPI also refuses unknown trove classifiers, which twine does not check.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from trove_classifiers import classifiers as KNOWN_CLASSIFIERS

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sdist and the wheel, built by hatchling from this checkout."""
    target = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-d", str(target)], cwd=ROOT, check=True,
                   capture_output=True)
    return sorted(target.iterdir())


def test_twine_check_strict_passes_the_wheel_and_the_sdist(distributions):
    assert sorted(path.name.endswith(".tar.gz") for path in distributions) == [False, True]  # a wheel, an sdist

    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions)],
                             capture_output=True, text=True)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_every_classifier_is_one_pypi_accepts(distributions):
    (wheel,) = [path for path in distributions if path.suffix == ".whl"]
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())

    declared = metadata.get_all("Classifier")

    assert declared and set(declared) <= KNOWN_CLASSIFIERS
