"""The shape of one catalogue entry: an Aircall endpoint exposed as one MCP tool.

Everything that differs between endpoints is data on an `Endpoint`; the server, grants, rate limiting
and audit read these fields and never special-case a tool by name.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Self, overload
from urllib.parse import quote

from pydantic import BaseModel

HttpMethod = Literal["GET", "POST", "PUT", "DELETE"]

# Methods that Aircall cannot apply twice by accident: repeating them leaves the same state.
IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "PUT", "DELETE"})

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Dot segments are resolved by URL libraries and servers ("/v1/calls/.." is "/v1"): never a path value.
_DOT_SEGMENTS = frozenset({"", ".", ".."})

# `Endpoint.number_arg` of a tool that acts through one of the company's numbers without naming it in its
# arguments (a power-dialer campaign calls from the campaign's number): a grant scoped to numbers cannot check it
# before anything is sent, so it refuses the tool.
NUMBER_NOT_NAMED = "(not named)"


class Area(StrEnum):
    """The part of an Aircall account a tool touches; grants give access per area."""

    CALLS = "calls"
    CONTACTS = "contacts"
    USERS = "users"
    TEAMS = "teams"
    NUMBERS = "numbers"
    TAGS = "tags"
    WEBHOOKS = "webhooks"
    COMPANY = "company"
    MESSAGING = "messaging"
    ANALYTICS = "analytics"


class Access(StrEnum):
    """What a tool does to the account. Grant levels are defined by this class and nothing else.

    read: changes nothing. write: adds or changes data that the API can change back.
    destructive: removes data (or a membership) that no API call restores as it was.
    """

    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """One HTTP request to Aircall, before credentials are added."""

    method: HttpMethod
    path: str
    query: Mapping[str, str | list[str]] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None


# Where a model named by text lives: "calls.CallList" is aircall_mcp.models.calls.CallList.
MODELS_PACKAGE = "aircall_mcp.models"


def resolve_model(name: str) -> type[BaseModel]:
    """The model class that `name` ("module.Class" in aircall_mcp.models) names, importing its module."""
    module, _, cls = name.rpartition(".")
    model = getattr(importlib.import_module(f"{MODELS_PACKAGE}.{module}"), cls, None) if module else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise LookupError(f"{name!r} names no model in {MODELS_PACKAGE} (expected 'module.Class')")
    return model


class _ModelField:
    """An `Endpoint` model, given as the class or by name, imported at its first read.

    Naming them lets the catalogue declare every endpoint without building ~160 model classes at import (tens
    of ms of every cold start): a server imports the model modules of the tools it validates or shapes.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._key = f"_{name}"

    @overload
    def __get__(self, endpoint: None, owner: type) -> Self: ...
    @overload
    def __get__(self, endpoint: Endpoint, owner: type) -> type[BaseModel]: ...
    def __get__(self, endpoint: Endpoint | None, owner: type) -> Self | type[BaseModel]:
        if endpoint is None:
            raise AttributeError(self._key)  # for dataclasses: the field has no default
        model: type[BaseModel] | str = endpoint.__dict__[self._key]
        if isinstance(model, str):
            model = endpoint.__dict__[self._key] = resolve_model(model)
        return model

    def __set__(self, endpoint: Endpoint, model: type[BaseModel] | str) -> None:
        endpoint.__dict__[self._key] = model


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """One Aircall endpoint, declared once, served as one tool."""

    name: str
    area: Area
    access: Access
    method: HttpMethod
    # Placeholders such as {call_id} name fields of the input model.
    path: str
    # The classes, or their names in aircall_mcp.models ("calls.CallList"): see _ModelField.
    input_model: _ModelField = _ModelField()
    output_model: _ModelField = _ModelField()
    title: str
    description: str
    # Infinitive phrase for the audit summary, formatted with the validated arguments by
    # catalogue.action_text, e.g. "tag call {call_id} with tags {tags}".
    action: str
    # Fields of a POST/PUT input model that travel in the query string instead of the body.
    query_fields: frozenset[str] = frozenset()
    # For paginated list endpoints: the envelope key that holds the items ("calls").
    list_key: str | None = None
    # Webhook event Aircall emits when this succeeds, if any.
    webhook_event: str | None = None
    # The input field naming the company number this tool acts through or on ("number_id"), checked against a
    # grant's scope.numbers before anything is sent; NUMBER_NOT_NAMED when the tool uses a number it cannot name.
    number_arg: str | None = None
    # Where the entry's Aircall behaviour comes from and whether a source confirmed it (maintainers only: never
    # shown to models).
    source: str = ""

    def __hash__(self) -> int:
        # What tells endpoints apart, without importing their models (equal endpoints share these too).
        return hash((self.name, self.method, self.path))

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS

    @property
    def paginated(self) -> bool:
        return self.list_key is not None

    @property
    def path_fields(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))

    def build_path(self, values: Mapping[str, object]) -> str:
        """The path with each placeholder replaced by its value, percent-encoded as one segment.

        Input models already give every path field its real shape; this is the last guard: only ints and strings,
        never a dot segment, and every reserved character encoded ("/" -> %2F), so that no upstream reads a value
        as more than the one segment the template names.
        """

        def segment(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise ValueError(f"{self.name}: path field {name} has no value")
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(f"{self.name}: path field {name} must be an id or a string")
            text = str(value)
            if text in _DOT_SEGMENTS:
                raise ValueError(f"{self.name}: path field {name} may not be {text!r}")
            return quote(text, safe="")

        return _PLACEHOLDER.sub(segment, self.path)
