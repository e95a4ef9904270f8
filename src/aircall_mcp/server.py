"""The MCP server: the catalogue, filtered by each agent's grant, served as tools.

One call flows through `ToolRunner._call` top to bottom, once, in this order:
identify the agent -> find the tool -> may this agent call it at all (grant) -> validate the arguments
-> may it call it with these arguments (grant: constraints, number scope) -> confirm (a person)
-> audit intent (writes) -> send to Aircall (rate limit and retries live in the client) -> shape the result
-> filter and redact (grant) -> audit outcome -> answer. Every failure on the way is a tool error.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from mcp.server import NotificationOptions, Server, ServerRequestContext
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.models import InitializationOptions
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, ValidationError

from aircall_mcp import __version__
from aircall_mcp.audit import AuditEvent, AuditLog, AuditUnavailable, Phase, Transport
from aircall_mcp.catalogue import CATALOGUE, action_text, build_request, to_mcp_tool
from aircall_mcp.client import AircallClient, AircallResponse, PageCollection
from aircall_mcp.confirmation import Confirmations
from aircall_mcp.endpoint import Access, Endpoint, PreparedRequest
from aircall_mcp.errors import AircallError, SendStats
from aircall_mcp.events import WAIT_FOR_EVENTS, WAIT_FOR_EVENTS_TOOL, EventFeed
from aircall_mcp.events.resources import EventResources
from aircall_mcp.grants import (
    Decision,
    Grant,
    GrantStore,
    authorize,
    check_call_scope,
    decide,
    filter_and_redact,
    redact_arguments,
    visible_tools,
)
from aircall_mcp.results import compact_json, shape_result

logger = logging.getLogger("aircall_mcp.server")

# A tools/list page. Large enough that a full grant fits in one page for most clients.
TOOLS_PAGE_SIZE = 100

INSTRUCTIONS = (
    "Tools for one Aircall phone-system account, limited to what this agent's grant allows. "
    "Ids come from list/search tools; tag ids come from list_tags. Phone numbers are E.164 (+33612345678). "
    "All agents share one Aircall rate budget: prefer search and filters over paging through everything. "
    "List results show nested users and numbers as references (id, name, email or digits); get tools give all fields."
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the agent whose grant applies, and where the call came from."""

    agent: str
    transport: Transport
    session_id: str | None


@dataclass
class Runtime:
    """Everything a call needs, built once by the CLI (or a test) and shared by every session."""

    client: AircallClient
    grants: GrantStore
    audit: AuditLog
    transport: Transport = "stdio"
    # The agent served when the transport does not name one (stdio, in-memory, --anonymous-agent).
    default_agent: str | None = None
    catalogue: Sequence[Endpoint] = CATALOGUE
    confirmations: Confirmations = field(default_factory=Confirmations)
    process_session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Live Aircall events (wait_for_events), when the server receives webhooks.
    events: EventFeed | None = None
    monotonic: Callable[[], float] = time.monotonic


def build_server(runtime: Runtime) -> Server[Any]:
    """The low-level MCP server whose two handlers both ask the grant."""
    runner = ToolRunner(runtime)

    async def on_list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return runner.list_tools(ctx, params)

    async def on_call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        return await runner.call(ctx, params)

    def tool_input_schema(name: str) -> Mapping[str, Any] | None:
        # Lets modern HTTP validate Mcp-Param headers without re-running tools/list for every call.
        tool = runner.tools.get(name)
        return None if tool is None else tool.input_schema

    # The aircall://events resource, and its update notifications, exist only when events are received.
    resources: dict[str, Any] = {}
    if runtime.events is not None:
        events = EventResources(runtime.events, runtime.grants.grant_for, lambda ctx: runner.caller(ctx).agent)
        if runtime.events.receiver is not None:
            runtime.events.receiver.listeners.append(events.notify)
        resources = events.handlers()

    return _AircallServer(
        "aircall-mcp",
        version=__version__,
        title="Aircall",
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        get_tool_input_schema=tool_input_schema,
        **resources,
    )


class _AircallServer(Server[Any]):
    """Advertises tools.listChanged (handshake era): editing a grant changes the tools an agent may see."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=True), experimental_capabilities, extensions
        )


class ToolRunner:
    """The two handlers. Holds no per-call state: every request derives the caller afresh."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        # Built once: every list and call reads these.
        self.tools = {ep.name: to_mcp_tool(ep) for ep in runtime.catalogue}
        self._endpoints = {ep.name: ep for ep in runtime.catalogue}
        if runtime.events is not None:
            self.tools[WAIT_FOR_EVENTS] = WAIT_FOR_EVENTS_TOOL
        # The tools each agent was last shown, to tell its client when a grant edit changes them. Exact over
        # stdio (one session per process); over HTTP the next session of that agent to call is the one told.
        self._shown: dict[str, tuple[str, ...]] = {}

    # -- tools/list ---------------------------------------------------------------------------------------

    def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        agent = self.caller(ctx).agent
        names = self._visible(self.rt.grants.grant_for(agent))
        self._shown[agent] = names
        start = _cursor_offset(params.cursor if params else None, len(names))
        page = names[start : start + TOOLS_PAGE_SIZE]
        end = start + len(page)
        return types.ListToolsResult(
            tools=[self.tools[name] for name in page],
            next_cursor=str(end) if end < len(names) else None,
        )

    def _visible(self, grant: Grant) -> tuple[str, ...]:
        names = tuple(ep.name for ep in visible_tools(grant, self.rt.catalogue))
        events = self.rt.events
        return (*names, WAIT_FOR_EVENTS) if events is not None and events.offered(grant) else names

    async def _tell_if_tools_changed(self, ctx: ServerRequestContext[Any], agent: str, grant: Grant) -> None:
        shown = self._shown.get(agent)
        now = self._visible(grant)
        if shown is None or shown == now:
            return
        self._shown[agent] = now
        try:
            # Handshake era: rides the connection's own channel. 2026-07-28 clients re-list on their own.
            await ctx.session.send_tool_list_changed()
        except Exception:  # a client that went away must not fail the call it made
            logger.debug("could not send tools/list_changed to %s", agent, exc_info=True)

    # -- tools/call ---------------------------------------------------------------------------------------

    async def call(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        started = self.rt.monotonic()
        caller = self.caller(ctx)
        audit = _AuditTrail(self.rt.audit, caller, params.name, started, self.rt.monotonic)
        try:
            return await self._call(ctx, params, caller, audit)
        except AuditUnavailable as exc:
            logger.error("audit trail unavailable, refusing %s: %s", params.name, exc)
            if audit.intent_id is not None:
                # The intent line made it, the outcome did not: the request may already have reached Aircall.
                return tool_error(
                    "The audit trail failed after this request was sent: it may have been applied by Aircall, "
                    "but its result is withheld because this server does not act unrecorded."
                )
            return tool_error("Refused: the audit trail cannot be written, and this server does not act unrecorded.")
        except Exception:
            logger.exception("unexpected failure in %s", params.name)
            audit.outcome(decision="allowed", error_kind="internal", reason="unexpected server failure")
            return tool_error(
                f"{params.name} failed inside aircall-mcp (event {audit.last_event_id}); nothing more is known."
            )

    async def _call(
        self,
        ctx: ServerRequestContext[Any],
        params: types.CallToolRequestParams,
        caller: Caller,
        audit: _AuditTrail,
    ) -> types.CallToolResult | types.InputRequiredResult:
        # No request leaves unrecorded: a log that cannot be opened refuses the call before anything is sent.
        self.rt.audit.open()
        grant = self.rt.grants.grant_for(caller.agent)
        await self._tell_if_tools_changed(ctx, caller.agent, grant)
        endpoint = self._endpoints.get(params.name)
        if endpoint is None and params.name == WAIT_FOR_EVENTS and self.rt.events is not None:
            return await self._wait_for_events(self.rt.events, grant, params, audit)
        if endpoint is None:
            reason = f"There is no tool named {params.name!r}; call tools/list for the tools this agent may use."
            audit.outcome(decision="invalid", reason=reason)
            return tool_error(reason)
        audit.endpoint = endpoint
        raw_args = dict(params.arguments or {})
        audit.arguments = redact_arguments(grant, raw_args)
        parsed = _parse_arguments(endpoint, raw_args)
        if isinstance(parsed, BaseModel):
            audit.action = action_text(endpoint, parsed)

        listed = decide(grant, endpoint)
        if not listed.allowed:
            # Not in the agent's tools/list either: refused before its arguments are even discussed.
            audit.outcome(decision="denied", rule=listed.rule, reason=listed.reason)
            return tool_error(f"Not permitted: {listed.reason}")
        if isinstance(parsed, ValidationError):
            message = describe_validation_error(endpoint, parsed)
            audit.outcome(decision="invalid", reason=message)
            return tool_error(message)
        args = parsed
        arguments = args.model_dump(mode="json", exclude_none=True)
        audit.arguments = redact_arguments(grant, arguments)

        decision = authorize(grant, endpoint, arguments)
        fetched: _Fetched | None = None
        if decision.allowed and decision.scope_check_call_id is not None:
            decision, fetched = await self._check_call_scope(grant, endpoint, decision, caller)
        if not decision.allowed:
            audit.outcome(decision="denied", rule=decision.rule, reason=decision.reason)
            return tool_error(f"Not permitted: {decision.reason}")

        verdict = "allowed"
        if decision.needs_confirmation:
            question = f"Agent {caller.agent!r} wants to {audit.action} ({endpoint.name}). Allow it?"
            answer = await self.rt.confirmations.ask(ctx, params, caller.agent, question)
            if isinstance(answer, types.InputRequiredResult):
                return answer
            verdict = "confirmed" if answer else "declined"
            if not answer:
                reason = f"A person declined (or could not be asked) to {audit.action}; nothing was sent to Aircall."
                audit.outcome(decision="declined", rule=decision.rule, reason=reason)
                return tool_error(reason)

        request = build_request(endpoint, args)
        audit.set_upstream(request.method, request.path)
        if endpoint.access is not Access.READ:
            audit.intent(decision=verdict, rule=decision.rule)

        try:
            if endpoint.paginated and getattr(args, "max_items", None):
                pages = await self.rt.client.paginate(
                    request,
                    max_items=int(getattr(args, "max_items")),  # noqa: B009 - declared by list models only
                    agent=caller.agent,
                    quota_per_minute=grant.quota_per_minute,
                    on_page=_progress_reporter(ctx, int(getattr(args, "max_items"))),  # noqa: B009
                )
                audit.stats = pages.stats
                result = _shape_pages(endpoint, args, pages)
                status = 200
            else:
                # A scope check that already fetched this very request (a plain get_call) is not sent twice.
                response = (
                    fetched.response
                    if fetched is not None and fetched.request == request
                    else await self.rt.client.send(request, agent=caller.agent, quota_per_minute=grant.quota_per_minute)
                )
                audit.stats = response.stats
                status = response.status
                result = shape_result(endpoint, args, response.data)
        except AircallError as exc:
            audit.stats = exc.stats
            audit.outcome(decision=verdict, rule=decision.rule, error=exc)
            return tool_error(describe_aircall_error(endpoint, exc))

        result, withheld = filter_and_redact(grant, endpoint, result)
        if withheld:
            result["withheld"] = withheld
        text = compact_json(result)
        audit.outcome(decision=verdict, rule=decision.rule, http_status=status, result_bytes=len(text.encode()))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=result)

    async def _wait_for_events(
        self, events: EventFeed, grant: Grant, params: types.CallToolRequestParams, audit: _AuditTrail
    ) -> types.CallToolResult:
        """Not an Aircall call: the event feed answers, and one audit line records what it delivered."""
        answer = await events.call(grant, dict(params.arguments or {}))
        audit.action = "wait for Aircall events"
        audit.arguments = redact_arguments(grant, answer.audit_arguments)
        text_bytes = sum(len(c.text.encode()) for c in answer.result.content if isinstance(c, types.TextContent))
        audit.outcome(decision=answer.decision, rule=answer.rule, reason=answer.reason, result_bytes=text_bytes)
        return answer.result

    # -- pieces of the call path -------------------------------------------------------------------------

    def caller(self, ctx: ServerRequestContext[Any]) -> Caller:
        token = get_access_token()
        if token is not None:
            session = ctx.request.headers.get("mcp-session-id") if ctx.request is not None else None
            return Caller(agent=token.client_id, transport="http", session_id=session)
        if self.rt.default_agent is None:
            # Only reachable if a transport forgot to authenticate; never serve an unnamed caller.
            raise MCPError(code=types.INVALID_REQUEST, message="No agent identity for this request.")
        return Caller(agent=self.rt.default_agent, transport=self.rt.transport, session_id=self.rt.process_session_id)

    async def _check_call_scope(
        self, grant: Grant, endpoint: Endpoint, decision: Decision, caller: Caller
    ) -> tuple[Decision, _Fetched | None]:
        """A grant scoped to some numbers may act on a call only once the call is known to be on one."""
        call_id = decision.scope_check_call_id
        request = build_request(_GET_CALL, _GET_CALL.input_model.model_validate({"call_id": call_id}))
        try:
            response = await self.rt.client.send(request, agent=caller.agent, quota_per_minute=grant.quota_per_minute)
        except AircallError as exc:
            reason = f"could not check that call {call_id} is on a number in scope: {exc}"
            return decision.refuse(rule="scope.numbers", reason=reason), None
        call = response.data.get("call", {}) if isinstance(response.data, dict) else {}
        in_scope = check_call_scope(grant, endpoint, call)
        if not in_scope.allowed:
            return decision.refuse(rule=in_scope.rule, reason=in_scope.reason), None
        return decision, _Fetched(request, response)


@dataclass(frozen=True, slots=True)
class _Fetched:
    request: PreparedRequest
    response: AircallResponse


_GET_CALL = next(ep for ep in CATALOGUE if ep.name == "get_call")


def _parse_arguments(endpoint: Endpoint, raw: Mapping[str, Any]) -> BaseModel | ValidationError:
    try:
        return endpoint.input_model.model_validate(raw)
    except ValidationError as exc:
        return exc


def _cursor_offset(cursor: str | None, total: int) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > total:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Invalid tools/list cursor {cursor!r}.")
    return int(cursor)


def _progress_reporter(ctx: ServerRequestContext[Any], max_items: int) -> Callable[[int, int, int | None], Any]:
    async def report(pages: int, items: int, total: int | None) -> None:
        target = min(max_items, total) if total is not None else max_items
        await ctx.session.report_progress(items, target, f"page {pages}: {items} items so far")

    return report


def _shape_pages(endpoint: Endpoint, args: BaseModel, pages: PageCollection) -> dict[str, Any]:
    return shape_result(
        endpoint,
        args,
        {endpoint.list_key: pages.items, "meta": {"total": pages.total, "count": len(pages.items)}},
        pages_fetched=pages.pages,
        more_available=pages.more_available,
        capped=pages.capped,
    )


def tool_error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def describe_validation_error(endpoint: Endpoint, exc: ValidationError) -> str:
    """Name each bad field and what would be valid, in words a model can act on."""
    fields = sorted(endpoint.input_model.model_fields)
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown argument {where!r} (valid arguments: {', '.join(fields)})")
        elif error["type"] == "missing":
            problems.append(f"{where}: required")
        else:
            problems.append(f"{where}: {error['msg']} (got {error.get('input')!r})")
    return f"Invalid arguments for {endpoint.name}: " + "; ".join(problems) + ". Nothing was sent to Aircall."


def describe_aircall_error(endpoint: Endpoint, exc: AircallError) -> str:
    # str(exc) carries Aircall's own words, a hint for the model, and whether a write may have been applied.
    return f"{endpoint.name} failed: {exc}"


class _AuditTrail:
    """Collects what the call path learns and writes the intent and outcome lines."""

    def __init__(
        self, log: AuditLog, caller: Caller, tool: str, started: float, monotonic: Callable[[], float]
    ) -> None:
        self.log = log
        self.caller = caller
        self.tool = tool
        self.started = started
        self.monotonic = monotonic
        self.endpoint: Endpoint | None = None
        self.arguments: dict[str, Any] = {}
        self.action = f"call {tool}"
        self.upstream: tuple[str, str] | None = None
        self.stats: SendStats | None = None
        self.intent_id: str | None = None
        self.last_event_id: str | None = None

    def set_upstream(self, method: str, path: str) -> None:
        self.upstream = (method, path)

    def intent(self, *, decision: str, rule: str) -> None:
        self.intent_id = self._write(phase="intent", decision=decision, rule=rule)

    def outcome(
        self,
        *,
        decision: str,
        rule: str | None = None,
        reason: str | None = None,
        http_status: int | None = None,
        result_bytes: int | None = None,
        error: AircallError | None = None,
        error_kind: str | None = None,
    ) -> None:
        self._write(
            phase="outcome",
            decision=decision,
            rule=rule,
            reason=reason,
            http_status=error.status if error is not None else http_status,
            result_bytes=result_bytes,
            aircall_error=_aircall_words(error),
            error_kind=error.kind if error is not None else error_kind,
            error_message=str(error) if error is not None else None,
            maybe_applied=error.maybe_applied if error is not None else None,
        )

    def _write(self, *, phase: Phase, **fields: Any) -> str:
        stats = self.stats
        event = AuditEvent(
            agent=self.caller.agent,
            transport=self.caller.transport,
            session_id=self.caller.session_id,
            tool=self.tool,
            area=self.endpoint.area.value if self.endpoint else None,
            access=self.endpoint.access.value if self.endpoint else None,
            arguments=self.arguments,
            action=self.action,
            phase=phase,
            upstream_method=self.upstream[0] if self.upstream else None,
            upstream_path=self.upstream[1] if self.upstream else None,
            retries=stats.retries if stats is not None else 0,
            rate_limit_wait_ms=round(stats.rate_limit_wait_seconds * 1000, 1) if stats is not None else 0.0,
            duration_ms=round((self.monotonic() - self.started) * 1000),
            intent_id=self.intent_id if phase == "outcome" else None,
            **fields,
        )
        self.last_event_id = self.log.record(event)
        return self.last_event_id


def _aircall_words(error: AircallError | None) -> str | None:
    if error is None:
        return None
    return "; ".join(text for text in (error.error, error.troubleshoot, error.message) if text) or None
