"""Reading one grant file: YAML -> a validated `Grant`, or a `GrantError` listing every problem in it.

Validation is strict on purpose: a misspelt key or tool silently ignored would grant less (or more) than the
operator wrote. Each problem names the file, the key path, the line and the nearest valid value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from aircall_mcp.endpoint import Area, Endpoint
from aircall_mcp.grants.model import Grant, GrantError, Level, OAuthPrincipals, Problem, Redaction

AGENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TOKEN_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")

TOP_KEYS = ("description", "areas", "tools", "constraints", "scope", "redact", "quota", "tokens", "oauth")
TOOL_LIST_KEYS = ("allow", "deny", "confirm", "approve")
SCOPE_KEYS = ("numbers",)
QUOTA_KEYS = ("per_minute",)
OAUTH_KEYS = ("clients", "subjects", "groups")
LEVELS = tuple(level.value for level in Level)


def agent_name_problem(name: str) -> str | None:
    """Why `name` cannot be an agent name (it becomes a file name, so no paths, no surprises), or None."""
    if AGENT_NAME.match(name):
        return None
    return (
        f"'{name}' is not a valid agent name: "
        "use 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit"
    )


def load_grant(path: Path | str, catalogue: Sequence[Endpoint]) -> Grant:
    """Read and validate the grant file at `path`; the agent is the file's stem. Raises GrantError."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GrantError(
            [Problem(file, "no grant file", hint=f"create {file} to grant {path.stem} anything")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GrantError([Problem(file, "cannot read grant file", hint=type(exc).__name__)]) from None
    return parse_grant(text, agent=path.stem, catalogue=catalogue, source=path)


def parse_grant(text: str, *, agent: str, catalogue: Sequence[Endpoint], source: Path | None = None) -> Grant:
    """Validate grant YAML `text` for `agent`. An empty document is a valid grant of nothing."""
    file = str(source) if source is not None else f"{agent}.yaml"
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise GrantError([Problem(file, "not valid YAML", line=line, hint=str(getattr(exc, "problem", exc)))]) from None
    checker = _Checker(file, catalogue)
    checker.index_lines(node)
    name_problem = agent_name_problem(agent)
    if name_problem is not None:
        checker.problems.append(Problem(file, name_problem, hint="rename the file"))
    grant = checker.grant(agent, data, source)
    if checker.problems:
        raise GrantError(checker.problems)
    return grant


def _suggest(value: object, choices: Iterable[str]) -> str:
    options = list(choices)
    close = difflib.get_close_matches(str(value).lower(), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(options) <= 10:
        return f"expected one of: {', '.join(options)}"
    return ""


def _is_int(value: object) -> bool:
    # YAML booleans are ints in Python; an id of `true` is a mistake, not 1.
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Walks one parsed file, building the grant and collecting every problem on the way."""

    def __init__(self, file: str, catalogue: Sequence[Endpoint]) -> None:
        self.file = file
        self.tools: dict[str, Endpoint] = {ep.name: ep for ep in catalogue}
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}

    # -- where things are -------------------------------------------------------------------------------
    def index_lines(self, node: yaml.Node | None, key: str = "", seen_nodes: set[int] | None = None) -> None:
        """Record the line of every key and list item, and report duplicate keys (safe_load keeps the last)."""
        # Aliases share nodes: walk each once, or a few nested aliases would take exponential time.
        seen_nodes = set() if seen_nodes is None else seen_nodes
        if id(node) in seen_nodes:
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                name = str(key_node.value)
                child = f"{key}.{name}" if key else name
                line = key_node.start_mark.line + 1
                if name in seen:
                    self.add(key, f"duplicate key '{name}'", hint=f"first set on line {seen[name]}", line=line)
                seen[name] = line
                self.lines.setdefault(child, line)
                self.index_lines(value_node, child, seen_nodes)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{key}[{index}]"
                self.lines.setdefault(child, item.start_mark.line + 1)
                self.index_lines(item, child, seen_nodes)

    def add(self, key: str, message: str, *, hint: str = "", line: int | None = None) -> None:
        self.problems.append(Problem(self.file, message, key, line if line is not None else self.lines.get(key), hint))

    def mapping(self, key: str, value: object, example: str) -> Mapping[Any, Any]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return value
        self.add(key, f"expected a mapping, got {type(value).__name__}", hint=f"e.g. {example}")
        return {}

    def known_keys(self, key: str, mapping: Mapping[Any, Any], allowed: Sequence[str]) -> None:
        for name in mapping:
            if name not in allowed:
                child = f"{key}.{name}" if key else str(name)
                self.add(key, f"unknown key '{name}'", hint=_suggest(name, allowed), line=self.lines.get(child))

    def items(self, key: str, value: object, example: str) -> list[tuple[str, Any]]:
        """The elements of a list with their key paths; None is an empty list."""
        if value is None:
            return []
        if isinstance(value, list):
            return [(f"{key}[{i}]", item) for i, item in enumerate(value)]
        self.add(key, f"expected a list, got {type(value).__name__}", hint=f"e.g. {example}")
        return []

    def tool(self, key: str, value: object) -> str | None:
        if isinstance(value, str) and value in self.tools:
            return value
        if isinstance(value, str):
            close = difflib.get_close_matches(value, list(self.tools), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "no tool has a similar name"
        else:
            hint = "tool names are strings"
        self.add(key, f"unknown tool {value!r}", hint=hint)
        return None

    # -- the sections -------------------------------------------------------------------------------------
    def grant(self, agent: str, data: object, source: Path | None) -> Grant:
        if data is None:
            return Grant(agent=agent, source=source)
        if not isinstance(data, Mapping):
            self.add("", f"expected a mapping of keys ({', '.join(TOP_KEYS)}), got {type(data).__name__}")
            return Grant(agent=agent, source=source)
        self.known_keys("", data, TOP_KEYS)
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            self.add("description", "expected text", hint="e.g. description: Front-line support assistant")
        tools = self.mapping("tools", data.get("tools"), "{allow: [create_contact], deny: [transfer_call]}")
        self.known_keys("tools", tools, TOOL_LIST_KEYS)
        return Grant(
            agent=agent,
            description=description if isinstance(description, str) else "",
            levels=self.levels(data.get("areas")),
            allow=self.tool_set("tools.allow", tools.get("allow")),
            deny=self.tool_set("tools.deny", tools.get("deny")),
            confirm=self.tool_set("tools.confirm", tools.get("confirm")),
            approve=self.tool_set("tools.approve", tools.get("approve")),
            constraints=self.constraints(data.get("constraints")),
            scope_numbers=self.scope(data.get("scope")),
            redact=self.redactions(data.get("redact")),
            quota_per_minute=self.quota(data.get("quota")),
            token_hashes=self.tokens(data.get("tokens")),
            oauth=self.oauth(data.get("oauth")),
            source=source,
        )

    def levels(self, value: object) -> dict[Area, Level]:
        levels: dict[Area, Level] = {}
        areas = [a.value for a in Area]
        for name, raw in self.mapping("areas", value, "{calls: read, contacts: write}").items():
            key = f"areas.{name}"
            if name not in areas:
                self.add("areas", f"unknown area '{name}'", hint=_suggest(name, areas), line=self.lines.get(key))
                continue
            # YAML 1.1 reads a bare `off` as False; that is what the operator meant.
            level = "off" if raw is False else raw
            if isinstance(level, str) and level in LEVELS:
                levels[Area(name)] = Level(level)
            else:
                self.add(key, f"unknown level {raw!r}", hint=_suggest(raw, LEVELS))
        return levels

    def tool_set(self, key: str, value: object) -> frozenset[str]:
        example = f"{key.removeprefix('tools.')}: [tag_call]"
        names = (self.tool(k, item) for k, item in self.items(key, value, example))
        return frozenset(name for name in names if name is not None)

    def constraints(self, value: object) -> dict[str, dict[str, tuple[str, ...]]]:
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        for tool_name, per_arg in self.mapping("constraints", value, "{tag_call: {tags: [12, 34]}}").items():
            key = f"constraints.{tool_name}"
            if self.tool(key, tool_name) is None:
                continue
            fields = list(self.tools[tool_name].input_model.model_fields)
            args: dict[str, tuple[str, ...]] = {}
            for arg, allowed in self.mapping(key, per_arg, "{tags: [12, 34]}").items():
                arg_key = f"{key}.{arg}"
                if arg not in fields:
                    close = difflib.get_close_matches(str(arg), fields, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"{tool_name} takes: {', '.join(fields)}"
                    self.add(arg_key, f"{tool_name} has no argument '{arg}'", hint=hint)
                    continue
                values: list[str] = []
                for item_key, item in self.items(arg_key, allowed, f"{arg}: [12, 34] (or [] for never)"):
                    if _is_int(item) or isinstance(item, str):
                        values.append(str(item))
                    else:
                        self.add(item_key, f"allowed values are ids or text, got {type(item).__name__}")
                if isinstance(allowed, list):
                    args[str(arg)] = tuple(dict.fromkeys(values))
            result[tool_name] = args
        return result

    def scope(self, value: object) -> frozenset[int] | None:
        if value is None:
            return None
        scope = self.mapping("scope", value, "{numbers: [123, 456]}")
        self.known_keys("scope", scope, SCOPE_KEYS)
        if "numbers" not in scope:
            return None
        numbers: set[int] = set()
        for key, item in self.items("scope.numbers", scope["numbers"], "numbers: [123, 456]"):
            if _is_int(item) and item > 0:
                numbers.add(item)
            else:
                self.add(key, f"expected an Aircall number id, got {item!r}", hint="use the id from list_numbers")
        return frozenset(numbers)

    def redactions(self, value: object) -> frozenset[Redaction]:
        names = [r.value for r in Redaction]
        chosen: set[Redaction] = set()
        for key, item in self.items("redact", value, "redact: [phone_numbers, emails]"):
            if isinstance(item, str) and item in names:
                chosen.add(Redaction(item))
            else:
                self.add(key, f"unknown redaction {item!r}", hint=_suggest(item, names))
        return frozenset(chosen)

    def quota(self, value: object) -> int | None:
        quota = self.mapping("quota", value, "{per_minute: 20}")
        self.known_keys("quota", quota, QUOTA_KEYS)
        per_minute = quota.get("per_minute")
        if per_minute is None:
            return None
        if _is_int(per_minute) and per_minute > 0:
            return int(per_minute)
        self.add("quota.per_minute", f"expected a whole number of requests above 0, got {per_minute!r}")
        return None

    def tokens(self, value: object) -> frozenset[str]:
        hashes: set[str] = set()
        for key, item in self.items("tokens", value, 'tokens: ["sha256:<64 hex>"]'):
            normalised = item.strip().lower() if isinstance(item, str) else ""
            if TOKEN_HASH.match(normalised):
                hashes.add(normalised)
            else:
                # Never echo the value: it may be a plain token pasted by mistake.
                self.add(
                    key,
                    "not a token hash (value not shown)",
                    hint="store only 'sha256:<64 hex>'; `aircall-mcp grants token` prints a new token and its line",
                )
        return frozenset(hashes)

    def oauth(self, value: object) -> OAuthPrincipals:
        section = self.mapping("oauth", value, "{clients: [reporting-bot], subjects: [], groups: [support-leads]}")
        self.known_keys("oauth", section, OAUTH_KEYS)
        found: dict[str, frozenset[str]] = {}
        for name in OAUTH_KEYS:
            key = f"oauth.{name}"
            names: set[str] = set()
            for item_key, item in self.items(key, section.get(name), f"{name}: [name-1, name-2]"):
                if isinstance(item, str) and item.strip() and item == item.strip():
                    names.add(item)
                else:
                    self.add(item_key, f"expected a non-empty name without surrounding spaces, got {item!r}")
            found[name] = frozenset(names)
        return OAuthPrincipals(clients=found["clients"], subjects=found["subjects"], groups=found["groups"])
