"""Test-wide configuration: the hypothesis profiles.

Two profiles exist. "ci" is deterministic (derandomized) so that a failure reproduces on every
run and prints the blob needed to replay it; "dev" draws fresh examples on every run. Both keep
the number of examples modest so the whole suite stays fast. The "ci" profile is loaded when the
``CI`` environment variable is set or when ``HYPOTHESIS_PROFILE=ci``; otherwise "dev" is used.

With ``TINYGRAD_EDU_REQUIRE_TORCH`` set (as ``.ci/run`` does), a missing torch is an error rather
than a reason to skip the torch-comparison tests.

``--fuzz-long`` makes the differential fuzzer (``tests/test_fuzz_vs_torch.py``) run 20,000
programs instead of the 500 of a normal run.

The ``mnist_dir`` fixture gives the tests that need real MNIST its folder, found by the library's
one resolution order (``tinygrad_edu.data.datasets.locate_mnist``), downloaded once when it ends
in the user cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

if os.environ.get("TINYGRAD_EDU_REQUIRE_TORCH"):
    try:
        import torch  # noqa: F401
    except ImportError as error:
        raise pytest.UsageError(
            "TINYGRAD_EDU_REQUIRE_TORCH is set but torch cannot be imported; install the CPU "
            "build with `pip install torch==2.13.0`"
        ) from error

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=25)

if os.environ.get("CI") or os.environ.get("HYPOTHESIS_PROFILE") == "ci":
    settings.load_profile("ci")
else:
    settings.load_profile("dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--fuzz-long``: run the differential fuzzer (tests/test_fuzz_vs_torch.py) on 20,000
    programs instead of 500."""
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        default=False,
        help="run the differential fuzzer against torch on 20,000 programs instead of 500",
    )


def _mnist_folder_or_failure() -> Path | str:
    """The folder holding all four MNIST files, found by the library's resolution order
    (downloading them into the user cache when that is where the order ends), or the one-line
    reason why there is none."""
    from tinygrad_edu.data.datasets import (
        MNIST,
        DatasetError,
        MnistNotFoundError,
        user_cache_dir,
    )

    try:
        train = MNIST(train=True)
        MNIST(train=False)
    except (MnistNotFoundError, DatasetError) as error:
        location = getattr(error, "location", None)
        where = f" (folder from the {location.source})" if location is not None else ""
        problem = f"{error.path}{where}: {error.problem}"
    except OSError as error:  # e.g. the cache folder cannot be created
        problem = f"{error.filename or user_cache_dir()}: {error.strerror or error}"
    else:
        return train.root
    return (f"MNIST is needed by this test: {problem}. Provide it by setting TINYGRAD_EDU_DATA "
            "to a folder holding the four MNIST .gz files, or connect to the internet once so "
            f"that the tests download them into {user_cache_dir()}.")


_MNIST_FOLDER: list[Path | str] = []


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST files' folder, for every test that needs them.

    Offline with no data this fails (never skips) with one line saying how to provide it.
    """
    if not _MNIST_FOLDER:
        _MNIST_FOLDER.append(_mnist_folder_or_failure())
    found = _MNIST_FOLDER[0]
    if isinstance(found, str):
        pytest.fail(found, pytrace=False)
    return found
