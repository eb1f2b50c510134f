"""The `onescore` command line: serve, migrate, import-deals, manifest, post-scores, crm check (and more to come).

Operator mistakes (a bad organisation file, an unreadable CSV) end with one clear line on stderr
and exit status 2, never a traceback. Commands that use neither the organisation nor the database
(manifest, crm check) do not load them, so a broken organisation file cannot stop them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import ArgumentError, OperationalError

from bot.data_commands import add_commands as add_data_commands
from bot.durable.scheduler import quiet_routine_job_logs
from bot.organisation import OrganisationFileError
from bot.periods import Period
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.teams import manifest as teams_manifest
from prompts import CatalogueError
from storage.migrate import upgrade

if TYPE_CHECKING:
    from bot.ledger.csv_text import CsvText

EXIT_USAGE = 2
Command = Callable[[argparse.Namespace, Runtime], int]
SettingsCommand = Callable[[argparse.Namespace, Settings], int]


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    quiet_routine_job_logs(level)


def package_version() -> str:
    """The installed distribution's version; a source tree run without installing has none to report."""
    try:
        return version("onescore")
    except PackageNotFoundError:
        return "unknown (not installed)"


def cmd_serve(args: argparse.Namespace, runtime: Runtime) -> int:
    import uvicorn

    from bot.app import create_app

    upgrade(runtime.engine)
    app = create_app(runtime)
    _freeze_startup_objects()
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, proxy_headers=True, timeout_graceful_shutdown=10)
    return 0


def _freeze_startup_objects() -> None:
    """Keep the garbage collector's full passes off everything loaded at start-up.

    The libraries, the organisation and the app are a few hundred thousand objects that live as
    long as the process; scanning them all made each full collection pause the event loop for
    100-200 ms, which showed as the slowest Slack acknowledgements under load."""
    gc.collect()
    gc.freeze()


def cmd_migrate(_args: argparse.Namespace, runtime: Runtime) -> int:
    upgrade(runtime.engine)
    print("The database schema is up to date.")
    return 0


def cmd_import_deals(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.ledger.csv_import import ImportFileError, import_deals, open_csv

    try:
        text = open_csv(args.file)
    except ImportFileError as exc:
        print(f"onescore: {exc}", file=sys.stderr)
        return EXIT_USAGE
    console = Console(stderr=True)
    upgrade(runtime.engine)
    runtime.sync_organisation()
    _adopt_named_people(runtime, text)
    progress = Progress(
        TextColumn("Importing deals"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task("import", total=text.data_lines)
        summary = import_deals(runtime, text, on_progress=lambda n: progress.advance(task, n))
    out = Console()
    out.print(
        f"{summary.total} rows: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {len(summary.rejected)} rejected",
        highlight=False,
    )
    for line, reason in summary.rejected:
        out.print(f"  line {line}: {reason}", highlight=False, markup=False)
    return 1 if summary.rejected else 0


def _adopt_named_people(runtime: Runtime, text: CsvText) -> None:
    """Owners and participants the file names who are on Slack or Teams become members first, so
    their rows are taken rather than refused as naming strangers."""
    from bot.ledger.csv_import import named_emails
    from bot.people.discovery import FILE_LOOKUPS, PeopleFinder
    from bot.platforms import standalone_directory_sources

    sources = standalone_directory_sources(runtime)
    if sources:
        asyncio.run(PeopleFinder(runtime, sources).adopt(named_emails(text), limit=FILE_LOOKUPS))


def cmd_manifest(args: argparse.Namespace, _settings: Settings) -> int:
    import json

    from handlers.slack.manifest import ManifestError, slack_manifest

    try:
        manifest = slack_manifest(args.url, name=args.name, socket_mode=args.socket_mode)
    except ManifestError as exc:
        print(f"onescore: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


def cmd_post_scores(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.periods import PeriodKind, current_period
    from bot.platforms import standalone_scorecard_channels
    from bot.posting.posts import ClaimOutcome, PostStatus, ScorePoster, post_outcome

    org = runtime.org
    try:
        week = Period.parse(args.week) if args.week else current_period(runtime.now(), org.zone).previous()
    except ValueError as exc:
        print(f"onescore: --week: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if week.kind is not PeriodKind.WEEK:
        print(f"onescore: --week: {args.week!r} is not an ISO week (YYYY-Www, e.g. 2026-W48)", file=sys.stderr)
        return EXIT_USAGE
    if not org.score_channels:
        print(f"onescore: no score_channels in {runtime.settings.config_path}: nothing to post to", file=sys.stderr)
        return 1
    upgrade(runtime.engine)
    runtime.sync_organisation()
    poster = ScorePoster(runtime, standalone_scorecard_channels(runtime))
    claims = poster.request(org.score_channels, week, force=args.force)
    asyncio.run(poster.drain())

    off = runtime.settings.chat_channel_status()
    failed = False
    for claim in claims:
        where = f"{claim.platform} {claim.channel_id}"
        if claim.outcome is ClaimOutcome.ALREADY_POSTED:
            print(f"{week}: {_earlier_post(runtime, claim.platform, claim.channel_id, week)}")
        elif claim.outcome is ClaimOutcome.PLATFORM_OFF:
            failed = True
            print(f"{week}: not posted to {where}: {claim.platform} is off ({off.get(claim.platform)})")
        else:
            assert claim.post_id is not None
            status, error = post_outcome(runtime.engine, claim.post_id)
            if status == PostStatus.SENT:
                print(f"{week}: posted to {where}")
            else:
                failed = True
                print(f"{week}: not yet posted to {where} ({error}); the service keeps retrying it")
    return 1 if failed else 0


def _earlier_post(runtime: Runtime, platform: str, channel_id: str, week: Period) -> str:
    """What became of the earlier claim of this week's post: sent, still being retried, or failed."""
    from sqlmodel import Session

    from bot.posting.posts import PostStatus, latest_post

    where = f"{platform} {channel_id}"
    with Session(runtime.engine) as session:
        post = latest_post(session, platform, channel_id, week.label)
    if post is not None and post.status == PostStatus.SENT and post.sent_at is not None:
        return f"already posted to {where} on {post.sent_at:%Y-%m-%d %H:%M} UTC (use --force to post it again)"
    if post is not None and post.status == PostStatus.FAILED:
        return f"an earlier post to {where} failed for good (use --force to try again)"
    return f"already queued for {where}; the service is still sending it"


def cmd_sync_directory(_args: argparse.Namespace, runtime: Runtime) -> int:
    """The hourly directory sync, now; exit 1 when no platform is on or one could not be read."""
    from bot.people.sync import DirectorySync
    from bot.platforms import standalone_directory_sources

    sources = standalone_directory_sources(runtime)
    if not sources:
        print(
            "onescore: no chat platform is configured: nothing to sync (see docs/slack.md, docs/teams.md)",
            file=sys.stderr,
        )
        return 1
    upgrade(runtime.engine)
    runtime.sync_organisation()
    reports = asyncio.run(DirectorySync(runtime, sources).run())
    if reports is None:
        print("onescore: another process is syncing the directory right now; try again in a minute", file=sys.stderr)
        return 1
    for report in reports:
        print(report.line())
    return 1 if any(report.error for report in reports) else 0


def cmd_crm_check(_args: argparse.Namespace, settings: Settings) -> int:
    from handlers.crm.check import check_crms

    statuses = asyncio.run(check_crms(settings))
    if not statuses:
        print(
            "No CRM is configured: set HUBSPOT_*, PIPEDRIVE_* or SALESFORCE_ORG_ID (see docs/crm.md).",
            file=sys.stderr,
        )
        return 1
    for status in statuses:
        print(status.line())
    return 0 if all(status.ok for status in statuses) else 1


def cmd_dashboard_link(args: argparse.Namespace, runtime: Runtime) -> int:
    """A sign-in link for a member, for the first admin before chat is set up (the link goes to stdout only)."""
    from bot.access.links import PublicUrlMissing, member_id_by_email, sign_in_link

    upgrade(runtime.engine)
    runtime.sync_organisation()
    member_id = member_id_by_email(runtime, args.email)
    if member_id is None:
        print(f"onescore: no member with the email {args.email!r}: add them to the organisation file", file=sys.stderr)
        return 1
    try:
        link = sign_in_link(runtime, member_id)
    except PublicUrlMissing:
        print("onescore: the dashboard link needs ONESCORE_PUBLIC_URL (the service's public base URL)", file=sys.stderr)
        return EXIT_USAGE
    print(link.url)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onescore", description="OneScore: one outcome scorecard for every team, in Slack and Teams."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.set_defaults(needs_organisation=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the service: HTTP endpoints and the scheduler")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date, then exit")
    migrate.set_defaults(handler=cmd_migrate)

    importer = commands.add_parser("import-deals", help="create or update deals from a CSV file")
    importer.add_argument("file", type=Path, metavar="FILE.csv")
    importer.set_defaults(handler=cmd_import_deals)

    manifest = commands.add_parser("manifest", help="write a chat platform's app manifest or package")
    manifest.set_defaults(needs_organisation=False)
    platforms = manifest.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    slack = platforms.add_parser("slack", help="print the Slack app manifest to paste when creating the app")
    slack.add_argument("--url", help="the service's public base URL, e.g. https://onescore.example.com")
    slack.add_argument("--name", default="OneScore", help="the app's name in Slack (default OneScore)")
    slack.add_argument("--socket-mode", action="store_true", help="for Socket Mode: no request URLs")
    slack.set_defaults(handler=cmd_manifest)
    teams_manifest.add_command(platforms)

    post = commands.add_parser(
        "post-scores",
        help="post a week's scorecard to every score channel now (once per channel and week)",
    )
    post.add_argument("--week", metavar="YYYY-Www", help="the ISO week to post (default: the week that just ended)")
    post.add_argument("--force", action="store_true", help="post again where the week was already posted")
    post.set_defaults(handler=cmd_post_scores)

    sync = commands.add_parser(
        "sync-directory", help="make the members of mapped Slack user groups and Teams teams members of their team"
    )
    sync.set_defaults(handler=cmd_sync_directory)
    dashboard_link = commands.add_parser(
        "dashboard-link", help="print a one-time dashboard sign-in link for a member (valid 10 minutes)"
    )
    dashboard_link.add_argument("email", metavar="EMAIL")
    dashboard_link.set_defaults(handler=cmd_dashboard_link)

    crm = commands.add_parser("crm", help="CRM intake (HubSpot, Pipedrive, Salesforce)")
    crm.set_defaults(needs_organisation=False)
    crm_commands = crm.add_subparsers(dest="crm_command", required=True, metavar="COMMAND")
    check = crm_commands.add_parser(
        "check", help="check each configured CRM's credentials and reachability, one line each"
    )
    check.set_defaults(handler=cmd_crm_check)
    add_data_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    if not args.needs_organisation:
        settings_handler: SettingsCommand = args.handler
        return settings_handler(args, settings)
    try:
        runtime = Runtime.from_settings(settings)
    except (OrganisationFileError, CatalogueError) as exc:
        print(f"onescore: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ArgumentError as exc:
        print(f"onescore: DATABASE_URL: {exc}", file=sys.stderr)
        return EXIT_USAGE
    handler: Command = args.handler
    try:
        return handler(args, runtime)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = runtime.engine.url.render_as_string(hide_password=True)
        print(f"onescore: cannot use the database {where}: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
