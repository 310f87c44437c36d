"""The tutorial scripts in this folder are programs, not test modules.

They run at import (top-level code, as in the tutorials they follow), so pytest must not import
them: neither as test modules nor through ``--doctest-modules``. ``tests/test_tutorials.py``
runs each one in a subprocess, once under torch and once under tinygrad_edu.
"""

collect_ignore_glob = ["*.py"]
