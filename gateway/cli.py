"""The ``yrd-gateway`` command line: serve, demo, migrate, seed, schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import date

from gateway.settings import Settings, SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    return parser


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="TOML configuration file (see deploy/gateway.example.toml)")


def _listen_args(parser: argparse.ArgumentParser) -> None:
    import os

    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))


def _serve(args: argparse.Namespace) -> None:
    serve(load_settings(args.config), args.host, args.port)


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from gateway.app import create_app

    # No access log line per request: at portal rates it costs more than the request's own work.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def _migrate(args: argparse.Namespace) -> None:
    from gateway.operations import migrate_all

    applied = asyncio.run(migrate_all(load_settings(args.config)))
    for source, names in applied.items():
        print(f"{source}: {', '.join(names) if names else 'up to date'}")


def _seed(args: argparse.Namespace) -> None:
    from gateway.operations import seed_all

    settings = load_settings(args.config)
    showcase = asyncio.run(seed_all(settings, scale=args.scale, seed=args.seed, anchor=args.anchor or date.today()))
    print(f"seeded {len(settings.provinces)} provinces at scale {args.scale}; {len(showcase)} showcase cases")


def _schema(_: argparse.Namespace) -> None:
    from gateway.schema import schema

    print(schema.as_str())


def _demo(args: argparse.Namespace) -> None:
    from gateway.demo import run_demo

    run_demo(args.host, args.port, args.scale)


if __name__ == "__main__":
    sys.exit(main())
