"""`python -m annotator` runs the command line (and the GUI when no command is given)."""

from .cli import main

raise SystemExit(main())
