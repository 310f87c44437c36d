"""Test-wide configuration: the hypothesis profiles.

Two profiles exist. "ci" is deterministic (derandomized) so that a failure reproduces on every
run and prints the blob needed to replay it; "dev" draws fresh examples on every run. Both keep
the number of examples modest so the whole suite stays fast. The "ci" profile is loaded when the
``CI`` environment variable is set or when ``HYPOTHESIS_PROFILE=ci``; otherwise "dev" is used.

With ``TINYGRAD_EDU_REQUIRE_TORCH`` set (as ``.ci/run`` does), a missing torch is an error rather
than a reason to skip the torch-comparison tests.
"""

from __future__ import annotations

import os

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
