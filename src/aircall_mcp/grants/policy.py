"""The single place that decides what an agent may do. tools/list and tools/call both ask `decide`.

Order: no usable grant -> tools.deny (wins over everything) -> tools.allow or the area level (by the tool's
access class) -> scope.numbers that no call of the tool can satisfy -> argument constraints and the number the
arguments name (only for a call, i.e. when args are given) -> tools.confirm. A scoped call tool then needs the
call's number: see `Decision.scope_check_call_id`.

scope.numbers covers every tool that acts through or on a company number, not only call tools: the catalogue
names the argument that holds the number (`Endpoint.number_arg`), and a number outside the scope is refused before
anything is sent. A tool that uses a number it cannot name (the power-dialer campaign) is refused under a scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aircall_mcp.endpoint import NUMBER_NOT_NAMED, Access, Area, Endpoint
from aircall_mcp.grants.model import Grant, Level, Redaction
from aircall_mcp.grants.redact import redact_value

# The lowest level that permits each access class, for messages that say what would be needed.
NEEDED_LEVEL: Mapping[Access, Level] = {
    Access.READ: Level.READ,
    Access.WRITE: Level.WRITE,
    Access.DESTRUCTIVE: Level.FULL,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """One answer of the policy, ready to be recorded.

    rule: the grant rule that decided ("tools.deny", "areas.calls=write", "constraints.tag_call.tags", ...).
    reason: plain English, for the model and the audit.
    needs_confirmation: allowed only once a person approves it (MCP elicitation); refuse if the client cannot ask
        (unless needs_approval: then the call goes to the operators' approval queue instead).
    needs_approval: allowed only once an operator approves this exact call in the approval queue (tools.approve).
    scope_check_call_id: the server must fetch this call and pass it to `check_call_scope` before running.
    """

    allowed: bool
    rule: str
    reason: str
    needs_confirmation: bool = False
    scope_check_call_id: int | None = None
    needs_approval: bool = False

    def refuse(self, *, rule: str, reason: str) -> Decision:
        """This decision turned into a refusal, e.g. when the scope check that it asked for fails."""
        return Decision(False, rule, reason)


def is_call_tool(endpoint: Endpoint) -> bool:
    """A tool that acts on one call (its number decides whether a scoped grant reaches it)."""
    return endpoint.area is Area.CALLS and "call_id" in endpoint.path_fields


def acts_through_a_number(endpoint: Endpoint) -> bool:
    """A tool that places calls through, or reads or changes, one of the company's numbers."""
    return endpoint.number_arg is not None


def _needs_a_number(endpoint: Endpoint) -> bool:
    """Every call of this tool names a number (or uses one it cannot name): an empty scope leaves it nothing."""
    arg = endpoint.number_arg
    if arg is None:
        return False
    return arg == NUMBER_NOT_NAMED or endpoint.input_model.model_fields[arg].is_required()


# What an analytics report file holds, unmasked.
_IN_REPORT_FILES = frozenset({Redaction.PHONE_NUMBERS, Redaction.EMAILS})


def decide(grant: Grant, endpoint: Endpoint, args: Mapping[str, Any] | None = None) -> Decision:
    """Whether `grant` lets its agent see (args=None) or call (args given, validated) `endpoint`, and why."""
    listed = _listing_decision(grant, endpoint)
    return listed if args is None else authorize(grant, endpoint, args, listed=listed)


def authorize(grant: Grant, endpoint: Endpoint, args: Mapping[str, Any], *, listed: Decision | None = None) -> Decision:
    """The decision for tools/call: `decide` with the validated arguments. `listed` is `decide(grant, endpoint)`
    when the caller already has it (the call path asks it before validating), so it is not worked out twice."""
    listed = listed if listed is not None else _listing_decision(grant, endpoint)
    if not listed.allowed:
        return listed
    return _with_arguments(grant, endpoint, listed, args)


def _refusal(grant: Grant, endpoint: Endpoint, rule: str, why: str) -> Decision:
    return Decision(False, rule, f"{grant.agent} may not call {endpoint.name}: {why}")


# Exempt from C901: the grant rules read top to bottom in their order of precedence; split, the order would hide.
def _listing_decision(grant: Grant, endpoint: Endpoint) -> Decision:  # noqa: C901
    """The rules that need no arguments: what tools/list shows, and the first half of every call's decision."""
    who, name, file = grant.agent, endpoint.name, grant.file

    def refuse(rule: str, why: str) -> Decision:
        return _refusal(grant, endpoint, rule, why)

    if grant.denied_because is not None:
        return refuse("no usable grant", grant.denied_because)
    if name in grant.deny:
        return refuse("tools.deny", f"it is listed in tools.deny of {file}")
    if name in grant.allow:
        rule = "tools.allow"
    else:
        area, level = endpoint.area.value, grant.level(endpoint.area)
        if level is Level.OFF:
            return refuse(
                "default deny (no area level)", f"areas.{area} is off in {file} and tools.allow does not list it"
            )
        if not level.permits(endpoint.access):
            needed = NEEDED_LEVEL[endpoint.access]
            why = f"it is {endpoint.access.value} and areas.{area} is {level.value} in {file} ({needed.value} needed)"
            return refuse(f"areas.{area}={level.value}", why)
        rule = f"areas.{area}={level.value}"

    if grant.scope_numbers is not None and is_call_tool(endpoint) and not grant.scope_numbers:
        # Hidden from the list as well: a tool that can never succeed should not be offered.
        return refuse("scope.numbers", f"scope.numbers of {file} is empty, so no call is in scope")
    scoped_number = grant.scope_numbers is not None and acts_through_a_number(endpoint)
    if scoped_number and endpoint.number_arg == NUMBER_NOT_NAMED:
        why = f"it acts through a number its arguments do not name, so scope.numbers of {file} cannot be checked"
        return refuse("scope.numbers", why)
    if scoped_number and not grant.scope_numbers and _needs_a_number(endpoint):
        return refuse("scope.numbers", f"scope.numbers of {file} is empty, so no number is in scope")

    if endpoint.area is Area.ANALYTICS and grant.redact & _IN_REPORT_FILES:
        # A report is a file of raw call data: nothing in it can be masked, so a masking grant cannot have it.
        return refuse("redact", f"its report files hold phone numbers and emails unmasked, and {file} masks them")

    needs_confirmation, needs_approval = name in grant.confirm, name in grant.approve
    also = ""
    if needs_confirmation and needs_approval:
        also = " once a person at the client (tools.confirm) or else an operator (tools.approve) approves it"
    elif needs_confirmation:
        also = " once a person approves it (tools.confirm)"
    elif needs_approval:
        also = " once an operator approves it (tools.approve)"
    return Decision(
        True,
        rule,
        f"{who} may call {name}{also}: allowed by {rule} in {file}",
        needs_confirmation,
        None,
        needs_approval,
    )


def _with_arguments(grant: Grant, endpoint: Endpoint, listed: Decision, args: Mapping[str, Any]) -> Decision:
    """The second half of a call's decision: its argument constraints and the number or call its arguments name."""
    name, file = endpoint.name, grant.file
    for arg, allowed in grant.constraints.get(name, {}).items():
        value = args.get(arg)
        if value is None:
            continue  # an argument not given cannot break the rule
        values = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        if all(str(v) in allowed for v in values):
            continue
        shown = redact_value({arg: value}, grant.redact)[arg]
        only = f"only {', '.join(allowed)}" if allowed else "no value"
        why = f"{arg}={shown} is outside constraints.{name}.{arg} of {file}, which allows {only}"
        return _refusal(grant, endpoint, f"constraints.{name}.{arg}", why)
    scope = grant.scope_numbers
    if scope is None:
        return listed
    number_arg = endpoint.number_arg
    if acts_through_a_number(endpoint) and number_arg is not None:
        number = args.get(number_arg)
        # A number not given (an optional default_number_id) is not reached; one given must be in scope.
        in_scope = isinstance(number, int) and not isinstance(number, bool) and number in scope
        if number is not None and not in_scope:
            why = f"{number_arg}={number} is not in scope.numbers of {file}"
            return _refusal(grant, endpoint, "scope.numbers", why)
    call_id = args.get("call_id")
    if is_call_tool(endpoint) and call_id is not None:
        # call_id is a path field, so a call without one never reaches a call; one that is not an id is refused.
        if not isinstance(call_id, int) or isinstance(call_id, bool):
            return _refusal(grant, endpoint, "scope.numbers", "the call id must be a number to check scope.numbers")
        return replace(listed, scope_check_call_id=call_id)
    return listed


def visible(grant: Grant, endpoint: Endpoint) -> bool:
    """Whether tools/list shows `endpoint`: exactly the tools `decide` allows before arguments are known."""
    return decide(grant, endpoint).allowed


def visible_tools(grant: Grant, catalogue: Sequence[Endpoint]) -> tuple[Endpoint, ...]:
    return tuple(endpoint for endpoint in catalogue if visible(grant, endpoint))


def check_call_scope(grant: Grant, endpoint: Endpoint, call: Mapping[str, Any]) -> Decision:
    """Second half of a scoped call decision: `call` is the Aircall call fetched for `scope_check_call_id`."""
    if grant.call_in_scope(call):
        return Decision(True, "scope.numbers", f"call {call.get('id')} is on a number in scope.numbers of {grant.file}")
    why = f"call {call.get('id')} is not on a number in scope.numbers of {grant.file}"
    return Decision(False, "scope.numbers", f"{grant.agent} may not call {endpoint.name}: {why}")
