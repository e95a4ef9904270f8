"""Command line: the only place that reads argv and the environment."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from aircall_mcp import __version__, audit
from aircall_mcp.cli_support import BROKEN_PIPE_EXIT, add_log_level, silence_stdout, unknown_agent
from aircall_mcp.errors import AircallError, ConfigurationError
from aircall_mcp.facts import DOCUMENTED_RATE_LIMIT, DOCUMENTED_RATE_WINDOW_SECONDS
from aircall_mcp.locations import (
    DEFAULT_GRANTS_HELP,
    GrantsDirectoryError,
    check_grants_dir,
    default_approvals_dir,
    default_grants_dir,
    resolve_grants_dir,
)
from aircall_mcp.settings import Option, Settings, default_audit_path, options

# Each command imports the machinery it runs (the server and the MCP SDK, the catalogue and grants, the sandbox,
# approvals, events) when it runs: `audit tail` and `--version` start in a fraction of the time those take.

logger = logging.getLogger("aircall_mcp")

_SERVE_OPTIONS = {option.dest: option for option in options()}
WEBHOOK_PATH_DEFAULT = _SERVE_OPTIONS["events__webhook_path"].default
# The grants and audit commands read the same variables as serve.
ENV_GRANTS = _SERVE_OPTIONS["grants_dir"].source.env or ""
ENV_AUDIT_LOG = _SERVE_OPTIONS["audit_log"].source.env or ""
ENV_REDIS_URL = _SERVE_OPTIONS["redis_url"].source.env or ""
ENV_APPROVALS_DIR = _SERVE_OPTIONS["approvals__directory"].source.env or ""


class UsageError(Exception):
    """A problem the person starting the server can fix; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aircall-mcp",
        description="The Aircall API as MCP tools, under per-agent grants, one shared rate budget and an audit trail.",
    )
    parser.add_argument("--version", action="version", version=f"aircall-mcp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve MCP over stdio (default) or Streamable HTTP")
    for option in _SERVE_OPTIONS.values():
        _add_setting(serve, option)

    init = commands.add_parser(
        "init", help=f"write the example grants (default {DEFAULT_GRANTS_HELP}); never overwrites"
    )
    init.add_argument("--grants", type=Path, help=f"directory to write them to (env {ENV_GRANTS})")

    webhooks = commands.add_parser("webhooks", help="the Aircall webhook that feeds live events").add_subparsers(
        dest="webhooks_command", required=True
    )
    register = webhooks.add_parser("register", help="create (or find and complete) the webhook for PUBLIC_URL")
    register.add_argument(
        "--url",
        required=True,
        help=f"the public https URL of this server's {WEBHOOK_PATH_DEFAULT}",
    )
    register.add_argument("--dry-run", action="store_true", help="show what would be done, change nothing")

    sandbox = commands.add_parser("sandbox", help="run the local Aircall sandbox alone")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--seed", type=int, default=7)
    sandbox.add_argument(
        "--rate-limit", type=int, default=DOCUMENTED_RATE_LIMIT, help="requests per window (0 = unlimited)"
    )
    sandbox.add_argument(
        "--rate-window", type=float, default=DOCUMENTED_RATE_WINDOW_SECONDS, help="window length in seconds"
    )

    grants = commands.add_parser("grants", help="check and explain grant files").add_subparsers(
        dest="grants_command", required=True
    )
    check = grants.add_parser("check", help="validate every grant file; non-zero exit on any error")
    check.add_argument("--grants", type=Path)
    show = grants.add_parser("show", help="explain in plain English what an agent can and cannot do")
    show.add_argument("agent")
    show.add_argument("--grants", type=Path)
    simulate = grants.add_parser(
        "simulate", help="replay an agent's recorded calls through a new grant; non-zero exit if any would be denied"
    )
    simulate.add_argument("agent")
    simulate.add_argument("--grant", type=Path, required=True, help="the new grant file (YAML) to try")
    simulate.add_argument("--audit", type=Path, help=f"audit JSONL file (env {ENV_AUDIT_LOG}; default as serve)")
    simulate.add_argument("--since", help="only calls of the last 7d, 12h, 30m, 2w...")
    simulate.add_argument("--json", action="store_true", help="the report as JSON")
    token = grants.add_parser("token", help="mint a bearer token for an agent (printed once)")
    token.add_argument("agent")
    token.add_argument("--grants", type=Path)

    approvals = commands.add_parser(
        "approvals", help="list, show, approve or deny calls waiting for an operator (tools.approve)"
    )
    approvals.add_argument("approvals_command", choices=["list", "show", "approve", "deny"])
    approvals.add_argument("approval_id", nargs="?", help="the approval's id (apr_...), for show/approve/deny")
    approvals.add_argument("--reason", help="why (recorded in the audit and told to the agent)")
    approvals.add_argument("--by", help="who decides (default: the login name)")
    approvals.add_argument("--json", action="store_true", help="list as JSON")
    approvals.add_argument("--redis-url", help=f"the server's Redis, if it keeps approvals there (env {ENV_REDIS_URL})")
    approvals.add_argument("--approvals-dir", type=Path, help=f"the queue's directory (env {ENV_APPROVALS_DIR})")
    approvals.add_argument("--audit-log", type=Path, help=f"audit JSONL file (env {ENV_AUDIT_LOG})")

    audit = commands.add_parser("audit", help="read the audit trail").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help="check the hash chain; non-zero exit at the first bad line")
    verify.add_argument("files", nargs="+", type=Path)
    tail = audit.add_parser("tail", help="print the human summaries")
    tail.add_argument("file", nargs="?", type=Path)
    tail.add_argument("-f", "--follow", action="store_true")
    tail.add_argument("-n", "--lines", type=int, default=20)
    tail.add_argument("--agent")
    tail.add_argument("--tool")
    tail.add_argument("--decision")
    add_log_level(parser)  # after the sub-commands: accepted before or after any of them
    return parser


def _add_setting(parser: argparse.ArgumentParser, option: Option) -> None:
    """The serve flag of one setting; absent from the namespace unless given, so the environment can apply."""
    if option.source.flag is None:
        return
    shown = option.shown_default
    notes = [f"env {option.source.env}"] if option.source.env else []
    notes += [shown if shown.startswith("required") else f"default {shown}"] if shown else []
    help_text = f"{option.help} ({'; '.join(notes)})" if notes else option.help
    common: dict[str, Any] = {"dest": option.dest, "default": argparse.SUPPRESS, "help": help_text}
    if option.kind is bool:
        parser.add_argument(option.source.flag, action="store_true", **common)
        return
    metavar = None if option.choices else option.source.flag.lstrip("-").replace("-", "_").upper()
    if option.kind is tuple:
        parser.add_argument(option.source.flag, action="append", metavar=metavar, **common)
    else:
        # Values stay text here: the settings model converts and checks them (`100M`, `1d`), naming the flag.
        parser.add_argument(option.source.flag, choices=option.choices, metavar=metavar, **common)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    environ = dict(os.environ if env is None else env)
    args = build_parser().parse_args(argv)
    # stderr only: on stdio, stdout is the protocol. Libraries stay at WARNING so the log stays readable.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logger.setLevel(args.log_level)
    try:
        if args.command == "serve":
            return _serve(args, environ)
        if args.command == "init":
            return _init(args, environ)
        if args.command == "sandbox":
            return _run_sandbox(args)
        if args.command == "approvals":
            return _approvals(args, environ)
        if args.command == "webhooks":
            return _webhooks(args, environ)
        code = _grants(args, environ) if args.command == "grants" else _audit(args, environ)
        sys.stdout.flush()  # here, where a reader that went away (`| head`) is handled, not at exit
        return code
    except (UsageError, GrantsDirectoryError) as exc:
        print(f"aircall-mcp: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        silence_stdout()
        return BROKEN_PIPE_EXIT
    except KeyboardInterrupt:
        return 130


def _grants_dir(flag: Path | None, env: Mapping[str, str], *, check: bool = True) -> Path:
    """--grants, else AIRCALL_MCP_GRANTS, else ./grants if it exists, else the default grants directory."""
    location = resolve_grants_dir(flag, env)
    if check:
        check_grants_dir(location)  # missing, a file, or empty: each its own message
    return location.path


def _init(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    # Not ./grants: init writes where an installed server looks when nobody says (or where it is told).
    explicit = args.grants or env.get(ENV_GRANTS)
    directory = Path(explicit) if explicit else default_grants_dir(env)
    from aircall_mcp.init import InitError, init_command  # noqa: PLC0415 - each command imports what it runs

    try:
        return init_command(directory, default_location=not explicit, out=sys.stdout)
    except InitError as exc:
        raise UsageError(str(exc)) from exc


def _serve(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import anyio  # noqa: PLC0415 - each command imports what it runs

    from aircall_mcp.wiring import StartupError, serve  # noqa: PLC0415

    flags = vars(args)
    try:
        flags["grants_dir"] = _grants_dir(flags.get("grants_dir"), env)
        settings = Settings.from_sources(flags, env)
        anyio.run(serve, settings)
    except (StartupError, ConfigurationError) as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _login_name() -> str:
    import getpass  # noqa: PLC0415 - approvals only

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "operator"


def _approvals(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import anyio  # noqa: PLC0415 - each command imports what it runs

    from aircall_mcp.approvals import ApprovalQueue, ApprovalsUnavailable  # noqa: PLC0415
    from aircall_mcp.approvals.operator import approvals_command  # noqa: PLC0415
    from aircall_mcp.wiring import approvals_backend  # noqa: PLC0415

    if args.approvals_command != "list" and not args.approval_id:
        raise UsageError(
            f"approvals {args.approvals_command} needs the approval's id (see `aircall-mcp approvals list`)"
        )
    audit_path = Path(args.audit_log or env.get(ENV_AUDIT_LOG) or default_audit_path(env))
    redis_url = args.redis_url or env.get(ENV_REDIS_URL)
    directory = Path(args.approvals_dir or env.get(ENV_APPROVALS_DIR) or default_approvals_dir(env))
    backend = approvals_backend(directory, SecretStr(redis_url) if redis_url else None)

    async def run() -> int:
        # Opened only to decide: listing must work where the audit log is not writable.
        log = audit.AuditLog(audit_path)
        try:
            return await approvals_command(
                ApprovalQueue(backend),
                log,
                args.approvals_command,
                approval_id=args.approval_id,
                by=args.by or _login_name(),
                reason=args.reason,
                as_json=args.json,
                out=sys.stdout,
                err=sys.stderr,
            )
        finally:
            log.close()
            await backend.aclose()

    try:
        code = anyio.run(run)
    except (ApprovalsUnavailable, audit.AuditUnavailable) as exc:
        raise UsageError(str(exc)) from exc
    sys.stdout.flush()
    return code


def _webhooks(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import anyio  # noqa: PLC0415 - each command imports what it runs

    from aircall_mcp.client import AircallClient  # noqa: PLC0415
    from aircall_mcp.credentials import base_url_from_env, credentials_from_env  # noqa: PLC0415
    from aircall_mcp.events.register import RegisterError, register_webhook  # noqa: PLC0415

    try:
        credentials, base_url = credentials_from_env(env), base_url_from_env(env)
    except ConfigurationError as exc:
        raise UsageError(str(exc)) from None

    async def register() -> list[str]:
        async with AircallClient(credentials, base_url) as client:
            return await register_webhook(client, args.url, dry_run=args.dry_run)

    try:
        lines = anyio.run(register)
    except RegisterError as exc:
        raise UsageError(str(exc)) from None
    except AircallError as exc:
        print(f"aircall-mcp: Aircall refused: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


def _run_sandbox(args: argparse.Namespace) -> int:
    from aircall_mcp.sandbox import SandboxConfig, serve_forever  # noqa: PLC0415 - each command imports what it runs

    config = SandboxConfig(seed=args.seed, rate_limit=args.rate_limit or None, rate_window_seconds=args.rate_window)
    serve_forever(config, host=args.host, port=args.port)
    return 0


def _grants(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from aircall_mcp import grants  # noqa: PLC0415 - each command imports what it runs
    from aircall_mcp.catalogue import CATALOGUE  # noqa: PLC0415

    if args.grants_command == "simulate":
        return _simulate(args, env)
    directory = _grants_dir(args.grants, env, check=args.grants_command != "token")
    if args.grants_command == "check":
        problems, ok = grants.check_directory(directory, CATALOGUE)
        for problem in problems:
            print(problem)
        print(f"{'ok' if ok else 'errors found'}: {directory}")
        return 0 if ok else 1
    if args.grants_command == "show":
        store = grants.GrantStore(directory, CATALOGUE)
        missing = unknown_agent(store, args.agent)
        if missing is not None:
            print(f"aircall-mcp: {missing}", file=sys.stderr)
            return 1
        print(grants.describe(store.grant_for(args.agent), CATALOGUE))
        return 0
    token, line = grants.mint_token()
    print(f"Bearer token for {args.agent} (shown once, store it in the agent's secret store):\n\n  {token}\n")
    print(f"Add this line under `tokens:` in {directory / (args.agent + '.yaml')}:\n\n  - {line}")
    return 0


def _simulate(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from aircall_mcp import grants  # noqa: PLC0415 - each command imports what it runs
    from aircall_mcp.catalogue import CATALOGUE  # noqa: PLC0415
    from aircall_mcp.grants import simulate as simulation  # noqa: PLC0415

    problem = grants.agent_name_problem(args.agent)
    if problem is not None:
        raise UsageError(problem)
    try:
        text = args.grant.read_text(encoding="utf-8")
        grant = grants.parse_grant(text, agent=args.agent, catalogue=CATALOGUE, source=args.grant)
        since = simulation.since_moment(args.since)
    except OSError as exc:
        raise UsageError(f"cannot read the grant file {args.grant}: {exc.strerror or exc}") from exc
    except (grants.GrantError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    audit_path = Path(args.audit or env.get(ENV_AUDIT_LOG) or default_audit_path(env))
    try:
        lines = simulation.read_audit(audit_path)
    except OSError as exc:
        raise UsageError(f"cannot read the audit file {audit_path}: {exc.strerror or exc}") from exc
    result = simulation.simulate(grant, CATALOGUE, lines, since=since)
    if args.json:
        print(json.dumps(result.as_json(), indent=1, ensure_ascii=False))
    else:
        simulation.report(result, sys.stdout)
    return 1 if result.newly_denied else 0


def _audit(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.audit_command == "verify":
        return audit.verify_command(args.files, out=sys.stdout)
    path = Path(args.file or env.get(ENV_AUDIT_LOG) or default_audit_path(env))
    return audit.tail_command(
        path, follow=args.follow, lines=args.lines, agent=args.agent, tool=args.tool, decision=args.decision
    )
