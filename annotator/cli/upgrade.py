"""`annotator upgrade`: bring a project file written by an older Annotator to this version's schema.

Opening a file for writing upgrades it anyway; this command is for the commands that only
read (analyze, agreement, report…), which refuse an old file rather than change it, and for
a person who wants to choose the moment and see where the backup of the old file went.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import _print, _project_path, _warn_backup, reading_project


def add_parsers(commands: Any) -> None:
    """Add the `upgrade` command to the subparsers."""
    upgrade = commands.add_parser(
        "upgrade", help="upgrade a project file written by an older Annotator",
        description="Copy the project to <name>.v<N>.bak (never over an existing backup: then <name>.v<N>-2.bak, "
        "and so on), then bring it to this version's schema. A file already at this version is left as it is.",
    )
    upgrade.add_argument("project", type=_project_path, help="the project file")
    upgrade.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Open the project for writing (which backs it up and migrates it) and say where the backup is."""
    from ..project import Project
    from ..store.schema import SCHEMA_VERSION

    with reading_project(args.project), Project.open(args.project) as project:
        _warn_backup(project, "upgrade")
        backup = getattr(project.db, "migration_backup", None)
    if backup is None:
        data = {"project": str(args.project), "schema_version": SCHEMA_VERSION, "upgraded": False, "backup": None}
        text = f"{args.project} is already at schema version {SCHEMA_VERSION}; nothing to do"
    else:
        data = {"project": str(args.project), "schema_version": SCHEMA_VERSION, "upgraded": True,
                "backup": str(backup)}
        text = f"upgraded {args.project} to schema version {SCHEMA_VERSION}; the old file is kept at {backup}"
    _print(data, args.json, text)
    return 0


HANDLERS = {"upgrade": cmd_upgrade}
