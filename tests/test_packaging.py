"""Packaging: the source distribution holds what its test suite needs, the wheel is typed and
licensed, and the extras say what they install.

The sdist is built the way a release would be (setuptools' PEP 517 backend, from a copy of the
source tree, so the checkout is not touched), its file list is compared with the tree, and its
test suite is collected from the unpacked archive, where one test module also runs.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# What a source distribution must carry: the package, its tests and what they read.
SHIPPED_FOLDERS = ("tinygrad_edu", "tests", "examples", "benchmarks", "docs")
SHIPPED_FILES = ("LICENSE", "README.md", "setup.cfg", "pyproject.toml", "MANIFEST.in")
NOT_SOURCE = ("__pycache__", ".egg-info", ".hypothesis", ".pytest_cache", ".mypy_cache")


def source_files(root: Path) -> list[str]:
    """The files of the source tree that belong in an sdist, as sorted relative paths."""
    found = list(SHIPPED_FILES)
    for folder in SHIPPED_FOLDERS:
        for path in (root / folder).rglob("*"):
            relative = path.relative_to(root)
            if not path.is_file() or relative.parts[:2] == ("examples", "out"):
                continue
            if any(part.endswith(NOT_SOURCE) for part in relative.parts) or path.suffix == ".pyc":
                continue
            found.append(relative.as_posix())
    return sorted(found)


def build(kind: str, tree: Path, destination: Path) -> Path:
    """Build an sdist or a wheel of ``tree`` with setuptools' backend, in a fresh process."""
    code = (f"from setuptools import build_meta; "
            f"print(build_meta.build_{kind}({str(destination)!r}))")
    completed = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return destination / completed.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the files an sdist is built from (no build leftovers, no ignored files)."""
    tree = tmp_path_factory.mktemp("source") / "tinygrad_edu_source"
    for relative in source_files(REPO_ROOT):
        target = tree / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / relative, target)
    return tree


def test_sdist_ships_the_whole_test_suite_and_it_collects(source_tree: Path,
                                                          tmp_path: Path) -> None:
    archive = build("sdist", source_tree, tmp_path / "dist")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        shipped = sorted(name.split("/", 1)[1] for name in names
                         if "/" in name and tar.getmember(name).isfile())
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse unsafe paths
            tar.extractall(tmp_path / "unpacked", filter="data")
        else:
            tar.extractall(tmp_path / "unpacked")
    expected = source_files(REPO_ROOT)
    missing = sorted(set(expected) - set(shipped))
    assert missing == [], f"files missing from the sdist: {missing}"
    extra = sorted(name for name in set(shipped) - set(expected)
                   if name != "PKG-INFO" and ".egg-info/" not in name)
    assert extra == [], f"unexpected files in the sdist: {extra}"
    for needed in ("tests/conftest.py", "tests/op_cases.py", "examples/mlp_mnist.py",
                   "LICENSE", "tinygrad_edu/py.typed"):
        assert needed in shipped
    # The unpacked sdist's tests are collected with its own code and configuration.
    unpacked = tmp_path / "unpacked" / top
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=unpacked, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    summary = completed.stdout.strip().splitlines()[-1]
    assert "error" not in summary and int(summary.split()[0]) > 1000, summary
    # And one whole test module runs from it, with the unpacked code.
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_tensor.py"],
        cwd=unpacked, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert " passed" in completed.stdout.strip().splitlines()[-1]


def test_wheel_is_typed_and_licensed(source_tree: Path, tmp_path: Path) -> None:
    wheel = build("wheel", source_tree, tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(name for name in names
                                     if name.endswith(".dist-info/METADATA"))).decode()
    assert "tinygrad_edu/py.typed" in names
    assert any(name.endswith("/LICENSE") for name in names)
    assert "tinygrad_edu/exercises/stubs/ex01_chain_rule.py" in names
    assert not any(name.startswith(("tests/", "examples/")) for name in names)
    assert "License: MIT" in metadata or "License-Expression: MIT" in metadata


def test_testing_extra_is_hypothesis_without_torch() -> None:
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "setup.cfg")
    extras = config["options.extras_require"]
    testing = [line.strip() for line in extras["testing"].splitlines() if line.strip()]
    assert [requirement.split(">")[0] for requirement in testing] == ["hypothesis"]
    test = extras["test"]
    assert "hypothesis" in test and "torch==2.13.0" in test and "pytest" in test


def test_public_test_kit_needs_no_torch() -> None:
    """``pip install tinygrad_edu[testing]`` is enough for tinygrad_edu.testing and gradcheck."""
    code = (
        "import sys\n"
        "class NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ImportError('torch is not installed')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "import tinygrad_edu.testing, tinygrad_edu.gradcheck\n"
        "from tinygrad_edu.testing import check_function\n"
        "print('torch' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "False"
