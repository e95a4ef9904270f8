"""The MCP server: the catalogue, filtered by each agent's grant, served as tools.

One call flows through `ToolRunner.call` top to bottom, once, in this order:
identify the agent -> find the tool -> may this agent call it at all (grant) -> validate the arguments
-> may it call it with these arguments (grant: constraints, number scope) -> confirm (a person at the client)
or, when nobody there can be asked, approve (an operator, through the approval queue: aircall_mcp.approvals)
-> audit intent (writes) -> send to Aircall (rate limit and retries live in the client) -> shape the result
-> filter, redact and bound it (grant, size) -> audit outcome -> answer.

Every step that ends a call returns an `Outcome`, an immutable record of how it ended: the decision and the
rule behind it, why it was refused or failed, Aircall's answer or error, the result. `call` writes it as the
call's one audit outcome line and turns it into the tool result, in one place (`_finish`, which a call cancelled
while its request is sent also reaches); the intent line written just before a write is sent is the only other
line. A failure inside the server is recorded as what was known: `error` when it struck before the call's
request was sent, the decision reached when it struck after. Every text of an audit line, and every error text
an agent reads, passes through the grant's masks (`audit_event`, `Subject.mask`).
"""

from __future__ import annotations

import logging
import reprlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import anyio
import mcp_types as types
from mcp.server import NotificationOptions, Server, ServerRequestContext
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.models import InitializationOptions
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, ValidationError

from aircall_mcp import __version__
from aircall_mcp.approvals import ApprovalGate, CallToApprove
from aircall_mcp.audit import AuditEvent, AuditLog, AuditUnavailable, Phase, Transport
from aircall_mcp.audit import Decision as Verdict
from aircall_mcp.catalogue import CATALOGUE, action_text, build_request, to_mcp_tool
from aircall_mcp.client import AircallClient, AircallResponse, PageCollection
from aircall_mcp.confirmation import Approval, Confirmations
from aircall_mcp.endpoint import Access, Endpoint, PreparedRequest
from aircall_mcp.errors import AircallError, RateLimitWaitTooLong, SendStats
from aircall_mcp.events.names import WAIT_FOR_EVENTS
from aircall_mcp.facts import DEFAULT_PER_PAGE
from aircall_mcp.grants import (
    Decision,
    Grant,
    GrantStore,
    authorize,
    check_call_scope,
    decide,
    mask_result_field,
    mask_text,
    redact_arguments,
    shaped_for,
    visible_tools,
)
from aircall_mcp.results import Cut, bound_size
from aircall_mcp.settings import DEFAULT_MAX_RESULT_BYTES

if TYPE_CHECKING:
    # The events machinery loads only when events are on (wiring, build_server, ToolRunner).
    from aircall_mcp.events.feed import EventFeed

logger = logging.getLogger("aircall_mcp.server")

# A tools/list page. Large enough that a full grant fits in one page for most clients.
TOOLS_PAGE_SIZE = 100

INSTRUCTIONS = (
    "Tools for one Aircall phone-system account, limited to what this agent's grant allows. "
    "Ids come from list/search tools; tag ids come from list_tags. Phone numbers are E.164 (+33612345678). "
    "All agents share one Aircall rate budget: prefer search and filters over paging through everything. "
    "List results show nested users and numbers as references (id, name, email or digits); get tools give all fields."
)


# The claim under which an OAuth identity carries its issuer, subject and client (recorded in the audit).
OAUTH_CLAIM = "aircall_mcp_oauth"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the agent whose grant applies, where the call came from, and (OAuth) which principal."""

    agent: str
    transport: Transport
    session_id: str | None
    principal: Mapping[str, str | None] | None = None


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
    # The operators' approval queue for tools.approve; None refuses those calls (fail closed).
    approvals: ApprovalGate | None = None
    process_session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Live Aircall events (wait_for_events, aircall://events), when the server receives webhooks.
    events: EventFeed | None = None
    monotonic: Callable[[], float] = time.monotonic
    # A result's JSON is cut at an item boundary to stay within this many bytes.
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES


def build_server(runtime: Runtime) -> Server[Any]:
    """The low-level MCP server whose two handlers both ask the grant."""
    runner = ToolRunner(runtime)

    async def on_list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return await runner.list_tools(ctx, params)

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
        from aircall_mcp.events.resources import EventResources  # noqa: PLC0415 - only with events, see imports

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


# -- what a call is about, and how it ended ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """What one call is about, as far as the call path has learned it; each step makes a fuller copy."""

    caller: Caller
    tool: str
    started: float
    grant: Grant | None = None
    endpoint: Endpoint | None = None
    # The arguments as the agent sent them (unknown tool: none); the audit keeps them as the grant masks them.
    arguments: Mapping[str, Any] = field(default_factory=dict)
    action: str | None = None
    request: PreparedRequest | None = None

    def mask(self, text: str) -> str:
        """`text` as this agent's grant may see it (phone numbers and emails masked when the grant says so).

        Paths carry values percent-encoded ("/v2/users/mia%40x.example"): what decoding reveals is masked too.
        """
        if self.grant is None or not self.grant.redact:
            return text
        masked = mask_text(self.grant, text)
        if "%" in masked:
            decoded = unquote(masked)
            remasked = mask_text(self.grant, decoded)
            if remasked != decoded:
                return remasked
        return masked


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How one call ended: the source of its audit outcome line and of the answer the agent gets."""

    subject: Subject
    decision: Verdict
    rule: str | None = None
    # Why the call was refused or failed, in the audit's words.
    reason: str | None = None
    # The text an agent reads when the call did not succeed; None when it did.
    message: str | None = None
    # The structured content of a success (filtered, redacted and bounded) and its JSON text.
    result: dict[str, Any] | None = None
    text: str | None = None
    http_status: int | None = None
    error: AircallError | None = None
    # Set for a failure inside the server, where there is no AircallError to take the kind from.
    error_kind: str | None = None
    stats: SendStats | None = None
    intent_id: str | None = None
    partial: bool = False
    gone_on_retry: bool = False
    note: str | None = None


def audit_event(
    subject: Subject,
    *,
    phase: Phase,
    decision: Verdict,
    duration_ms: float,
    rule: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    aircall_error: str | None = None,
    error_message: str | None = None,
    **figures: Any,
) -> AuditEvent:
    """The one place an audit event is built: every text it holds passes through the grant's masks here.

    `figures` are the event's other (non-text) fields: http_status, retries, result_bytes...
    """
    endpoint, request, grant, mask = subject.endpoint, subject.request, subject.grant, subject.mask

    def masked(text: str | None) -> str | None:
        return mask(text) if text else text

    return AuditEvent(
        agent=subject.caller.agent,
        transport=subject.caller.transport,
        session_id=subject.caller.session_id,
        principal=subject.caller.principal,
        tool=mask(subject.tool),
        area=endpoint.area.value if endpoint is not None else None,
        access=endpoint.access.value if endpoint is not None else None,
        arguments=redact_arguments(grant, subject.arguments) if grant is not None else {},
        action=mask(subject.action or f"call {subject.tool}"),
        phase=phase,
        decision=decision,
        rule=masked(rule),
        reason=masked(reason),
        upstream_method=request.method if request is not None else None,
        upstream_path=masked(request.path) if request is not None else None,
        aircall_error=masked(aircall_error),
        error_message=masked(error_message),
        note=masked(note),
        duration_ms=duration_ms,
        **figures,
    )


def _outcome_event(outcome: Outcome, *, duration_ms: float, result_bytes: int | None) -> AuditEvent:
    error, stats = outcome.error, outcome.stats
    return audit_event(
        outcome.subject,
        phase="outcome",
        decision=outcome.decision,
        duration_ms=duration_ms,
        rule=outcome.rule,
        reason=outcome.reason,
        note=outcome.note,
        http_status=error.status if error is not None else outcome.http_status,
        aircall_error=_aircall_words(error),
        error_kind=error.kind if error is not None else outcome.error_kind,
        error_message=str(error) if error is not None else None,
        maybe_applied=error.maybe_applied if error is not None else None,
        retries=stats.retries if stats is not None else 0,
        rate_limit_wait_ms=_wait_ms(stats),
        budget=stats.budget if stats is not None else None,
        result_bytes=result_bytes,
        intent_id=outcome.intent_id,
        partial=outcome.partial or None,
        gone_on_retry=outcome.gone_on_retry or None,
    )


class ToolShelf(Mapping[str, types.Tool]):
    """The MCP tool definitions by name, each built from its endpoint on first use and kept."""

    def __init__(self, endpoints: Mapping[str, Endpoint]) -> None:
        self._endpoints = endpoints
        self._built: dict[str, types.Tool] = {}

    def add(self, tool: types.Tool) -> None:
        """A tool that is not a catalogue endpoint (wait_for_events)."""
        self._built[tool.name] = tool

    def built(self) -> frozenset[str]:
        """The names whose definitions have been built so far."""
        return frozenset(self._built)

    def __getitem__(self, name: str) -> types.Tool:
        tool = self._built.get(name)
        if tool is None:
            tool = self._built[name] = to_mcp_tool(self._endpoints[name])
        return tool

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._endpoints), **dict.fromkeys(self._built)})

    def __len__(self) -> int:
        return len(self._endpoints.keys() | self._built.keys())


class ToolRunner:
    """The two handlers. Holds no per-call state: every request derives the caller afresh."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self._endpoints = {ep.name: ep for ep in runtime.catalogue}
        # Each tool's definition is built once, when a tools/list first shows it: a start does not pay for all.
        self.tools = ToolShelf(self._endpoints)
        if runtime.events is not None:
            from aircall_mcp.events.feed import WAIT_FOR_EVENTS_TOOL  # noqa: PLC0415 - only with events

            self.tools.add(WAIT_FOR_EVENTS_TOOL)
        # The tools each agent was last shown, to tell its client when a grant edit changes them. Exact over
        # stdio (one session per process); over HTTP the next session of that agent to call is the one told.
        self._shown: dict[str, tuple[str, ...]] = {}
        # Per agent, what its grant object decides (see _Worked): grants are frozen and the store hands out the
        # same object until the file changes, so identity says when to work it out again.
        self._worked: dict[str, _Worked] = {}

    # -- tools/list ---------------------------------------------------------------------------------------

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        agent = self.caller(ctx).agent
        names = self._visible(await self.rt.grants.current(agent))
        self._shown[agent] = names
        start = _cursor_offset(params.cursor if params else None, len(names))
        page = names[start : start + TOOLS_PAGE_SIZE]
        end = start + len(page)
        return types.ListToolsResult(
            tools=[self.tools[name] for name in page],
            next_cursor=str(end) if end < len(names) else None,
        )

    def _worked_out(self, grant: Grant) -> _Worked:
        worked = self._worked.get(grant.agent)
        if worked is None or worked.grant is not grant:
            worked = self._worked[grant.agent] = _Worked(grant)
        return worked

    def _visible(self, grant: Grant) -> tuple[str, ...]:
        worked = self._worked_out(grant)
        if worked.visible is None:
            names = tuple(ep.name for ep in visible_tools(grant, self.rt.catalogue))
            events = self.rt.events
            if events is not None and events.offered(grant):
                names = (*names, WAIT_FOR_EVENTS)
            worked.visible = names
        return worked.visible

    def _listed(self, grant: Grant, endpoint: Endpoint) -> Decision:
        """`decide(grant, endpoint)`: what tools/list shows, and the first half of a call's decision."""
        decisions = self._worked_out(grant).decisions
        decision = decisions.get(endpoint.name)
        if decision is None:
            decision = decisions[endpoint.name] = decide(grant, endpoint)
        return decision

    async def _tell_if_tools_changed(self, ctx: ServerRequestContext[Any], agent: str, grant: Grant) -> None:
        shown = self._shown.get(agent)
        if shown is None:
            return
        now = self._visible(grant)
        if shown == now:
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
        subject = Subject(self.caller(ctx), params.name, self.rt.monotonic())
        try:
            # No request leaves unrecorded: a log that cannot be opened refuses the call before anything is sent.
            await self.rt.audit.ensure_open()
            ended = await self._call(ctx, params, subject)
        except AuditUnavailable as exc:
            logger.error("audit trail unavailable, refusing %s: %s", params.name, exc)
            return tool_error("Refused: the audit trail cannot be written, and this server does not act unrecorded.")
        except Exception:
            logger.exception("unexpected failure in %s", params.name)
            ended = Outcome(
                subject=subject,
                decision="error",
                error_kind="internal",
                reason="unexpected server failure",
                message=f"{_quoted(params.name)} failed inside aircall-mcp before its request was sent to Aircall",
            )
        if isinstance(ended, types.InputRequiredResult):
            return ended
        return await self._finish(ended)

    async def _call(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams, subject: Subject
    ) -> Outcome | types.InputRequiredResult:
        agent = subject.caller.agent
        grant = await self.rt.grants.current(agent)
        await self._tell_if_tools_changed(ctx, agent, grant)
        if params.name == WAIT_FOR_EVENTS and self.rt.events is not None:
            return await self._wait_for_events(self.rt.events, replace(subject, grant=grant), params)
        endpoint = self._endpoints.get(params.name)
        if endpoint is None:
            reason = f"There is no tool named {_quoted(params.name)}; call tools/list for the tools this agent may use."
            return Outcome(subject=replace(subject, grant=grant), decision="invalid", reason=reason, message=reason)
        raw_args = dict(params.arguments or {})
        parsed = _parse_arguments(endpoint, raw_args)
        action = action_text(endpoint, parsed) if isinstance(parsed, BaseModel) else None
        subject = replace(subject, grant=grant, endpoint=endpoint, arguments=raw_args, action=action)

        listed = self._listed(grant, endpoint)
        if not listed.allowed:
            # Not in the agent's tools/list either: refused before its arguments are even discussed.
            return _refused(subject, listed)
        if isinstance(parsed, ValidationError):
            message = describe_validation_error(endpoint, parsed)
            return Outcome(subject=subject, decision="invalid", reason=message, message=message)
        args = parsed
        arguments = args.model_dump(mode="json", exclude_none=True)
        subject = replace(subject, arguments=arguments)

        decision = authorize(grant, endpoint, arguments, listed=listed)
        fetched: _Fetched | None = None
        if decision.allowed and decision.scope_check_call_id is not None:
            decision, fetched = await self._check_call_scope(grant, endpoint, decision, subject.caller)
        if not decision.allowed:
            return _refused(subject, decision)

        verdict: Verdict = "allowed"
        note: str | None = None
        if decision.needs_confirmation or decision.needs_approval:
            answer = Approval.CANNOT_ASK
            if decision.needs_confirmation:
                question = f"Agent {agent!r} wants to {action} ({endpoint.name}). Allow it?"
                consulted = await self.rt.confirmations.consult(ctx, params, agent, question)
                if isinstance(consulted, types.InputRequiredResult):
                    return consulted
                answer = consulted
            if answer is Approval.APPROVED:
                verdict = "confirmed"
            elif decision.needs_approval and answer is Approval.CANNOT_ASK:
                # Nobody at the client to ask: the operators' approval queue decides (tools.approve).
                gated = await self._operator_approval(ctx, subject)
                if isinstance(gated, Outcome):
                    return gated
                verdict, note = "approved", gated
            else:
                return self._unconfirmed(subject, decision, answer)

        subject = replace(subject, request=build_request(endpoint, args))
        sent = await self._send(ctx, subject, args, verdict=verdict, rule=decision.rule, fetched=fetched)
        return replace(sent, note="; ".join(filter(None, (note, sent.note)))) if note else sent

    async def _send(
        self,
        ctx: ServerRequestContext[Any],
        subject: Subject,
        args: BaseModel,
        *,
        verdict: Verdict,
        rule: str,
        fetched: _Fetched | None,
    ) -> Outcome:
        """Send the call's request (after its intent line, for writes) and say how it went."""
        endpoint, request, grant = subject.endpoint, subject.request, subject.grant
        assert endpoint is not None
        assert request is not None
        assert grant is not None
        intent_id: str | None = None
        if endpoint.access is not Access.READ:
            intent_id = await self.rt.audit.arecord(
                audit_event(subject, phase="intent", decision=verdict, rule=rule, duration_ms=self._elapsed_ms(subject))
            )
        sent = Outcome(subject=subject, decision=verdict, rule=rule, intent_id=intent_id)
        agent, quota = subject.caller.agent, grant.quota_per_minute
        list_key, max_items = endpoint.list_key, getattr(args, "max_items", None)
        try:
            if list_key is not None and max_items:
                pages = await self.rt.client.paginate(
                    request,
                    list_key=list_key,
                    max_items=int(max_items),
                    agent=agent,
                    quota_per_minute=quota,
                    on_page=_progress_reporter(ctx, int(max_items)),
                )
                return self._pages_outcome(sent, args, pages)
            # A scope check that already fetched this very request (a plain get_call) is not sent twice.
            response = (
                fetched.response
                if fetched is not None and fetched.request == request
                else await self.rt.client.send(request, agent=agent, quota_per_minute=quota)
            )
            return self._response_outcome(sent, args, response)
        except AircallError as exc:
            return replace(sent, error=exc, stats=exc.stats, message=describe_aircall_error(endpoint, exc))
        except anyio.get_cancelled_exc_class():
            # The client gave up (or the server is stopping) with the request possibly in flight: the outcome
            # line still says so, shielded from the cancellation, and the cancellation goes on.
            reason = "cancelled while its request was sent" + ("; it may have reached Aircall" if intent_id else "")
            cancelled = replace(sent, error_kind="cancelled", reason=reason)
            with anyio.CancelScope(shield=True):
                await self._finish(cancelled)
            raise
        except Exception:
            logger.exception("unexpected failure in %s after it was allowed", endpoint.name)
            what = "may have reached Aircall" if endpoint.access is not Access.READ else "was a read"
            return replace(
                sent,
                error_kind="internal",
                reason="unexpected server failure",
                message=f"{endpoint.name} failed inside aircall-mcp; its request {what}",
            )

    def _response_outcome(self, sent: Outcome, args: BaseModel, response: AircallResponse) -> Outcome:
        endpoint, grant = sent.subject.endpoint, sent.subject.grant
        assert endpoint is not None
        assert grant is not None
        if response.gone_on_retry:
            # The first attempt was applied and its answer lost; the retry's 404 proves it is gone.
            result, withheld = shaped_for(grant, endpoint, args, None)
            result["already_deleted"] = True
            note = "the connection dropped after the first attempt, and the retry found it already deleted"
            return self._delivered(
                replace(sent, http_status=response.status, stats=response.stats, gone_on_retry=True, note=note),
                result,
                withheld,
            )
        result, withheld = shaped_for(grant, endpoint, args, response.data)
        return self._delivered(sent, result, withheld, http_status=response.status, stats=response.stats)

    def _pages_outcome(self, sent: Outcome, args: BaseModel, pages: PageCollection) -> Outcome:
        endpoint, grant = sent.subject.endpoint, sent.subject.grant
        assert endpoint is not None
        assert grant is not None
        result, withheld = _shape_pages(grant, endpoint, args, pages)
        outcome = replace(sent, http_status=200, stats=pages.stats)
        per_page = _page_size(args, pages.meta)
        if pages.stopped is None:
            return self._delivered(outcome, result, withheld, per_page=per_page)
        stop = describe_stop(endpoint, args, pages, pages.stopped)
        stopped = {key: sent.subject.mask(value) if isinstance(value, str) else value for key, value in stop.items()}
        result["stopped"] = mask_result_field(grant, endpoint, "stopped", stopped)
        note = f"stopped after {pages.pages} pages ({len(pages.items)} items returned)"
        return self._delivered(
            replace(outcome, error=pages.stopped, partial=True, note=note), result, withheld, per_page=per_page
        )

    def _delivered(
        self,
        outcome: Outcome,
        result: dict[str, Any],
        withheld: int,
        *,
        per_page: int | None = None,
        http_status: int | None = None,
        stats: SendStats | None = None,
    ) -> Outcome:
        """A success: the result as the grant may see it (`shaped_for`, with `withheld` items outside its scope),
        cut to the size bound if need be (and, when given, Aircall's status and the send's figures, recorded in the
        same step)."""
        subject = outcome.subject
        endpoint = subject.endpoint
        assert endpoint is not None
        if withheld:
            result["withheld"] = withheld
        args = subject.arguments

        def explain(cut: Cut) -> dict[str, Any]:
            return describe_cut(
                endpoint, args, result, cut, self.rt.max_result_bytes, per_page=per_page, withheld=bool(withheld)
            )

        result, text, cut = bound_size(result, self.rt.max_result_bytes, prefer=endpoint.list_key, explain=explain)
        note = outcome.note
        if cut is not None:
            where, bound = ".".join(cut.path), self.rt.max_result_bytes
            cut_note = f"result cut to {cut.kept} of {cut.total} {where} to stay within {bound} bytes"
            note = "; ".join(filter(None, (note, cut_note)))
        if http_status is not None:
            return replace(outcome, http_status=http_status, stats=stats, result=result, text=text, note=note)
        return replace(outcome, result=result, text=text, note=note)

    async def _wait_for_events(
        self, events: EventFeed, subject: Subject, params: types.CallToolRequestParams
    ) -> Outcome:
        """Not an Aircall call: the event feed answers, and its one outcome line records what it delivered."""
        assert subject.grant is not None  # set by _call before it gets here
        answer = await events.call(subject.grant, dict(params.arguments or {}))
        subject = replace(subject, action="wait for Aircall events", arguments=answer.audit_arguments)
        text = "".join(c.text for c in answer.result.content if isinstance(c, types.TextContent))
        decision: Verdict = (
            "denied" if answer.decision == "denied" else "invalid" if answer.decision == "invalid" else "allowed"
        )
        if answer.result.is_error:
            return Outcome(subject=subject, decision=decision, rule=answer.rule, reason=answer.reason, message=text)
        return Outcome(
            subject=subject, decision=decision, rule=answer.rule, result=answer.result.structured_content, text=text
        )

    async def _finish(self, outcome: Outcome) -> types.CallToolResult:
        """Write the call's one outcome line, then answer; no answer goes back before its line is written."""
        subject = outcome.subject
        text = outcome.text
        result_bytes = len(text.encode()) if text is not None else None
        event = _outcome_event(outcome, duration_ms=self._elapsed_ms(subject), result_bytes=result_bytes)
        try:
            event_id = await self.rt.audit.arecord(event)
        except AuditUnavailable as exc:
            logger.error("audit trail unavailable, withholding the result of %s: %s", subject.tool, exc)
            if outcome.intent_id is not None:
                # The intent line made it, the outcome did not: the request may already have reached Aircall.
                return tool_error(
                    "The audit trail failed after this request was sent: it may have been applied by Aircall, "
                    "but its result is withheld because this server does not act unrecorded."
                )
            return tool_error("Refused: the audit trail cannot be written, and this server does not act unrecorded.")
        if outcome.result is not None and text is not None:
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=text)], structured_content=outcome.result
            )
        message = outcome.message or f"{subject.tool} failed"
        if outcome.error_kind == "internal":
            message = f"{message} (audit event {event_id}); nothing more is known."
        return tool_error(subject.mask(message))

    async def _operator_approval(self, ctx: ServerRequestContext[Any], subject: Subject) -> Outcome | str:
        """tools.approve: the approval queue's answer; the note "approval <id> executed" when the call may go."""
        gate, grant = self.rt.approvals, subject.grant
        assert grant is not None
        if gate is None:
            reason = "this agent's grant needs an operator's approval and no approval queue is configured"
            return Outcome(
                subject=subject,
                decision="unconfirmed",
                rule="tools.approve",
                reason=reason,
                message=f"Refused: {reason}; nothing was sent to Aircall.",
            )
        call = CallToApprove(
            agent=subject.caller.agent,
            tool=subject.tool,
            transport=subject.caller.transport,
            arguments=subject.arguments,
            masked=redact_arguments(grant, subject.arguments),
            action=subject.mask(subject.action or f"call {subject.tool}"),
        )
        answer = await gate.consider(call, self.rt.audit, ctx.session.report_progress)
        if answer.verdict == "approved":
            return f"{answer.note} executed"
        verdicts: dict[str, Verdict] = {"pending": "pending", "declined": "declined", "expired": "expired"}
        return Outcome(
            subject=subject,
            decision=verdicts.get(answer.verdict, "unconfirmed"),
            rule="tools.approve",
            reason=answer.reason,
            message=answer.message,
            note=answer.note,
        )

    def _unconfirmed(self, subject: Subject, decision: Decision, answer: Approval) -> Outcome:
        """A confirmation that did not come: a person's no and a client that cannot ask are told apart."""
        doing = f"{subject.action} ({subject.tool})"
        unsent = "nothing was sent to Aircall"
        if answer is Approval.DECLINED:
            verdict: Verdict = "declined"
            reason = f"a person declined to {doing}"
            message = f"A person declined to {doing}; {unsent}."
        elif answer is Approval.UNANSWERED:
            verdict = "declined"
            reason = f"nobody answered the confirmation request within {self.rt.confirmations.timeout_seconds:g} s"
            message = f"Nobody answered the request to confirm: {doing} was declined; {unsent}."
        elif answer is Approval.CANNOT_ASK:
            verdict = "unconfirmed"
            reason = "this agent's grant needs a person to confirm it, and the client cannot ask one (no elicitation)"
            message = (
                f"{subject.tool} needs a person's confirmation under this agent's grant, and this client cannot ask "
                f"one (it does not support elicitation); {unsent}. Use a client that can ask a person, or ask the "
                "operator to change the grant's tools.confirm."
            )
        elif answer is Approval.UNAVAILABLE:
            verdict = "unconfirmed"
            reason = "the shared store that checks confirmations (Redis) is unavailable; refused (fail closed)"
            message = (
                f"The confirmation for {doing} cannot be checked right now (the server's shared state is "
                f"unavailable); {unsent}. Try again shortly."
            )
        else:
            verdict = "unconfirmed"
            reason = "the approval sent back is not valid for this call (expired, already used, or for another call)"
            message = f"The approval sent back for {doing} is expired, already used or for another call; {unsent}."
        return Outcome(subject=subject, decision=verdict, rule=decision.rule, reason=reason, message=message)

    # -- pieces of the call path -------------------------------------------------------------------------

    def caller(self, ctx: ServerRequestContext[Any]) -> Caller:
        token = get_access_token()
        if token is not None:
            session = ctx.request.headers.get("mcp-session-id") if ctx.request is not None else None
            principal = token.claims.get(OAUTH_CLAIM) if token.claims else None
            return Caller(
                agent=token.client_id,
                transport="http",
                session_id=session,
                principal=principal if isinstance(principal, Mapping) else None,
            )
        if self.rt.default_agent is None:
            # Only reachable if a transport forgot to authenticate; never serve an unnamed caller.
            raise MCPError(code=types.INVALID_REQUEST, message="No agent identity for this request.")
        return Caller(agent=self.rt.default_agent, transport=self.rt.transport, session_id=self.rt.process_session_id)

    def _elapsed_ms(self, subject: Subject) -> float:
        return round((self.rt.monotonic() - subject.started) * 1000)

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


@dataclass(slots=True)
class _Worked:
    """What one grant object decides, worked out when first needed: the tools it shows, and the argument-free
    decision for each tool its agent called."""

    grant: Grant
    visible: tuple[str, ...] | None = None
    decisions: dict[str, Decision] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Fetched:
    request: PreparedRequest
    response: AircallResponse


_GET_CALL = next(ep for ep in CATALOGUE if ep.name == "get_call")


def _refused(subject: Subject, decision: Decision) -> Outcome:
    return Outcome(
        subject=subject,
        decision="denied",
        rule=decision.rule,
        reason=decision.reason,
        message=f"Not permitted: {decision.reason}",
    )


def _parse_arguments(endpoint: Endpoint, raw: Mapping[str, Any]) -> BaseModel | ValidationError:
    try:
        return endpoint.input_model.model_validate(raw)
    except ValidationError as exc:
        return exc


def _cursor_offset(cursor: str | None, total: int) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > total:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Invalid tools/list cursor {_quoted(cursor)}.")
    return int(cursor)


def _progress_reporter(ctx: ServerRequestContext[Any], max_items: int) -> Callable[[int, int, int | None], Any]:
    async def report(pages: int, items: int, total: int | None) -> None:
        target = min(max_items, total) if total is not None else max_items
        await ctx.session.report_progress(items, target, f"page {pages}: {items} items so far")

    return report


def _shape_pages(
    grant: Grant, endpoint: Endpoint, args: BaseModel, pages: PageCollection
) -> tuple[dict[str, Any], int]:
    return shaped_for(
        grant,
        endpoint,
        args,
        {endpoint.list_key: pages.items, "meta": {"total": pages.total, "count": len(pages.items)}},
        pages_fetched=pages.pages,
        more_available=pages.more_available or pages.stopped is not None,
        capped=pages.capped,
    )


def _wait_ms(stats: SendStats | None) -> float:
    return round(stats.rate_limit_wait_seconds * 1000, 1) if stats is not None else 0.0


def _aircall_words(error: AircallError | None) -> str | None:
    if error is None:
        return None
    return "; ".join(text for text in (error.error, error.troubleshoot, error.message) if text) or None


# -- what the agent reads --------------------------------------------------------------------------------------

# Agent-supplied values are quoted back this short: a 1 MB argument must not make a 1 MB error.
_QUOTE = reprlib.Repr()  # keyword arguments only from Python 3.12
_QUOTE.maxstring = _QUOTE.maxother = 80
_QUOTE.maxlist = _QUOTE.maxtuple = _QUOTE.maxdict = _QUOTE.maxset = 5
_QUOTE.maxlevel = 2
# At most this many problems are listed for one call; the rest are counted.
_MAX_PROBLEMS = 10


def _quoted(value: Any) -> str:
    return _QUOTE.repr(value)


def tool_error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def describe_validation_error(endpoint: Endpoint, exc: ValidationError) -> str:
    """Name each bad field and what would be valid, in words a model can act on; bad values are quoted short."""
    fields = sorted(endpoint.input_model.model_fields)
    problems = []
    errors = exc.errors(include_url=False)
    for error in errors[:_MAX_PROBLEMS]:
        where = _quoted(".".join(str(part) for part in error["loc"]) or "arguments")[1:-1]
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown argument '{where}' (valid arguments: {', '.join(fields)})")
        elif error["type"] == "missing":
            problems.append(f"{where}: required")
        else:
            problems.append(f"{where}: {error['msg']} (got {_quoted(error.get('input'))})")
    if len(errors) > _MAX_PROBLEMS:
        problems.append(f"and {len(errors) - _MAX_PROBLEMS} more problems")
    return f"Invalid arguments for {endpoint.name}: " + "; ".join(problems) + ". Nothing was sent to Aircall."


def describe_aircall_error(endpoint: Endpoint, exc: AircallError) -> str:
    # str(exc) carries Aircall's own words, a hint for the model, and whether a write may have been applied.
    return f"{endpoint.name} failed: {exc}"


def _page_size(args: Mapping[str, Any] | BaseModel, meta: Mapping[str, Any]) -> int:
    asked = args.get("per_page") if isinstance(args, Mapping) else getattr(args, "per_page", None)
    served = meta.get("per_page")
    for size in (asked, served):
        if isinstance(size, int) and size > 0:
            return size
    return DEFAULT_PER_PAGE


def describe_stop(endpoint: Endpoint, args: BaseModel, pages: PageCollection, stopped: AircallError) -> dict[str, Any]:
    """Why a read of several pages stopped early, and the arguments that continue it where it stopped."""
    first_page = getattr(args, "page", None) or 1
    per_page = _page_size(args, pages.meta)
    next_page = first_page + pages.pages
    remaining = int(getattr(args, "max_items", 0) or 0) - len(pages.items)
    if isinstance(stopped, RateLimitWaitTooLong):
        why = (
            f"the company's Aircall rate budget would have made page {next_page} wait about "
            f"{stopped.expected_wait_seconds:.0f} s, longer than the allowed {stopped.max_wait_seconds:.0f} s"
        )
    else:
        said = _aircall_words(stopped)
        status = f" (HTTP {stopped.status})" if stopped.status is not None else ""
        why = f"page {next_page} failed: {stopped.kind.replace('_', ' ')}{status}" + (f": {said}" if said else "")
    continue_with = {"page": next_page, "per_page": per_page, "max_items": max(remaining, 1)}
    arguments = ", ".join(f"{key}={value}" for key, value in continue_with.items())
    return {
        "reason": why,
        "pages_fetched": pages.pages,
        "continue_with": continue_with,
        "how_to_continue": (
            f"The {len(pages.items)} items of the first {pages.pages} pages are here. To read the rest, call "
            f"{endpoint.name} again later with the same filters and {arguments}."
        ),
    }


def describe_cut(
    endpoint: Endpoint,
    arguments: Mapping[str, Any],
    result: Mapping[str, Any],
    cut: Cut,
    max_bytes: int,
    *,
    per_page: int | None = None,
    withheld: bool = False,
) -> dict[str, Any]:
    """The note a result cut to the size bound carries: what was kept and how to read the rest."""
    where = ".".join(cut.path)
    note: dict[str, Any] = {
        "field": where,
        "items_returned": cut.kept,
        "items_fetched": cut.total,
        "max_result_bytes": max_bytes,
    }
    if cut.path != (endpoint.list_key,):
        note["how_to_continue"] = (
            f"Only the first {cut.kept} of {cut.total} {where} fit within {max_bytes} bytes; this tool cannot page "
            "through them. Narrow the request if it has filters."
        )
        return note
    if per_page is None:
        meta = result.get("meta")
        per_page = _page_size(arguments, meta if isinstance(meta, Mapping) else {})
    first_page = arguments.get("page") or 1
    position = (first_page - 1) * per_page + cut.kept  # items before the first one not returned
    continue_with: dict[str, Any] = {"page": position // per_page + 1, "per_page": per_page}
    max_items = arguments.get("max_items")
    if isinstance(max_items, int):
        continue_with["max_items"] = max(max_items - cut.kept, 1)
    skip = position % per_page
    already = f" (its first {skip} items were returned here)" if skip else ""
    repeats = " Calls withheld by the grant's scope are not counted, so some items may repeat." if withheld else ""
    if "stopped" in result:
        repeats += " Read from here first: stopped.continue_with only follows the pages fetched."
    arguments_text = ", ".join(f"{key}={value}" for key, value in continue_with.items())
    note["continue_with"] = continue_with
    note["how_to_continue"] = (
        f"Cut to {cut.kept} of {cut.total} items to stay within {max_bytes} bytes. To read the rest, call "
        f"{endpoint.name} again with the same filters and {arguments_text}{already}; ask for fewer items per call "
        f"(about {max(cut.kept, 1)} fit) or narrow the filters to get whole results.{repeats}"
    )
    return note
