"""Command line: the only place that reads argv and the environment."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio
from pydantic import SecretStr

from aircall_mcp import __version__, audit, errors, grants
from aircall_mcp.approvals import ApprovalQueue, ApprovalsUnavailable
from aircall_mcp.approvals.operator import approvals_command
from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.cli_support import (
    BROKEN_PIPE_EXIT,
    ENV_SANDBOX,
    add_log_level,
    env_flag,
    silence_stdout,
    unknown_agent,
)
from aircall_mcp.grants import simulate as simulation
from aircall_mcp.http import ConfigurationError, HttpSettings
from aircall_mcp.init import InitError, init_command
from aircall_mcp.locations import (
    DEFAULT_GRANTS_HELP,
    ENV_GRANTS,
    GrantsDirectoryError,
    check_grants_dir,
    default_grants_dir,
    resolve_grants_dir,
)
from aircall_mcp.oauth import OAuthSettings
from aircall_mcp.sandbox import SandboxConfig, serve_forever
from aircall_mcp.wiring import ServeOptions, StartupError, approvals_backend, serve

logger = logging.getLogger("aircall_mcp")

ENV_AGENT = "AIRCALL_MCP_AGENT"
ENV_AUDIT_LOG = "AIRCALL_MCP_AUDIT_LOG"
ENV_OAUTH_ISSUER = "AIRCALL_MCP_OAUTH_ISSUER"
ENV_RESOURCE_URL = "AIRCALL_MCP_RESOURCE_URL"
ENV_OAUTH_CLIENT_ID = "AIRCALL_MCP_OAUTH_CLIENT_ID"
ENV_OAUTH_CLIENT_SECRET = "AIRCALL_MCP_OAUTH_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_REDIS_URL = "AIRCALL_MCP_REDIS_URL"
ENV_OPERATOR_TOKEN = "AIRCALL_MCP_OPERATOR_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_NOTIFY_URL = "AIRCALL_MCP_APPROVALS_NOTIFY_URL"


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
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve MCP over stdio (default) or Streamable HTTP")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--agent", help=f"agent whose grant applies over stdio (env {ENV_AGENT})")
    serve.add_argument(
        "--grants",
        type=Path,
        help=f"grant files directory (env {ENV_GRANTS}; default ./grants, else {DEFAULT_GRANTS_HELP})",
    )
    serve.add_argument("--audit-log", type=Path, help=f"audit JSONL file (env {ENV_AUDIT_LOG})")
    serve.add_argument("--audit-stderr", action="store_true", help="also write audit lines to stderr")
    serve.add_argument("--audit-fsync", choices=["never", "line"], default="never", help="fsync every line or never")
    serve.add_argument(
        "--audit-optional", action="store_true", help="act even when the audit cannot be written (not advised)"
    )
    serve.add_argument(
        "--sandbox", action="store_true", help=f"start the embedded Aircall sandbox and use it (env {ENV_SANDBOX}=1)"
    )
    serve.add_argument("--rate-limit", type=int, default=120, help="requests a minute assumed until Aircall says")
    serve.add_argument("--max-wait", type=float, default=30.0, help="longest rate-limit wait before a call fails (s)")
    _add_approvals_options(serve)
    _add_http_options(serve)

    init = commands.add_parser(
        "init", help=f"write the example grants (default {DEFAULT_GRANTS_HELP}); never overwrites"
    )
    init.add_argument("--grants", type=Path, help=f"directory to write them to (env {ENV_GRANTS})")

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
    add_log_level(parser)
    return parser


def _add_approvals_options(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("operator approvals (tools.approve)")
    group.add_argument("--redis-url", help=f"keep approvals in Redis, shared by replicas (env {ENV_REDIS_URL})")
    group.add_argument("--approvals-wait", type=float, default=20.0, help="how long a call waits for an operator (s)")
    group.add_argument("--approvals-ttl", type=float, default=3600.0, help="how long an approval stays valid (s)")
    group.add_argument(
        "--approvals-notify-url", help=f"POST each new approval here, Slack webhook shaped (env {ENV_NOTIFY_URL})"
    )


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
    oauth = serve.add_argument_group("OAuth 2.1 (HTTP only; static tokens keep working beside it)")
    oauth.add_argument("--oauth-issuer", help=f"the identity provider's issuer URL (env {ENV_OAUTH_ISSUER})")
    oauth.add_argument("--resource-url", help=f"this server's public URL of /mcp (env {ENV_RESOURCE_URL})")
    oauth.add_argument("--oauth-audience", help="audience tokens must carry, when the IdP cannot use the resource URL")
    oauth.add_argument(
        "--oauth-required-scope", action="append", default=[], help="scope every token must carry (repeatable)"
    )
    oauth.add_argument("--oauth-groups-claim", default="groups", help="claim listing a person's groups")
    oauth.add_argument("--oauth-leeway", type=float, default=30.0, help="clock skew allowed on exp/nbf (s)")
    oauth.add_argument(
        "--oauth-introspection",
        action="store_true",
        help=f"opaque tokens: introspect at the issuer (RFC 7662) with {ENV_OAUTH_CLIENT_ID}/{ENV_OAUTH_CLIENT_SECRET}",
    )
    oauth.add_argument("--oauth-introspection-url", help="introspection endpoint, if the issuer does not advertise it")


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
        code = _grants(args, environ) if args.command == "grants" else _audit(args, environ)
        sys.stdout.flush()  # here, where a reader that went away (`| head`) is handled, not at exit
        return code
    except (UsageError, GrantsDirectoryError, InitError) as exc:
        print(f"aircall-mcp: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        silence_stdout()
        return BROKEN_PIPE_EXIT
    except KeyboardInterrupt:
        return 130


def _grants_dir(args: argparse.Namespace, env: Mapping[str, str], *, check: bool = True) -> Path:
    location = resolve_grants_dir(args.grants, env)
    if check:
        check_grants_dir(location)  # missing, a file, or empty: each its own message
    return location.path


def _init(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    # Not ./grants: init writes where an installed server looks when nobody says (or where it is told).
    explicit = args.grants or env.get(ENV_GRANTS)
    directory = Path(explicit) if explicit else default_grants_dir(env)
    return init_command(directory, default_location=not explicit, out=sys.stdout)


def _serve(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.approvals_wait < 0 or args.approvals_ttl <= 0:
        raise UsageError("--approvals-wait must be 0 or more seconds and --approvals-ttl more than 0 seconds")
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
        sandbox=args.sandbox or _sandbox_from_env(env),
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
        oauth=_oauth_settings(args, env),
        redis_url=_secret(args.redis_url or env.get(ENV_REDIS_URL)),
        approvals_wait_seconds=args.approvals_wait,
        approvals_ttl_seconds=args.approvals_ttl,
        approvals_notify_url=_secret(args.approvals_notify_url or env.get(ENV_NOTIFY_URL)),
        operator_token=_secret(env.get(ENV_OPERATOR_TOKEN)),
    )
    try:
        anyio.run(serve, options, env)
    except (StartupError, ConfigurationError, errors.ConfigurationError) as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "operator"


def _approvals(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.approvals_command != "list" and not args.approval_id:
        raise UsageError(
            f"approvals {args.approvals_command} needs the approval's id (see `aircall-mcp approvals list`)"
        )
    audit_path = Path(args.audit_log or env.get(ENV_AUDIT_LOG) or default_audit_path(env))
    backend = approvals_backend(None, _secret(args.redis_url or env.get(ENV_REDIS_URL)), env)

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


def _oauth_settings(args: argparse.Namespace, env: Mapping[str, str]) -> OAuthSettings | None:
    issuer = args.oauth_issuer or env.get(ENV_OAUTH_ISSUER)
    resource = args.resource_url or env.get(ENV_RESOURCE_URL)
    if not issuer and not resource:
        return None
    if not issuer or not resource:
        missing = "--oauth-issuer" if not issuer else "--resource-url"
        raise UsageError(f"OAuth needs both --oauth-issuer and --resource-url: {missing} is not set")
    secret = env.get(ENV_OAUTH_CLIENT_SECRET)
    return OAuthSettings(
        issuer=issuer,
        resource_url=resource,
        audience=args.oauth_audience,
        required_scopes=tuple(args.oauth_required_scope),
        groups_claim=args.oauth_groups_claim,
        leeway_seconds=args.oauth_leeway,
        introspection=args.oauth_introspection,
        introspection_url=args.oauth_introspection_url,
        client_id=env.get(ENV_OAUTH_CLIENT_ID) or None,
        client_secret=SecretStr(secret) if secret else None,
    )


def _sandbox_from_env(env: Mapping[str, str]) -> bool:
    try:
        return env_flag(env, ENV_SANDBOX)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _run_sandbox(args: argparse.Namespace) -> int:
    config = SandboxConfig(seed=args.seed, rate_limit=args.rate_limit or None, rate_window_seconds=args.rate_window)
    serve_forever(config, host=args.host, port=args.port)
    return 0


def _grants(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.grants_command == "simulate":
        return _simulate(args, env)
    directory = _grants_dir(args, env, check=args.grants_command != "token")
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
