"""Command line: the only place that reads argv and the environment."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

from aircall_mcp import __version__, audit

# Each command imports what it needs when it runs (the server, the grants, the sandbox): `audit tail` and
# `audit verify` start in a fraction of the time the MCP SDK and the catalogue take to import.

logger = logging.getLogger("aircall_mcp")

ENV_AGENT = "AIRCALL_MCP_AGENT"
ENV_GRANTS = "AIRCALL_MCP_GRANTS"
ENV_AUDIT_LOG = "AIRCALL_MCP_AUDIT_LOG"
ENV_AUDIT_MAX_BYTES = "AIRCALL_MCP_AUDIT_MAX_BYTES"
ENV_AUDIT_KEEP = "AIRCALL_MCP_AUDIT_KEEP"
ENV_AUDIT_MAX_AGE = "AIRCALL_MCP_AUDIT_MAX_AGE"
DEFAULT_AUDIT_KEEP = 5
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class UsageError(Exception):
    """A problem the person starting the server can fix; printed without a traceback."""


def default_audit_path(env: Mapping[str, str]) -> Path:
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "aircall-mcp" / "audit.jsonl"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aircall-mcp",
        description="The Aircall API as MCP tools, under per-agent grants, one shared rate budget and an audit trail.",
    )
    parser.add_argument("--version", action="version", version=f"aircall-mcp {__version__}")
    parser.add_argument(
        "--log-level", default="INFO", help="level of aircall-mcp's own stderr log (default INFO; libraries: WARNING)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve MCP over stdio (default) or Streamable HTTP")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--agent", help=f"agent whose grant applies over stdio (env {ENV_AGENT})")
    serve.add_argument("--grants", type=Path, help=f"grant files directory (env {ENV_GRANTS}; default ./grants)")
    serve.add_argument("--audit-log", type=Path, help=f"audit JSONL file (env {ENV_AUDIT_LOG})")
    serve.add_argument("--audit-stderr", action="store_true", help="also write audit lines to stderr")
    serve.add_argument("--audit-fsync", choices=["never", "line"], default="never", help="fsync every line or never")
    serve.add_argument(
        "--audit-optional", action="store_true", help="act even when the audit cannot be written (not advised)"
    )
    serve.add_argument(
        "--audit-max-bytes",
        help=f"rotate the audit file before it passes this size, e.g. 100M (env {ENV_AUDIT_MAX_BYTES}; default: never)",
    )
    serve.add_argument(
        "--audit-max-age",
        help=f"rotate the audit file once its first line is this old, e.g. 1d or 12h (env {ENV_AUDIT_MAX_AGE})",
    )
    serve.add_argument(
        "--audit-keep",
        help=f"rotated audit files kept, oldest deleted first (env {ENV_AUDIT_KEEP}; default {DEFAULT_AUDIT_KEEP})",
    )
    serve.add_argument("--sandbox", action="store_true", help="start the embedded Aircall sandbox and use it")
    serve.add_argument("--rate-limit", type=int, default=120, help="requests a minute assumed until Aircall says")
    serve.add_argument("--max-wait", type=float, default=30.0, help="longest rate-limit wait before a call fails (s)")
    _add_http_options(serve)

    sandbox = commands.add_parser("sandbox", help="run the local Aircall sandbox alone")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--seed", type=int, default=7)
    sandbox.add_argument("--rate-limit", type=int, default=120, help="requests per window (0 = unlimited)")
    sandbox.add_argument("--rate-window", type=float, default=60.0, help="window length in seconds")

    grants = commands.add_parser("grants", help="check and explain grant files").add_subparsers(
        dest="grants_command", required=True
    )
    check = grants.add_parser("check", help="validate every grant file; non-zero exit on any error")
    check.add_argument("--grants", type=Path)
    show = grants.add_parser("show", help="explain in plain English what an agent can and cannot do")
    show.add_argument("agent")
    show.add_argument("--grants", type=Path)
    token = grants.add_parser("token", help="mint a bearer token for an agent (printed once)")
    token.add_argument("agent")
    token.add_argument("--grants", type=Path)

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
    return parser


def _add_http_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port")
    serve.add_argument("--anonymous-agent", help="serve token-less HTTP requests as this agent (loopback only)")
    serve.add_argument("--stateless", action="store_true", help="no HTTP sessions (for several replicas)")
    serve.add_argument("--allowed-host", action="append", default=[], help="extra Host header allowed (repeatable)")
    serve.add_argument("--allowed-origin", action="append", default=[], help="extra Origin allowed (repeatable)")
    serve.add_argument("--max-body-bytes", type=int, default=1_048_576, help="largest request body accepted")
    serve.add_argument(
        "--shutdown-grace", type=float, default=30.0, help="seconds calls in flight get to finish on SIGTERM"
    )


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    environ = dict(os.environ if env is None else env)
    args = build_parser().parse_args(argv)
    # stderr only: on stdio, stdout is the protocol. Libraries stay at WARNING so the log stays readable.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logger.setLevel(args.log_level.upper())
    try:
        if args.command == "serve":
            return _serve(args, environ)
        if args.command == "sandbox":
            return _run_sandbox(args)
        if args.command == "grants":
            return _grants(args, environ)
        return _audit(args, environ)
    except UsageError as exc:
        print(f"aircall-mcp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _grants_dir(args: argparse.Namespace, env: Mapping[str, str]) -> Path:
    return Path(args.grants or env.get(ENV_GRANTS) or "grants")


def _serve(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import anyio  # noqa: PLC0415 - lazy, see the imports

    from aircall_mcp.http import ConfigurationError, HttpSettings  # noqa: PLC0415
    from aircall_mcp.wiring import ServeOptions, StartupError, serve  # noqa: PLC0415

    options = ServeOptions(
        transport=args.transport,
        agent=args.agent or env.get(ENV_AGENT),
        grants_dir=_grants_dir(args, env),
        audit_path=Path(args.audit_log or env.get(ENV_AUDIT_LOG) or default_audit_path(env)),
        # The default location is ours to create; a path the operator named must already have its directory.
        audit_dir_create=not (args.audit_log or env.get(ENV_AUDIT_LOG)),
        audit_stderr=args.audit_stderr,
        audit_fsync=args.audit_fsync,
        audit_required=not args.audit_optional,
        audit_max_bytes=_audit_max_bytes(args, env),
        audit_max_age=_audit_max_age(args, env),
        audit_keep=_audit_keep(args, env),
        sandbox=args.sandbox,
        rate_limit=args.rate_limit,
        max_wait_seconds=args.max_wait,
        http=HttpSettings(
            host=args.host,
            port=args.port,
            anonymous_agent=args.anonymous_agent,
            stateless=args.stateless,
            allowed_hosts=tuple(args.allowed_host),
            allowed_origins=tuple(args.allowed_origin),
            max_body_bytes=args.max_body_bytes,
            graceful_shutdown_seconds=args.shutdown_grace,
        ),
    )
    try:
        anyio.run(serve, options, env)
    except (StartupError, ConfigurationError) as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _audit_max_bytes(args: argparse.Namespace, env: Mapping[str, str]) -> int | None:
    text, source = _flag_or_env(args.audit_max_bytes, "--audit-max-bytes", env, ENV_AUDIT_MAX_BYTES)
    if text is None:
        return None
    number, unit = text.upper().removesuffix("B").removesuffix("I"), ""
    if number[-1:] in _SIZE_UNITS:
        number, unit = number[:-1], number[-1]
    if not number.isdigit() or int(number) == 0:
        raise UsageError(
            f"{source} must be a positive size in bytes, optionally with K, M or G (e.g. 100M), not {text!r}"
        )
    return int(number) * _SIZE_UNITS[unit]


def _audit_max_age(args: argparse.Namespace, env: Mapping[str, str]) -> timedelta | None:
    text, source = _flag_or_env(args.audit_max_age, "--audit-max-age", env, ENV_AUDIT_MAX_AGE)
    if text is None:
        return None
    number, unit = (text[:-1], text[-1]) if text[-1:] in _AGE_UNITS else (text, "s")
    if not number.isdigit() or int(number) == 0:
        raise UsageError(f"{source} must be a positive duration: a number with s, m, h or d (e.g. 1d), not {text!r}")
    return timedelta(seconds=int(number) * _AGE_UNITS[unit])


def _audit_keep(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    text, source = _flag_or_env(args.audit_keep, "--audit-keep", env, ENV_AUDIT_KEEP)
    if text is None:
        return DEFAULT_AUDIT_KEEP
    if not text.isdigit() or int(text) == 0:
        # Keeping none would delete each file as it is rotated out: that is not rotation but loss.
        raise UsageError(f"{source} must be a whole number of rotated files to keep, at least 1, not {text!r}")
    return int(text)


def _flag_or_env(value: str | None, flag: str, env: Mapping[str, str], name: str) -> tuple[str | None, str]:
    """The setting's text (stripped) and where it came from, for error messages; the flag wins."""
    if value is not None:
        return value.strip(), flag
    if env.get(name):
        return env[name].strip(), name
    return None, flag


def _run_sandbox(args: argparse.Namespace) -> int:
    from aircall_mcp.sandbox import SandboxConfig, serve_forever  # noqa: PLC0415 - lazy, see the imports

    config = SandboxConfig(seed=args.seed, rate_limit=args.rate_limit or None, rate_window_seconds=args.rate_window)
    serve_forever(config, host=args.host, port=args.port)
    return 0


def _grants(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from aircall_mcp import grants  # noqa: PLC0415 - lazy, see the imports
    from aircall_mcp.catalogue import CATALOGUE  # noqa: PLC0415

    directory = _grants_dir(args, env)
    if args.grants_command == "check":
        problems, ok = grants.check_directory(directory, CATALOGUE)
        for problem in problems:
            print(problem)
        print(f"{'ok' if ok else 'errors found'}: {directory}")
        return 0 if ok else 1
    if args.grants_command == "show":
        store = grants.GrantStore(directory, CATALOGUE)
        print(grants.describe(store.grant_for(args.agent), CATALOGUE))
        return 0
    token, line = grants.mint_token()
    print(f"Bearer token for {args.agent} (shown once, store it in the agent's secret store):\n\n  {token}\n")
    print(f"Add this line under `tokens:` in {directory / (args.agent + '.yaml')}:\n\n  - {line}")
    return 0


def _audit(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.audit_command == "verify":
        return audit.verify_command(args.files, out=sys.stdout)
    path = Path(args.file or env.get(ENV_AUDIT_LOG) or default_audit_path(env))
    return audit.tail_command(
        path, follow=args.follow, lines=args.lines, agent=args.agent, tool=args.tool, decision=args.decision
    )
