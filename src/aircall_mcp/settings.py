"""Every setting of `aircall-mcp serve` in one frozen model: its default, flag, environment variable and help.

The CLI builds `Settings` with `Settings.from_sources(flags, env)` (a flag wins over its variable, which wins
over the default); wiring and the modules it builds read what they need from it. The serve command's flags
and the README's configuration table are generated from the same fields (`options()`), so neither can drift.
Aircall's own limits are facts, not settings: they live in `aircall_mcp.facts`.
"""

from __future__ import annotations

import secrets
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, SecretStr
from pydantic.fields import FieldInfo

from aircall_mcp.credentials import (
    DEFAULT_BASE_URL,
    ENV_ACCESS_TOKEN,
    ENV_API_ID,
    ENV_API_TOKEN,
    ENV_BASE_URL,
    Credentials,
    checked_base_url,
    credentials_from_env,
)
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.facts import DOCUMENTED_RATE_LIMIT
from aircall_mcp.locations import DEFAULT_GRANTS_HELP, default_approvals_dir, state_home
from aircall_mcp.oauth.settings import DEFAULT_ALGORITHMS, OAuthSettings

__all__ = [
    "DEFAULT_MAX_RESULT_BYTES",
    "DEFAULT_MAX_WAIT_SECONDS",
    "DEFAULT_RATE_LIMIT",
    "ENVIRONMENT_ONLY",
    "HttpSettings",
    "Option",
    "Settings",
    "Source",
    "default_audit_path",
    "options",
]

# Until Aircall's headers say otherwise, assume the documented budget.
DEFAULT_RATE_LIMIT = DOCUMENTED_RATE_LIMIT
DEFAULT_MAX_WAIT_SECONDS = 30.0
# The largest tool result (JSON bytes) handed to a model; bigger lists are cut at an item boundary.
DEFAULT_MAX_RESULT_BYTES = 100_000

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _size(value: object) -> object:
    """`100M`, `2K`, `512` (bytes) -> a positive number of bytes."""
    text = str(value).strip().upper().removesuffix("B").removesuffix("I")
    number, unit = (text[:-1], text[-1]) if text[-1:] in _SIZE_UNITS else (text, "")
    if not number.isdigit() or int(number) == 0:
        raise ValueError("must be a positive size in bytes, optionally with K, M or G (e.g. 100M)")
    return int(number) * _SIZE_UNITS[unit]


def _seconds(value: object) -> object:
    """`1d`, `12h`, `30m`, `90s` or a plain number of seconds -> a positive number of seconds."""
    text = str(value).strip()
    number, unit = (text[:-1], text[-1]) if text[-1:] in _AGE_UNITS else (text, "s")
    try:
        seconds = float(number) * _AGE_UNITS[unit]
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError("must be a positive duration: a number with s, m, h or d (e.g. 1d)")
    return seconds


def _count(value: object) -> object:
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError("must be a whole number, at least 1")
    return int(text)


ByteCount = Annotated[int, BeforeValidator(_size)]
Duration = Annotated[float, BeforeValidator(_seconds)]
Count = Annotated[int, BeforeValidator(_count)]


@dataclass(frozen=True)
class Source:
    """Where an operator sets a field: a command-line flag, an environment variable, or both."""

    flag: str | None = None
    env: str | None = None
    # How the README and --help show the default when the value itself would mislead (a computed path).
    shown_default: str | None = None


class HttpSettings(BaseModel):
    """The Streamable HTTP transport (`--transport http`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: Annotated[str, Source("--host", "AIRCALL_MCP_HOST")] = Field("127.0.0.1", description="HTTP bind address")
    port: Annotated[int, Source("--port", "AIRCALL_MCP_PORT")] = Field(
        8000, ge=0, le=65535, description="HTTP port (0: any free port)"
    )
    anonymous_agent: Annotated[str | None, Source("--anonymous-agent", "AIRCALL_MCP_ANONYMOUS_AGENT")] = Field(
        None, description="serve token-less HTTP requests as this agent (loopback only)"
    )
    stateless: Annotated[bool, Source("--stateless", "AIRCALL_MCP_STATELESS")] = Field(
        False, description="no HTTP sessions (for several replicas)"
    )
    allowed_hosts: Annotated[tuple[str, ...], Source("--allowed-host", "AIRCALL_MCP_ALLOWED_HOSTS")] = Field(
        (), description="extra Host header allowed (repeatable; the variable takes a comma-separated list)"
    )
    allowed_origins: Annotated[tuple[str, ...], Source("--allowed-origin", "AIRCALL_MCP_ALLOWED_ORIGINS")] = Field(
        (), description="extra Origin allowed (repeatable; the variable takes a comma-separated list)"
    )
    max_body_bytes: Annotated[int, Source("--max-body-bytes", "AIRCALL_MCP_MAX_BODY_BYTES")] = Field(
        1_048_576, ge=1, description="largest request body accepted"
    )
    graceful_shutdown_seconds: Annotated[float, Source("--shutdown-grace", "AIRCALL_MCP_SHUTDOWN_GRACE")] = Field(
        30.0, ge=0, description="seconds calls in flight get to finish on SIGTERM"
    )
    # The internal bearer token that --anonymous-agent requests are given; never configured, never shown.
    _anonymous_token: str = PrivateAttr(default_factory=lambda: secrets.token_urlsafe(32))


class EventSettings(BaseModel):
    """Live Aircall events: the webhook receiver (HTTP) and the stream kept for `wait_for_events`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    disabled: Annotated[bool, Source("--no-events", "AIRCALL_MCP_NO_EVENTS")] = Field(
        False, description="receive no webhooks and offer no wait_for_events"
    )
    webhook_path: Annotated[str, Source("--webhook-path", "AIRCALL_MCP_WEBHOOK_PATH")] = Field(
        "/aircall/webhooks", pattern=r"^/[^\s?#]*$", description="where Aircall delivers webhooks (HTTP)"
    )
    max_events: Annotated[int, Source("--events-max", "AIRCALL_MCP_EVENTS_MAX")] = Field(
        10_000, ge=1, description="events kept (the oldest go first)"
    )
    max_age_seconds: Annotated[float, Source("--events-max-age", "AIRCALL_MCP_EVENTS_MAX_AGE")] = Field(
        86_400.0, gt=0, description="seconds an event is kept (also the window in which a repeat is dropped)"
    )
    tokens: Annotated[tuple[SecretStr, ...], Source(env="AIRCALL_WEBHOOK_TOKEN")] = Field(
        (), description="tokens of the Aircall webhooks whose deliveries are accepted (comma-separated)", repr=False
    )
    sandbox_calls_every: Annotated[float, Source("--sandbox-calls-every", "AIRCALL_MCP_SANDBOX_CALLS_EVERY")] = Field(
        0.0, ge=0, description="with --sandbox: simulate a call every N seconds (0: only on request)"
    )


class ApprovalSettings(BaseModel):
    """Operator approvals (`tools.approve`): the queue, how long a call waits, who is told."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    directory: Annotated[
        Path | None,
        Source("--approvals-dir", "AIRCALL_MCP_APPROVALS_DIR", shown_default="$XDG_STATE_HOME/aircall-mcp/approvals"),
    ] = Field(None, description="the approvals queue's directory (file store; not used with --redis-url)")
    wait_seconds: Annotated[float, Source("--approvals-wait", "AIRCALL_MCP_APPROVALS_WAIT")] = Field(
        20.0, ge=0, description="how long a call waits for an operator before it answers 'pending' (seconds)"
    )
    ttl_seconds: Annotated[float, Source("--approvals-ttl", "AIRCALL_MCP_APPROVALS_TTL")] = Field(
        3600.0, gt=0, description="how long a pending or granted approval stays valid (seconds)"
    )
    notify_url: Annotated[SecretStr | None, Source("--approvals-notify-url", "AIRCALL_MCP_APPROVALS_NOTIFY_URL")] = (
        Field(None, description="POST each new pending approval here (shaped for a Slack incoming webhook)")
    )
    operator_token: Annotated[SecretStr | None, Source(env="AIRCALL_MCP_OPERATOR_TOKEN")] = Field(
        None, description="bearer token of the operator route /operator/approvals (HTTP; not an agent token)"
    )


class OAuthOptions(BaseModel):
    """OAuth 2.1 for hosted agents (`--transport http`): the identity provider this server trusts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: Annotated[str | None, Source("--oauth-issuer", "AIRCALL_MCP_OAUTH_ISSUER")] = Field(
        None, description="the identity provider's issuer URL; turns OAuth on (with --resource-url)"
    )
    resource_url: Annotated[str | None, Source("--resource-url", "AIRCALL_MCP_RESOURCE_URL")] = Field(
        None, description="this server's public URL of /mcp, the audience tokens must name"
    )
    audience: Annotated[str | None, Source("--oauth-audience", "AIRCALL_MCP_OAUTH_AUDIENCE")] = Field(
        None, description="audience tokens must carry when the provider cannot put the resource URL there"
    )
    required_scopes: Annotated[
        tuple[str, ...], Source("--oauth-required-scope", "AIRCALL_MCP_OAUTH_REQUIRED_SCOPES")
    ] = Field((), description="scope every OAuth token must carry (repeatable; the variable takes a list)")
    groups_claim: Annotated[str, Source("--oauth-groups-claim", "AIRCALL_MCP_OAUTH_GROUPS_CLAIM")] = Field(
        "groups", description="the claim that lists a person's groups"
    )
    leeway_seconds: Annotated[float, Source("--oauth-leeway", "AIRCALL_MCP_OAUTH_LEEWAY")] = Field(
        30.0, ge=0, le=300, description="clock skew allowed on a token's exp and nbf (seconds)"
    )
    introspection: Annotated[bool, Source("--oauth-introspection", "AIRCALL_MCP_OAUTH_INTROSPECTION")] = Field(
        False, description="opaque tokens: check them at the issuer's introspection endpoint (RFC 7662)"
    )
    introspection_url: Annotated[
        str | None, Source("--oauth-introspection-url", "AIRCALL_MCP_OAUTH_INTROSPECTION_URL")
    ] = Field(None, description="the introspection endpoint, when the issuer does not advertise one")
    client_id: Annotated[str | None, Source(env="AIRCALL_MCP_OAUTH_CLIENT_ID")] = Field(
        None, description="this server's client id at the issuer (for introspection)"
    )
    client_secret: Annotated[SecretStr | None, Source(env="AIRCALL_MCP_OAUTH_CLIENT_SECRET")] = Field(
        None, description="this server's client secret at the issuer (for introspection)", repr=False
    )

    def resolve(self) -> OAuthSettings | None:
        """The OAuth settings to serve with, None when OAuth is off; raises ConfigurationError when half set."""
        if self.issuer is None and self.resource_url is None:
            return None
        if self.issuer is None or self.resource_url is None:
            missing = "--oauth-issuer" if self.issuer is None else "--resource-url"
            raise ConfigurationError(f"OAuth needs both --oauth-issuer and --resource-url: {missing} is not set")
        return OAuthSettings(
            issuer=self.issuer,
            resource_url=self.resource_url,
            audience=self.audience,
            algorithms=DEFAULT_ALGORITHMS,
            leeway_seconds=self.leeway_seconds,
            groups_claim=self.groups_claim,
            required_scopes=self.required_scopes,
            introspection=self.introspection,
            introspection_url=self.introspection_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
        )


class Settings(BaseModel):
    """Everything `aircall-mcp serve` can be told. Build it with `from_sources` (or directly, in tests)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    transport: Annotated[Literal["stdio", "http"], Source("--transport", "AIRCALL_MCP_TRANSPORT")] = Field(
        "stdio", description="serve MCP over stdio or Streamable HTTP"
    )
    agent: Annotated[str | None, Source("--agent", "AIRCALL_MCP_AGENT", shown_default="required over stdio")] = Field(
        None, description="agent whose grant applies over stdio"
    )
    grants_dir: Annotated[
        Path | None,
        Source("--grants", "AIRCALL_MCP_GRANTS", shown_default=f"./grants if it exists, else {DEFAULT_GRANTS_HELP}"),
    ] = Field(None, description="grant files directory (`aircall-mcp init` writes the examples there)")
    audit_log: Annotated[
        Path | None,
        Source("--audit-log", "AIRCALL_MCP_AUDIT_LOG", shown_default="$XDG_STATE_HOME/aircall-mcp/audit.jsonl"),
    ] = Field(None, description="audit JSONL file (a named file's directory must exist; the default one is created)")
    audit_stderr: Annotated[bool, Source("--audit-stderr", "AIRCALL_MCP_AUDIT_STDERR")] = Field(
        False, description="also write audit lines to stderr (containers)"
    )
    audit_fsync: Annotated[Literal["never", "line"], Source("--audit-fsync", "AIRCALL_MCP_AUDIT_FSYNC")] = Field(
        "never", description="fsync every audit line, or never (each line is still written whole and flushed)"
    )
    audit_optional: Annotated[bool, Source("--audit-optional", "AIRCALL_MCP_AUDIT_OPTIONAL")] = Field(
        False, description="act even when the audit cannot be written (not advised; by default calls are refused)"
    )
    audit_max_bytes: Annotated[ByteCount | None, Source("--audit-max-bytes", "AIRCALL_MCP_AUDIT_MAX_BYTES")] = Field(
        None, description="rotate the audit file before it passes this size, e.g. 100M (default: never)"
    )
    audit_max_age: Annotated[Duration | None, Source("--audit-max-age", "AIRCALL_MCP_AUDIT_MAX_AGE")] = Field(
        None, description="rotate the audit file once its first line is this old, e.g. 1d or 12h"
    )
    # Keeping none would delete each file as it is rotated out: that is not rotation but loss.
    audit_keep: Annotated[Count, Source("--audit-keep", "AIRCALL_MCP_AUDIT_KEEP")] = Field(
        5, description="rotated audit files kept (PATH.1 ... PATH.N), the oldest deleted first"
    )
    sandbox: Annotated[bool, Source("--sandbox", "AIRCALL_MCP_SANDBOX")] = Field(
        False, description="start the embedded Aircall sandbox and use it (no Aircall account needed)"
    )
    rate_limit: Annotated[int, Source("--rate-limit", "AIRCALL_MCP_RATE_LIMIT")] = Field(
        DEFAULT_RATE_LIMIT, ge=1, description="requests a minute assumed until Aircall's headers say"
    )
    max_wait_seconds: Annotated[float, Source("--max-wait", "AIRCALL_MCP_MAX_WAIT")] = Field(
        DEFAULT_MAX_WAIT_SECONDS, ge=0, description="longest wait for the rate budget before a call fails (seconds)"
    )
    max_result_bytes: Annotated[int, Source("--max-result-bytes", "AIRCALL_MCP_MAX_RESULT_BYTES")] = Field(
        DEFAULT_MAX_RESULT_BYTES, ge=1_000, description="largest tool result in JSON bytes; longer lists are cut"
    )
    base_url: Annotated[str, Source(env=ENV_BASE_URL)] = Field(
        DEFAULT_BASE_URL, description="Aircall base URL (a proxy, or a sandbox run apart)"
    )
    redis_url: Annotated[SecretStr | None, Source("--redis-url", "AIRCALL_MCP_REDIS_URL")] = Field(
        None, description="keep shared state (events) in Redis, for several replicas (redis:// or rediss://)"
    )
    http: HttpSettings = Field(default_factory=HttpSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    oauth: OAuthOptions = Field(default_factory=OAuthOptions)
    # Filled by `from_sources` from the environment unless --sandbox; never shown, never a flag.
    credentials: Credentials | None = Field(None, repr=False)
    # The audit path is the default location, which is ours to create (not a directory the operator named).
    audit_dir_create: bool = False

    @property
    def audit_required(self) -> bool:
        return not self.audit_optional

    def secrets(self) -> list[str]:
        """The settings' own secrets, for the audit's scrubber (credentials are added apart)."""
        values = (self.redis_url, self.approvals.notify_url, self.approvals.operator_token)
        return [value.get_secret_value() for value in values if value is not None]

    @classmethod
    def from_sources(cls, flags: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
        """Settings from parsed flags (keyed by `Option.dest`; absent = not given) and the environment.

        Raises ConfigurationError naming the flag or variable at fault and what would be valid. Credentials
        are read (and required) only when the sandbox is not used.
        """
        data: dict[str, Any] = {}
        where: dict[tuple[str, ...], str] = {}
        for option in options():
            if option.dest in flags and flags[option.dest] is not None:
                value: Any = flags[option.dest]
                where[option.path] = option.source.flag or option.dest
            elif option.source.env and env.get(option.source.env, "").strip():
                value = _from_env(option, env[option.source.env])
                where[option.path] = option.source.env
            else:
                continue
            target = data
            for key in option.path[:-1]:
                target = target.setdefault(key, {})
            target[option.path[-1]] = value
        if data.get("approvals", {}).get("directory") is None:
            data.setdefault("approvals", {})["directory"] = default_approvals_dir(env)
        if data.get("audit_log") is None:
            data["audit_log"] = default_audit_path(env)
            data["audit_dir_create"] = True
        try:
            settings = cls.model_validate(data)
        except pydantic.ValidationError as exc:
            raise ConfigurationError(_describe(exc, where)) from None
        if settings.sandbox:
            return settings
        base_url = checked_base_url(settings.base_url, source=ENV_BASE_URL)
        return settings.model_copy(update={"credentials": credentials_from_env(env), "base_url": base_url})


# Read from the environment only and never shown: secrets (rows of the README's configuration table).
ENVIRONMENT_ONLY: tuple[tuple[str, str, str], ...] = (
    ("Aircall API key (HTTP Basic)", f"`{ENV_API_ID}` + `{ENV_API_TOKEN}`", "required unless `--sandbox` or OAuth"),
    ("Aircall OAuth token (Bearer)", f"`{ENV_ACCESS_TOKEN}`", ""),
)


def default_audit_path(env: Mapping[str, str]) -> Path:
    return state_home(env) / "aircall-mcp" / "audit.jsonl"


@dataclass(frozen=True)
class Option:
    """One operator-facing setting: where it lives in `Settings`, how it is set, and what it means."""

    path: tuple[str, ...]
    source: Source
    help: str
    default: Any
    annotation: Any

    @property
    def dest(self) -> str:
        """The argparse destination of its flag."""
        return "__".join(self.path)

    @property
    def kind(self) -> type:
        """The value's base type: bool, int, float, str, Path or tuple (a list of strings)."""
        inner = _without_none(self.annotation)
        if typing.get_origin(inner) is Literal:
            return str
        if typing.get_origin(inner) is tuple:
            return tuple
        return inner if isinstance(inner, type) else str

    @property
    def choices(self) -> tuple[str, ...] | None:
        inner = _without_none(self.annotation)
        return typing.get_args(inner) if typing.get_origin(inner) is Literal else None

    @property
    def shown_default(self) -> str:
        if self.source.shown_default is not None:
            return self.source.shown_default
        if self.default is None or self.default == ():
            return ""
        if self.kind is bool:
            return "on" if self.default else "off"
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)


def options(model: type[BaseModel] = Settings, prefix: tuple[str, ...] = ()) -> Iterator[Option]:
    """Every field an operator can set, nested models included, in declaration order."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from options(annotation, (*prefix, name))
            continue
        source = _source_of(info)
        if source is not None:
            yield Option((*prefix, name), source, info.description or "", info.get_default(), annotation)


def _source_of(info: FieldInfo) -> Source | None:
    return next((item for item in info.metadata if isinstance(item, Source)), None)


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _from_env(option: Option, raw: str) -> Any:
    text = raw.strip()
    if option.kind is bool:
        lowered = text.lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ConfigurationError(f"{option.source.env} must be one of 1/true/yes/on or 0/false/no/off, not {text!r}")
    if option.kind is tuple:
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


def _describe(exc: pydantic.ValidationError, where: Mapping[tuple[str, ...], str]) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        path = tuple(str(part) for part in error["loc"])
        name = next((where[path[:n]] for n in range(len(path), 0, -1) if path[:n] in where), ".".join(path))
        given = repr(error.get("input"))
        given = given if len(given) <= 80 else given[:77] + "..."
        problems.append(f"{name}: {error['msg']} (got {given})")
    return "invalid settings: " + "; ".join(problems)
