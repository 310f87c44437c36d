"""``python -m tinygrad_edu.exercises``: the exercises' command line (see ``cli``)."""

from tinygrad_edu.exercises.cli import main

raise SystemExit(main())
