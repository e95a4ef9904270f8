"""`aircall-mcp grants simulate`: replay an agent's recorded calls through a new grant and say what would flip.

Each outcome line of the agent in the audit (tool + arguments, as the grant of the day masked them) is decided
again by the policy's own `decide`. What the old grant did is read from the line's decision. Arguments the old
grant masked cannot always be decided again (a masked phone number against a constraint or a number scope): such
a case is reported as undecidable, never guessed. A scoped call tool needs the call's number from Aircall: also
reported, not guessed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from aircall_mcp.audit.scrub import MASK as SECRET_MASK
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants.model import Grant
from aircall_mcp.grants.policy import decide, is_call_tool
from aircall_mcp.grants.redact import MASK, REDACTED

# What the recorded decision says the old grant did (the call's own fate after that does not matter here).
_OLD_VERDICT = {
    "allowed": "allowed",
    "confirmed": "needs confirmation",
    "declined": "needs confirmation",
    "unconfirmed": "needs confirmation",
    "approved": "needs approval",
    "pending": "needs approval",
    "expired": "needs approval",
    "denied": "denied",
}
ALLOWED_FORMS = frozenset({"allowed", "needs confirmation", "needs approval"})
EXAMPLES_PER_FLIP = 3
_SINCE = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    """'7d', '12h', '30m', '2w', '90s' -> a duration; anything else is a ValueError saying what is valid."""
    found = _SINCE.match(text.strip())
    if found is None:
        raise ValueError(f"--since {text!r} is not a duration: use a number and a unit, e.g. 7d, 12h, 30m, 2w")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


@dataclass(frozen=True, slots=True)
class Case:
    ts: str
    tool: str
    arguments: Mapping[str, Any]
    old: str
    new: str
    why: str

    def as_json(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "tool": self.tool,
            "arguments": dict(self.arguments),
            "was": self.old,
            "now": self.new,
            "why": self.why,
        }


@dataclass
class Simulation:
    agent: str
    replayed: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    flips: dict[tuple[str, str], list[Case]] = field(default_factory=dict)
    undecidable: list[Case] = field(default_factory=list)

    @property
    def newly_denied(self) -> int:
        return sum(len(cases) for (old, new), cases in self.flips.items() if old in ALLOWED_FORMS and new == "denied")

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "replayed": self.replayed,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "flips": [
                {
                    "was": old,
                    "now": new,
                    "count": len(cases),
                    "per_tool": dict(Counter(case.tool for case in cases)),
                    "examples": [case.as_json() for case in cases[:EXAMPLES_PER_FLIP]],
                }
                for (old, new), cases in self.flips.items()
            ],
            "undecidable": [case.as_json() for case in self.undecidable],
            "newly_denied": self.newly_denied,
        }


def simulate(
    grant: Grant, catalogue: Sequence[Endpoint], lines: Iterable[Mapping[str, Any]], *, since: datetime | None = None
) -> Simulation:
    """Decide every recorded call of `grant.agent` again under `grant`."""
    endpoints = {ep.name: ep for ep in catalogue}
    result = Simulation(grant.agent)
    for line in lines:
        if line.get("agent") != grant.agent or line.get("phase") != "outcome":
            continue
        if since is not None and not _at_or_after(line.get("ts"), since):
            continue
        old = _OLD_VERDICT.get(str(line.get("decision")))
        endpoint = endpoints.get(str(line.get("tool")))
        arguments = line.get("arguments")
        if old is None or endpoint is None or not isinstance(arguments, Mapping):
            result.skipped[f"not a decided call ({line.get('decision')})"] += 1
            continue
        result.replayed += 1
        case = _replay(grant, endpoint, arguments, old, str(line.get("ts", "")))
        if case.new == "undecidable":
            result.undecidable.append(case)
        elif case.new == old:
            result.unchanged += 1
        else:
            result.flips.setdefault((old, case.new), []).append(case)
    return result


def _replay(grant: Grant, endpoint: Endpoint, arguments: Mapping[str, Any], old: str, ts: str) -> Case:
    def case(new: str, why: str) -> Case:
        return Case(ts, endpoint.name, arguments, old, new, why)

    masked = sorted(name for name, value in arguments.items() if _is_masked(value))
    deciding = set(grant.constraints.get(endpoint.name, {}))
    if grant.scope_numbers is not None and endpoint.number_arg is not None:
        deciding.add(endpoint.number_arg)
    blind = [name for name in masked if name in deciding]
    if blind:
        names = ", ".join(blind)
        return case("undecidable", f"{names} was masked in the audit and the new grant decides on it")
    decision = decide(grant, endpoint, arguments)
    if not decision.allowed:
        return case("denied", decision.reason)
    if decision.scope_check_call_id is not None and is_call_tool(endpoint):
        why = f"allowed only if call {decision.scope_check_call_id} is on a number in scope.numbers (needs Aircall)"
        return case("undecidable", why)
    if decision.needs_confirmation:
        return case("needs confirmation", decision.reason)
    if decision.needs_approval:
        return case("needs approval", decision.reason)
    return case("allowed", decision.reason)


def _is_masked(value: Any) -> bool:
    if isinstance(value, str):
        return MASK in value or REDACTED in value or SECRET_MASK in value
    if isinstance(value, Mapping):
        return any(_is_masked(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_is_masked(v) for v in value)
    return False


def _at_or_after(ts: Any, since: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(ts).replace("Z", "+00:00")) >= since
    except ValueError:
        return False


def read_audit(path: Path) -> list[dict[str, Any]]:
    """Every JSON line of an audit file; lines that are not JSON objects are skipped (a torn last line)."""
    lines: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            try:
                item = json.loads(raw)
            except ValueError:
                continue
            if isinstance(item, dict):
                lines.append(item)
    return lines


def report(simulation: Simulation, out: TextIO) -> None:
    s = simulation
    out.write(f"Replayed {s.replayed} recorded calls of {s.agent}: {s.unchanged} unchanged")
    out.write(f", {sum(len(c) for c in s.flips.values())} would flip, {len(s.undecidable)} cannot be re-decided.\n")
    for (old, new), cases in sorted(s.flips.items()):
        per_tool = ", ".join(f"{tool} {n}" for tool, n in Counter(c.tool for c in cases).most_common())
        out.write(f"\n{old} -> {new}: {len(cases)} ({per_tool})\n")
        for case in cases[:EXAMPLES_PER_FLIP]:
            out.write(f"  {case.ts} {case.tool} {json.dumps(dict(case.arguments), ensure_ascii=False)}: {case.why}\n")
    if s.undecidable:
        out.write(f"\ncannot be re-decided: {len(s.undecidable)}\n")
        for case in s.undecidable:
            out.write(f"  {case.ts} {case.tool} {json.dumps(dict(case.arguments), ensure_ascii=False)}: {case.why}\n")
    for why, count in sorted(s.skipped.items()):
        out.write(f"\nskipped {count}: {why}\n")
    if s.newly_denied:
        out.write(f"\n{s.newly_denied} calls allowed before would now be denied.\n")


def since_moment(text: str | None, now: datetime | None = None) -> datetime | None:
    if text is None:
        return None
    return (now or datetime.now(UTC)) - parse_since(text)
