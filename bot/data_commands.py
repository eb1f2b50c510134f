"""The command line's data commands: `member export`, `member forget` and `backup`.

Kept apart from `bot/cli.py` so the commands about people and their data live in one place;
`add_commands` hangs them on the `onescore` parser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.errors import NotFound
from bot.people.personal_data import export_json, forget_person
from bot.runtime import Runtime
from bot.settings import Settings
from storage.backup import BackupError, backup_sqlite
from storage.db import make_engine
from storage.migrate import upgrade

EXIT_USAGE = 2


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    member = commands.add_parser("member", help="a member's data: export it, or forget the member")
    actions = member.add_subparsers(dest="member_command", required=True, metavar="COMMAND")
    export = actions.add_parser("export", help="print everything stored about the member as JSON")
    export.add_argument("email")
    export.set_defaults(handler=cmd_member_export)
    forget = actions.add_parser(
        "forget", help="erase the member; their teams keep the anonymous credit (repeating it is a no-op)"
    )
    forget.add_argument("email")
    forget.set_defaults(handler=cmd_member_forget)

    backup = commands.add_parser("backup", help="copy the SQLite database consistently while the service runs")
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(handler=cmd_backup, needs_organisation=False)


def cmd_member_export(args: argparse.Namespace, runtime: Runtime) -> int:
    upgrade(runtime.engine)
    try:
        document = export_json(runtime.engine, args.email)
    except NotFound:
        print(f"onescore: no member {args.email!r}", file=sys.stderr)
        return 1
    sys.stdout.write(document + "\n")
    return 0


def cmd_member_forget(args: argparse.Namespace, runtime: Runtime) -> int:
    upgrade(runtime.engine)
    result = forget_person(runtime.engine, args.email, actor="cli", now=runtime.now())
    if result.rows == 0:
        print(f"Nobody to forget: no member {args.email!r} (already forgotten, or never known).")
        return 0
    print(f"Forgotten: {result.rows} rows erased or anonymised (erasure #{result.erasure_id}).")
    if result.listed_in_file:
        print(
            f"{args.email} is still listed in {runtime.settings.config_path}: remove them there, "
            "or the next start adds them again (with none of their past data).",
            file=sys.stderr,
        )
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        result = backup_sqlite(engine, Path(args.file))
    except BackupError as exc:
        print(f"onescore: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.dispose()
    print(f"Backed up the database to {result.path} ({result.size_bytes} bytes, integrity checked).")
    return 0
