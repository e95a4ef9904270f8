"""Reading one grant file: YAML -> a validated `Grant`, or a `GrantError` listing every problem in it.

Validation is strict on purpose: a misspelt key or tool silently ignored would grant less (or more) than the
operator wrote. Each problem names the file, the key path, the line and the nearest valid value.

A grant file is also untrusted input that must not hurt the server or another agent: it is read only up to
MAX_GRANT_BYTES, nested at most MAX_DEPTH deep, its aliases may not refer to themselves nor make a section
expand to more than MAX_EXPANDED_VALUES values, values are quoted back cut short, and any failure of the
parser (RecursionError included) becomes a GrantError naming the file.
"""

from __future__ import annotations

import difflib
import os
import re
import reprlib
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aircall_mcp.endpoint import Area, Endpoint
from aircall_mcp.facts import ALL_EVENTS, KNOWN_EVENTS
from aircall_mcp.grants.model import Grant, GrantError, Level, OAuthPrincipals, Problem, Redaction

# fullmatch only: `$` would also accept a trailing newline ("ok\n"), which is not the agent "ok".
AGENT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
TOKEN_HASH = re.compile(r"sha256:[0-9a-f]{64}")

TOP_KEYS = (
    "description",
    "areas",
    "tools",
    "constraints",
    "scope",
    "redact",
    "phone_region",
    "quota",
    "tokens",
    "oauth",
    "events",
)
TOOL_LIST_KEYS = ("allow", "deny", "confirm", "approve")
SCOPE_KEYS = ("numbers",)
QUOTA_KEYS = ("per_minute",)
OAUTH_KEYS = ("clients", "subjects", "groups")
LEVELS = tuple(level.value for level in Level)

# Bounds on what a grant file may be. A real grant is a few hundred bytes, five levels deep, with no aliases.
MAX_GRANT_BYTES = 256 * 1024
MAX_DEPTH = 24
MAX_EXPANDED_VALUES = 10_000
MAX_PROBLEMS = 50
_QUOTE_CHARS = 60
# Suggestions compare strings pairwise; a long value has no near neighbour worth the time.
_SUGGEST_MAX_CHARS = 100

# libyaml when present: several times faster at start-up with many files.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_quoter = reprlib.Repr()
_quoter.maxlevel = 2
_quoter.maxlist = _quoter.maxtuple = _quoter.maxset = _quoter.maxdict = 4
_quoter.maxstring = _quoter.maxother = _QUOTE_CHARS


def quoted(value: object) -> str:
    """`repr(value)` cut short: a value shared through aliases is never expanded into a message."""
    text = _quoter.repr(value)
    return text if len(text) <= _QUOTE_CHARS + 10 else text[:_QUOTE_CHARS] + "..."


def agent_name_problem(name: str) -> str | None:
    """Why `name` cannot be an agent name (it becomes a file name, so no paths, no surprises), or None."""
    if AGENT_NAME.fullmatch(name):
        return None
    return (
        f"{quoted(name)} is not a valid agent name: "
        "use 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit"
    )


@dataclass(frozen=True, slots=True)
class GrantFile:
    """The bytes of a grant file as read once, and its modification time read after them."""

    data: bytes
    mtime_ns: int


def read_grant_file(path: Path) -> GrantFile:
    """Read a grant file within MAX_GRANT_BYTES. Raises FileNotFoundError, or GrantError naming the file."""
    file = str(path)
    try:
        # O_NONBLOCK: a FIFO named like a grant must not hang the server on open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise GrantError([Problem(file, "cannot read grant file", hint=type(exc).__name__)]) from None
    try:
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_GRANT_BYTES:
            chunk = os.read(fd, MAX_GRANT_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_GRANT_BYTES:
            raise GrantError(
                [Problem(file, f"grant file is larger than {MAX_GRANT_BYTES // 1024} KiB", hint="is it a grant?")]
            )
        # After the read: a write that raced it has moved the mtime to now, so the file does not look settled.
        # (A FIFO opened without blocking reads as empty; it is refused here, as any other non-file.)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise GrantError([Problem(file, "not a regular file", hint="a grant is a plain .yaml file")])
        return GrantFile(b"".join(chunks), st.st_mtime_ns)
    except OSError as exc:
        raise GrantError([Problem(file, "cannot read grant file", hint=type(exc).__name__)]) from None
    finally:
        os.close(fd)


def load_grant(path: Path | str, catalogue: Sequence[Endpoint]) -> Grant:
    """Read and validate the grant file at `path`; the agent is the file's stem. Raises GrantError."""
    path = Path(path)
    try:
        read = read_grant_file(path)
    except FileNotFoundError:
        file = str(path)
        raise GrantError(
            [Problem(file, "no grant file", hint=f"create {file} to grant {path.stem} anything")]
        ) from None
    return parse_grant_bytes(read.data, agent=path.stem, catalogue=catalogue, source=path)


def parse_grant_bytes(data: bytes, *, agent: str, catalogue: Sequence[Endpoint], source: Path | None = None) -> Grant:
    """`parse_grant` of a file's bytes, which must be UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        file = str(source) if source is not None else f"{agent}.yaml"
        raise GrantError([Problem(file, "not UTF-8 text", hint=f"invalid byte at offset {exc.start}")]) from None
    return parse_grant(text, agent=agent, catalogue=catalogue, source=source)


def parse_grant(text: str, *, agent: str, catalogue: Sequence[Endpoint], source: Path | None = None) -> Grant:
    """Validate grant YAML `text` for `agent`. An empty document is a valid grant of nothing."""
    file = str(source) if source is not None else f"{agent}.yaml"
    if len(text) > MAX_GRANT_BYTES:
        raise GrantError([Problem(file, f"grant file is larger than {MAX_GRANT_BYTES // 1024} KiB")])
    try:
        node, data = _compose_and_construct(text, file)
    except GrantError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        hint = quoted(str(getattr(exc, "problem", None) or exc)).strip("'\"")
        raise GrantError([Problem(file, "not valid YAML", line=line, hint=hint)]) from None
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as exc:
        # Whatever the parser trips on in one file is that file's problem, never the server's.
        raise GrantError([Problem(file, "not a readable grant", hint=type(exc).__name__)]) from None
    checker = _Checker(file, catalogue)
    try:
        checker.index_lines(node)
        name_problem = agent_name_problem(agent)
        if name_problem is not None:
            checker.add("", name_problem, hint="rename the file")
        grant = checker.grant(agent, data, source)
    except _TooManyProblems:
        raise GrantError(
            [*checker.problems, f"... and more: stopped after {MAX_PROBLEMS} problems in {file}"]
        ) from None
    if checker.problems:
        raise GrantError(checker.problems)
    return grant


def _compose_and_construct(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    # libyaml refuses nesting beyond 1,000 levels by itself, and the checker stops at MAX_DEPTH; the
    # pure-Python composer recurses, so it needs the event pass first. Aliases always do (an alias has a `*`).
    if _Loader is yaml.SafeLoader or "*" in text:
        _check_shape(text, file)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _check_shape(text: str, file: str) -> None:  # noqa: C901 - one pass over YAML events, one branch per kind
    """Refuse, from the event stream alone (nothing composed yet), what would be costly or unbounded to build.

    Depth is bounded; an alias may not refer to a collection that contains it; and each known top-level
    section may not expand (through aliases) to more than MAX_EXPANDED_VALUES values. Unknown keys are left to
    the checker, which reports them without looking inside.
    """
    sizes: dict[str, int] = {}  # expanded size of each anchored node
    open_anchors: list[str | None] = []
    counts: list[int] = []  # expanded values inside each open collection
    root_key: list[object] = []  # alternating key/value slots of the root mapping
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise GrantError([Problem(file, "an alias refers to the value that contains it", line=_line(event))])
            size = sizes.get(str(event.anchor), 1)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(counts) >= MAX_DEPTH:
                raise GrantError([Problem(file, f"nested more than {MAX_DEPTH} levels deep", line=_line(event))])
            open_anchors.append(event.anchor)
            counts.append(0)
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor = open_anchors.pop()
            size = min(counts.pop() + 1, MAX_EXPANDED_VALUES + 1)
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        else:
            continue
        if not counts:
            continue
        # Capped just past the bound: past it the exact figure does not matter, and a few kilobytes of
        # aliases can describe numbers with thousands of digits.
        counts[-1] = min(counts[-1] + size, MAX_EXPANDED_VALUES + 1)
        if len(counts) == 1:  # a key or a value of the root mapping (or an item of a root list)
            root_key.append(event.value if isinstance(event, yaml.ScalarEvent) else None)
            if len(root_key) % 2 == 0 and root_key[-2] in TOP_KEYS and size > MAX_EXPANDED_VALUES:
                raise GrantError(
                    [
                        Problem(
                            file,
                            f"expands to more than {MAX_EXPANDED_VALUES} values (through aliases)",
                            key=str(root_key[-2]),
                            line=_line(event),
                        )
                    ]
                )


def _line(event: yaml.Event) -> int | None:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else None


class _TooManyProblems(Exception):
    """Stops checking a file that has more problems than anyone will read."""


def _suggest(value: object, choices: Iterable[str]) -> str:
    options = list(choices)
    if len(str(value)) > _SUGGEST_MAX_CHARS:
        return ""
    close = difflib.get_close_matches(str(value).lower(), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(options) <= 10:
        return f"expected one of: {', '.join(options)}"
    return ""


def _short(value: object) -> str:
    """A key or name as text, cut short for a message."""
    text = str(value)
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "..."


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
    def index_lines(
        self, node: yaml.Node | None, key: str = "", seen_nodes: set[int] | None = None, depth: int = 0
    ) -> None:
        """Record the line of every key and list item, and report duplicate keys (safe_load keeps the last)."""
        # Aliases share nodes: walk each once, or a few nested aliases would take exponential time.
        seen_nodes = set() if seen_nodes is None else seen_nodes
        if id(node) in seen_nodes:
            return
        seen_nodes.add(id(node))
        if depth >= MAX_DEPTH and isinstance(node, yaml.CollectionNode):
            line = node.start_mark.line + 1 if node.start_mark is not None else None
            raise GrantError([Problem(self.file, f"nested more than {MAX_DEPTH} levels deep", line=line)])
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                name = str(key_node.value)
                child = f"{key}.{name}" if key else name
                line = key_node.start_mark.line + 1
                if name in seen:
                    self.add(key, f"duplicate key '{_short(name)}'", hint=f"first set on line {seen[name]}", line=line)
                seen[name] = line
                self.lines.setdefault(child, line)
                self.index_lines(value_node, child, seen_nodes, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{key}[{index}]"
                self.lines.setdefault(child, item.start_mark.line + 1)
                self.index_lines(item, child, seen_nodes, depth + 1)

    def add(self, key: str, message: str, *, hint: str = "", line: int | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems
        where = _short(key)
        self.problems.append(
            Problem(self.file, message, where, line if line is not None else self.lines.get(key), hint)
        )

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
                self.add(key, f"unknown key '{_short(name)}'", hint=_suggest(name, allowed), line=self.lines.get(child))

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
        if isinstance(value, str) and len(value) <= _SUGGEST_MAX_CHARS:
            close = difflib.get_close_matches(value, list(self.tools), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "no tool has a similar name"
        elif isinstance(value, str):
            hint = ""
        else:
            hint = "tool names are strings"
        self.add(key, f"unknown tool {quoted(value)}", hint=hint)
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
            phone_region=self.phone_region(data.get("phone_region")),
            quota_per_minute=self.quota(data.get("quota")),
            token_hashes=self.tokens(data.get("tokens")),
            oauth=self.oauth(data.get("oauth")),
            events=self.events(data.get("events")),
            source=source,
        )

    def levels(self, value: object) -> dict[Area, Level]:
        levels: dict[Area, Level] = {}
        areas = [a.value for a in Area]
        for name, raw in self.mapping("areas", value, "{calls: read, contacts: write}").items():
            key = f"areas.{name}"
            if name not in areas:
                self.add(
                    "areas", f"unknown area '{_short(name)}'", hint=_suggest(name, areas), line=self.lines.get(key)
                )
                continue
            # YAML 1.1 reads a bare `off` as False; that is what the operator meant.
            level = "off" if raw is False else raw
            if isinstance(level, str) and level in LEVELS:
                levels[Area(name)] = Level(level)
            else:
                self.add(key, f"unknown level {quoted(raw)}", hint=_suggest(raw, LEVELS))
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
                    close = difflib.get_close_matches(_short(arg), fields, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"{tool_name} takes: {', '.join(fields)}"
                    self.add(arg_key, f"{tool_name} has no argument '{_short(arg)}'", hint=hint)
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
                self.add(key, f"expected an Aircall number id, got {quoted(item)}", hint="use the id from list_numbers")
        return frozenset(numbers)

    def redactions(self, value: object) -> frozenset[Redaction]:
        names = [r.value for r in Redaction]
        chosen: set[Redaction] = set()
        for key, item in self.items("redact", value, "redact: [phone_numbers, emails]"):
            if isinstance(item, str) and item in names:
                chosen.add(Redaction(item))
            else:
                self.add(key, f"unknown redaction {quoted(item)}", hint=_suggest(item, names))
        return frozenset(chosen)

    def phone_region(self, value: object) -> str | None:
        if value is None:
            return None
        # Imported only for a grant that names a region: libphonenumber is not needed to start a server.
        import phonenumbers  # noqa: PLC0415 - lazy, see above

        region = value.strip().upper() if isinstance(value, str) else ""
        if region in phonenumbers.SUPPORTED_REGIONS:
            return region
        close = difflib.get_close_matches(region, sorted(phonenumbers.SUPPORTED_REGIONS), n=1, cutoff=0.5)
        if isinstance(value, bool):  # YAML reads a bare NO (Norway) as false
            hint = 'quote it: phone_region: "NO"'
        elif close and len(region) == 2:
            hint = f"did you mean '{close[0]}'?"
        else:
            hint = "a two-letter country code: FR, GB, US..."
        self.add("phone_region", f"unknown phone region {value!r}", hint=hint)
        return None

    def quota(self, value: object) -> int | None:
        quota = self.mapping("quota", value, "{per_minute: 20}")
        self.known_keys("quota", quota, QUOTA_KEYS)
        per_minute = quota.get("per_minute")
        if per_minute is None:
            return None
        if _is_int(per_minute) and per_minute > 0:
            return int(per_minute)
        self.add("quota.per_minute", f"expected a whole number of requests above 0, got {quoted(per_minute)}")
        return None

    def events(self, value: object) -> frozenset[str] | None:
        if value is None:
            return None
        chosen: set[str] = set()
        for key, item in self.items("events", value, "events: [call.ended, call.tagged]"):
            if isinstance(item, str) and item in KNOWN_EVENTS:
                chosen.add(item)
            else:
                close = difflib.get_close_matches(str(item), ALL_EVENTS, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "use Aircall event names such as call.ended"
                self.add(key, f"unknown event {item!r}", hint=hint)
        return frozenset(chosen)

    def tokens(self, value: object) -> frozenset[str]:
        hashes: set[str] = set()
        for key, item in self.items("tokens", value, 'tokens: ["sha256:<64 hex>"]'):
            normalised = item.strip().lower() if isinstance(item, str) else ""
            if TOKEN_HASH.fullmatch(normalised):
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
