"""Test-wide configuration: the hypothesis profiles.

Two profiles exist. "ci" is deterministic (derandomized) so that a failure reproduces on every
run and prints the blob needed to replay it; "dev" draws fresh examples on every run. Both keep
the number of examples modest so the whole suite stays fast. The "ci" profile is loaded when the
``CI`` environment variable is set or when ``HYPOTHESIS_PROFILE=ci``; otherwise "dev" is used.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
