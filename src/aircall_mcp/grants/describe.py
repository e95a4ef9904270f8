"""`aircall-mcp grants show AGENT`: a grant in plain English, tool by tool, as the policy decides it."""

from __future__ import annotations

from collections.abc import Sequence

from aircall_mcp.endpoint import Area, Endpoint
from aircall_mcp.grants.model import Grant, Level
from aircall_mcp.grants.policy import NEEDED_LEVEL, acts_through_a_number, decide, is_call_tool

_REDACTION_WORDS = {
    "phone_numbers": "phone numbers",
    "emails": "email addresses",
    "recordings": "recording URLs",
    "voicemails": "voicemail URLs",
}


def describe(grant: Grant, catalogue: Sequence[Endpoint]) -> str:
    """What `grant` lets its agent do and not do, every tool of `catalogue` listed under its area."""
    lines = [f"Agent {grant.agent}" + (f": {grant.description}" if grant.description else "")]
    lines.append(f"Grant file: {grant.file}")
    if grant.denied_because is not None:
        lines.append(f"Denied everything: {grant.denied_because}.")
    else:
        granted = [f"{area.value}={grant.level(area).value}" for area in Area if grant.level(area) is not Level.OFF]
        others = " (every other area off)" if 0 < len(granted) < len(Area) else ""
        lines.append("Areas: " + (", ".join(granted) + others if granted else "none (all off)"))
    width = max((len(ep.name) for ep in catalogue), default=0)
    for area in Area:
        endpoints = [ep for ep in catalogue if ep.area is area]
        if not endpoints:
            continue
        lines.append("")
        lines.append(f"{area.value} ({grant.level(area).value}):")
        for endpoint in endpoints:
            lines.append(f"  {_tool_line(grant, endpoint, width)}")
    lines.append("")
    lines.extend(_extras(grant))
    return "\n".join(lines) + "\n"


def _tool_line(grant: Grant, endpoint: Endpoint, width: int) -> str:
    decision = decide(grant, endpoint)
    name = endpoint.name.ljust(width)
    access = endpoint.access.value
    if not decision.allowed:
        return f"cannot  {name}  {access}; {_why_not(grant, endpoint, decision.rule, decision.reason)}"
    notes = [f"{access}; by {decision.rule}"]
    if decision.needs_confirmation and decision.needs_approval:
        notes.append("needs a person's confirmation first, or an operator's approval when the client cannot ask")
    elif decision.needs_confirmation:
        notes.append("needs a person's confirmation first")
    elif decision.needs_approval:
        notes.append("waits for an operator's approval first (aircall-mcp approvals)")
    for arg, allowed in grant.constraints.get(endpoint.name, {}).items():
        notes.append(f"{arg} only {', '.join(allowed)}" if allowed else f"never with {arg}")
    if grant.scope_numbers is not None and (
        is_call_tool(endpoint) or (endpoint.area is Area.CALLS and endpoint.paginated)
    ):
        notes.append("only calls on scoped numbers")
    elif grant.scope_numbers is not None and acts_through_a_number(endpoint):
        notes.append("only through or on scoped numbers")
    return f"can     {name}  {'; '.join(notes)}"


def _why_not(grant: Grant, endpoint: Endpoint, rule: str, reason: str) -> str:
    """The refusal in a few words; the file is named once at the top, so it is not repeated on every line."""
    area = endpoint.area.value
    if rule == "tools.deny":
        return "denied by tools.deny"
    if rule.startswith("default deny"):
        return f"area {area} is off and tools.allow does not list it"
    if rule.startswith("areas."):
        return (
            f"needs {area}: {NEEDED_LEVEL[endpoint.access].value}, the grant gives {grant.level(endpoint.area).value}"
        )
    return reason.split(": ", 1)[-1]


def _extras(grant: Grant) -> list[str]:
    lines: list[str] = []
    if grant.scope_numbers is None:
        lines.append("Scope: calls on every number.")
    elif grant.scope_numbers:
        numbers = ", ".join(str(n) for n in sorted(grant.scope_numbers))
        lines.append(
            f"Scope: only calls on Aircall numbers {numbers}; other calls are withheld or refused, and number tools "
            "act only through these numbers."
        )
    else:
        lines.append("Scope: no number, so no call is visible or actionable.")
    if grant.redact:
        masked = ", ".join(_REDACTION_WORDS[r.value] for r in sorted(grant.redact))
        region = f" (national numbers read as written in {grant.phone_region})" if grant.phone_region else ""
        lines.append(f"Redaction: {masked} are masked in results, events and the audit{region}.")
    else:
        lines.append("Redaction: none; results are returned as Aircall sends them.")
    if grant.quota_per_minute is not None:
        lines.append(f"Quota: at most {grant.quota_per_minute} requests per minute of the company's Aircall budget.")
    else:
        lines.append("Quota: no share of its own; limited only by the company's Aircall budget.")
    principals = grant.oauth
    if principals:
        named = [
            f"{kind} {', '.join(sorted(names))}"
            for kind, names in (
                ("clients", principals.clients),
                ("subjects", principals.subjects),
                ("groups", principals.groups),
            )
            if names
        ]
        lines.append(f"OAuth: tokens whose {'; '.join(named)} match are this agent.")
    count = len(grant.token_hashes)
    lines.append(f"HTTP tokens: {count} ({'can' if count else 'cannot'} connect over HTTP with a bearer token).")
    return lines
