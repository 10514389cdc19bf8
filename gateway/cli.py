"""The ``yrd-gateway`` command line: serve, demo, migrate, seed, sync, reconcile, schema, token, audit verify."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date

from gateway.logs import configure_logging
from gateway.settings import SettingsError, load_settings
from resolvers.identity import ROLES


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(logging.INFO)
    try:
        return int(args.run(args) or 0)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yrd-gateway", description="Yangtze River Delta credit gateway")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve GraphQL with the given configuration")
    _config_arg(serve)
    _listen_args(serve)
    serve.add_argument("--workers", type=int, default=1, help="worker processes sharing the port (default 1)")
    serve.set_defaults(run=_serve)
    demo = commands.add_parser("demo", help="start embedded databases, load demo data, serve")
    _listen_args(demo)
    demo.add_argument("--scale", type=float, default=1.0, help="demo data scale (default 1.0)")
    demo.set_defaults(run=_demo)
    migrate = commands.add_parser("migrate", help="apply SQL migrations to the central store and every province")
    _config_arg(migrate)
    migrate.set_defaults(run=_migrate)
    seed = commands.add_parser("seed", help="load deterministic demo data (replaces existing data)")
    _config_arg(seed)
    seed.add_argument("--scale", type=float, default=1.0, help="data volume; 1.0 ≈ 1000 enterprises per province")
    seed.add_argument("--seed", type=int, default=2007, help="random seed (same seed, same data)")
    seed.add_argument("--anchor", type=date.fromisoformat, default=None, help="the data's 'today' (default: today)")
    seed.set_defaults(run=_seed)
    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(run=_schema)
    _index_parsers(commands)
    _token_parser(commands)
    _audit_parser(commands)
    return parser


def _index_parsers(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser("sync", help="keep the presence index in step with every province's change log")
    _config_arg(sync)
    sync.add_argument("--once", action="store_true", help="catch every province up once, then exit")
    sync.set_defaults(run=_sync)
    reconcile = commands.add_parser("reconcile", help="rebuild a province's presence-index rows from its tables")
    _config_arg(reconcile)
    reconcile.add_argument("--province", default=None, help="division code (default: every province)")
    reconcile.set_defaults(run=_reconcile)


def _token_parser(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser(
        "token", help="print a signed bearer token for development (HS256 secret, or the province's "
        "identity provider when [[auth.issuers]] configures its private key)")
    token.add_argument("--config", default=None, help="TOML configuration (default: the demo's gateway.toml)")
    token.add_argument("--role", action="append", required=True, choices=ROLES, help="role (repeatable)")
    token.add_argument("--province", default=None, help="division code, required for regulator and reviewer")
    token.add_argument("--sub", default=None, help="subject (default: dev-<role>-<province>)")
    token.add_argument("--org", default=None, help="organisation")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.set_defaults(run=_token)


def _audit_parser(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="audit-log tools")
    actions = audit.add_subparsers(required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check the audit log's hash chain; report the first broken entry")
    _config_arg(verify)
    verify.set_defaults(run=_audit_verify)


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="TOML configuration file (see deploy/gateway.example.toml)")


def _listen_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))


def _serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings(args.config)
    if args.workers > 1:
        # Before prometheus-client is imported: its metrics then keep their values in files that
        # every worker's /metrics adds up.
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="yrd-metrics-"))
    from gateway.serve import serve

    serve(settings, args.host, args.port, args.workers)
    return 0


def _sync(args: argparse.Namespace) -> int:
    from gateway.operations import index_sync_worker, sync_all_once
    from sources.index_sync import IndexSyncError

    settings = load_settings(args.config)
    try:
        if args.once:
            for code, result in asyncio.run(sync_all_once(settings)).items():
                state = "caught up" if result.caught_up else "behind (an older transaction is still open)"
                print(f"{code}: {result.changes} changes in the last batch, {state}")
            return 0
        always = dataclasses.replace(settings, index=dataclasses.replace(settings.index, enabled=True))
        worker = index_sync_worker(always)
        assert worker is not None
        asyncio.run(worker.run_forever())
    except IndexSyncError as exc:
        print(f"sync failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from gateway.operations import reconcile_all
    from sources.index_sync import IndexSyncError

    settings = load_settings(args.config)
    if args.province is not None and settings.province(args.province) is None:
        configured = ", ".join(settings.province_codes)
        print(f"--province: {args.province} is not configured ({configured})", file=sys.stderr)
        return 2
    try:
        reports = asyncio.run(reconcile_all(settings, args.province))
    except IndexSyncError as exc:
        print(f"reconcile failed: {exc}", file=sys.stderr)
        return 1
    for report in reports:
        print(f"{report.province}: added {report.added}, changed {report.changed}, removed {report.removed}")
    return 0


def _migrate(args: argparse.Namespace) -> None:
    from gateway.operations import migrate_all

    applied = asyncio.run(migrate_all(load_settings(args.config)))
    for source, names in applied.items():
        print(f"{source}: {', '.join(names) if names else 'up to date'}")


def _seed(args: argparse.Namespace) -> None:
    from gateway.operations import seed_all

    settings = load_settings(args.config)
    showcase = asyncio.run(
        seed_all(settings, scale=args.scale, seed=args.seed, anchor=args.anchor or settings.clock.today())
    )
    print(f"seeded {len(settings.provinces)} provinces at scale {args.scale}; {len(showcase)} showcase cases")


def _schema(_: argparse.Namespace) -> None:
    from gateway.schema import schema

    print(schema.as_str())


def _token(args: argparse.Namespace) -> int:
    from gateway.auth import AuthError, issue_token
    from gateway.demo import demo_dir

    config = args.config or demo_dir() / "gateway.toml"
    if args.config is None and not config.exists():
        print("no configuration: pass --config FILE (or run `yrd-gateway demo` once)", file=sys.stderr)
        return 2
    settings = load_settings(config)
    auth = settings.auth
    if args.province is not None and settings.province(args.province) is None:
        print(f"province {args.province} is not configured: the gateway would refuse the token", file=sys.stderr)
        return 2
    provincial = args.province is not None and auth.issuer_for(args.province) is not None
    if auth.algorithm != "HS256" and not provincial:
        print("this configuration has only a public key: tokens are issued by your identity provider", file=sys.stderr)
        return 2
    subject = args.sub or "-".join(["dev", *args.role, *([args.province] if args.province else [])])
    try:
        print(issue_token(auth, subject=subject, roles=args.role, province=args.province, org=args.org, ttl_s=args.ttl))
    except AuthError as exc:
        print(f"cannot issue a token: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from gateway.audit import verify_chain
    from sources.errors import SourceError
    from sources.postgres import PostgresSource

    settings = load_settings(args.config)

    async def run():
        central = PostgresSource(settings.central)
        try:
            return await verify_chain(central)
        finally:
            await central.close()

    try:
        report = asyncio.run(run())
    except SourceError as exc:
        print(f"cannot read the audit log: {exc.message}", file=sys.stderr)
        return 2
    if report.intact:
        print(f"audit chain intact: {report.checked} entries")
        return 0
    print(
        f"audit chain BROKEN at entry seq={report.broken_seq} id={report.broken_entry}: {report.reason}"
        f" ({report.checked} entries before it are intact)"
    )
    return 1


def _demo(args: argparse.Namespace) -> None:
    from gateway.demo import run_demo

    run_demo(args.host, args.port, args.scale)


if __name__ == "__main__":
    sys.exit(main())
