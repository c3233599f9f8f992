"""``python -m diagnose`` runs the ``predlint`` command."""

from diagnose.cli import main

raise SystemExit(main())
