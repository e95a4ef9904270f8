"""Shared building blocks for tool inputs and outputs, and the one function that publishes their schemas.

Input models are strict (`extra="forbid"`, pydantic strict types, constraints that mirror Aircall's own rules) so
a bad argument is refused before any request leaves, and they accept exactly what their published schema says: no
`true` for an integer, no `"42"` for an id, no `0` for `false`. Every value placed in a URL path has the shape of
what it names (digits, an email, a webhook UUID), so it can never be read as another path.

Output models are lenient (`extra="allow"`, every field optional, plain strings) because they describe shaped
Aircall data after grant redaction, and MCP clients validate structured content against them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator

from aircall_mcp.facts import MAX_PER_PAGE, PAGINATION_CAP
from aircall_mcp.models.personal import EmailText, FreeText, NotPersonal, Personal, PhoneText

# ---------------------------------------------------------------------------------------------------------------
# Bases


class InputModel(BaseModel):
    """Arguments of one tool: unknown arguments are an error that names them; types are never coerced."""

    # defer_build (here and on OutputModel): a model's validator is built when a call first uses it, not at import
    # (building all of them took most of a cold start); tools/list reads the shipped schema cache instead.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    # Optional fields whose explicit null Aircall accepts as a change (e.g. a number's priority), so a null given
    # for them is sent, where every other null means "not given".
    sent_when_null: ClassVar[frozenset[str]] = frozenset()

    def explicit_nulls(self) -> frozenset[str]:
        """The `sent_when_null` fields the caller set to null."""
        return frozenset(
            name for name in self.sent_when_null if name in self.model_fields_set and getattr(self, name) is None
        )

    def body_for_aircall(self, values: dict[str, Any]) -> dict[str, Any]:
        """The JSON body from the body fields as dumped (Aircall's names); a model whose endpoint nests them
        differently (the analytics export's `input`) overrides this."""
        return values


class OutputModel(BaseModel):
    """Structured content of one tool: Aircall adds fields over time, so extra fields are allowed.

    `extra_fields`: fields Aircall sends that the model leaves undeclared, with their types and personal-data
    tags (see `models.personal`), so redaction treats them like declared ones without growing the schema.
    """

    model_config = ConfigDict(extra="allow", defer_build=True)
    extra_fields: ClassVar[Mapping[str, Any]] = {}


class NoArguments(InputModel):
    """A tool that takes no arguments."""


# ---------------------------------------------------------------------------------------------------------------
# Constrained scalar types (inputs only: output schemas keep plain strings, see module docstring)

E164_PATTERN = r"^\+[1-9]\d{6,14}$"
# An address as people and Aircall use them: a dot-atom local part and a DNS domain with a top-level label. It
# cannot hold "/", "?", "#", "%", "\\", whitespace, control characters or a scheme, so placed in a path (v2 users
# are addressed by id or email) it stays one segment on every server, decoding or not.
_ATOM = r"[A-Za-z0-9!$&'*+=^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$"

# Ids are digits in a path: strict ints (never a bool or a numeric string), positive.
Id = Annotated[int, Field(ge=1)]
# Call ids are Int64: keep them as ints, never floats.
CallId = Annotated[int, Field(ge=1, le=2**63 - 1)]
E164 = Annotated[str, StringConstraints(pattern=E164_PATTERN), Field(description="E.164, e.g. +14155550100")]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s/?#]+\S*$")]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"), Field(description="hex, e.g. #FF5733")]
# Aircall rejects a defined-but-blank text field ("Can't be blank if defined").
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
UnixSeconds = Annotated[int, Field(ge=0)]
Order = Literal["asc", "desc"]


# ---------------------------------------------------------------------------------------------------------------
# Reusable input fragments


class Paging(InputModel):
    """Pagination of a list tool."""

    page: int | None = Field(None, ge=1)
    per_page: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description=f"1-{MAX_PER_PAGE}, default 20")
    max_items: int | None = Field(
        None,
        ge=1,
        le=PAGINATION_CAP,
        description=f"Server fetches pages for you up to this many items (Aircall stops at {PAGINATION_CAP:,})",
    )


class Ordering(InputModel):
    order: Order | None = Field(None, description="by creation date, default asc")


class TimeWindow(InputModel):
    """Creation-date window; narrowing it is the way past Aircall's 10,000-item cap."""

    from_: UnixSeconds | None = Field(None, alias="from", description="created at or after, UNIX seconds")
    to: UnixSeconds | None = Field(None, description="created before, UNIX seconds")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Self:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError("from must not be after to")
        return self


class ChangeSet(InputModel):
    """An update: required path ids plus optional changes, of which at least one must be given."""

    @model_validator(mode="after")
    def _has_a_change(self) -> Self:
        if not self.changes:
            optional = [name for name, info in type(self).model_fields.items() if not info.is_required()]
            raise ValueError(f"give at least one of: {', '.join(optional)}")
        return self

    @property
    def changes(self) -> str:
        """The optional fields given, for the audit summary (names only: values may be personal data)."""
        nulls = self.explicit_nulls()
        return ", ".join(
            info.alias or name
            for name, info in type(self).model_fields.items()
            if not info.is_required() and (getattr(self, name) is not None or name in nulls)
        )


# ---------------------------------------------------------------------------------------------------------------
# Output fragments shared across areas


class Meta(OutputModel):
    """Aircall's pagination block; the link keys are missing on some endpoints (webhooks)."""

    count: int | None = None
    total: int | None = None
    current_page: int | None = None
    per_page: int | None = None
    # A search's links repeat its criteria (phone_number=..., email=...) in the query string.
    next_page_link: FreeText = None
    previous_page_link: FreeText = None


class UserRef(OutputModel):
    """A user as embedded in calls, teams and numbers."""

    id: int | None = None
    name: FreeText = None
    email: EmailText = None

    extra_fields: ClassVar[Mapping[str, Any]] = {
        "direct_link": NotPersonal,
        "created_at": NotPersonal,
        "time_zone": NotPersonal,
        "language": NotPersonal,
        "availability_status": NotPersonal,
        "substatus": NotPersonal,
        "state": NotPersonal,
    }


class NumberRef(OutputModel):
    """A number as embedded in calls."""

    id: int | None = None
    name: FreeText = None
    digits: PhoneText = None

    extra_fields: ClassVar[Mapping[str, Any]] = {
        "direct_link": NotPersonal,
        "e164_digits": PhoneText,
        "created_at": NotPersonal,
        "country": NotPersonal,
        "time_zone": NotPersonal,
        "availability_status": NotPersonal,
    }


class TeamRef(OutputModel):
    id: int | None = None
    name: FreeText = None

    extra_fields: ClassVar[Mapping[str, Any]] = {"direct_link": NotPersonal, "created_at": NotPersonal}


# ---------------------------------------------------------------------------------------------------------------
# Output model factories: every get / list / empty-body tool has the same envelope, built here once.


def _optional(annotation: Any) -> tuple[Any, Any]:
    return (annotation | None, None)


def envelope(key: str, item: Any, name: str) -> type[OutputModel]:
    """`{key: item}`, the single-entity envelope Aircall returns (`{"call": {...}}`)."""
    fields: dict[str, Any] = {key: _optional(item)}
    return create_model(name, __base__=OutputModel, **fields)


def listing(key: str, item: type[BaseModel], name: str) -> type[OutputModel]:
    """The result of a paginated list tool, as `results.shape_result` builds it."""
    fields: dict[str, Any] = {
        key: _optional(list[item]),  # type: ignore[valid-type]  # item is a runtime model class
        "meta": _optional(Meta),
        "more_available": (bool | None, Field(None, description="more items exist beyond this result")),
        "capped_at_10000": (bool | None, Field(None, description="Aircall's 10,000-item cap was hit")),
        "pages_fetched": (int | None, Field(None, description="pages the server fetched for max_items")),
        "withheld": (int | None, Field(None, description="items your grant does not let you see")),
    }
    return create_model(name, __base__=OutputModel, **fields)


def acknowledgement(path: type[InputModel], name: str) -> type[OutputModel]:
    """`{"ok": true, <path ids>}`: the result of a success Aircall answers with an empty body."""
    fields: dict[str, Any] = {"ok": _optional(bool)}
    # Plain types: output schemas carry no input constraints (a masked id must still validate). A path value
    # that is not a number (a user's email, a webhook's UUID) is read as free text by redaction.
    fields.update(
        {
            field: (int | None, None) if info.annotation is int else (Annotated[int | str | None, Personal.TEXT], None)
            for field, info in path.model_fields.items()
        }
    )
    return create_model(name, __base__=OutputModel, **fields)


# ---------------------------------------------------------------------------------------------------------------
# Published JSON schema


def tool_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema a tool publishes for `model` (input or output), self-contained and compact.

    References are inlined because several MCP clients resolve `$ref` poorly. Noise that costs every agent
    context is removed: titles, class docstrings (the tool description covers them), `null` branches and
    `default: null` (absent and null mean the same to us), `additionalProperties: true` (the default).
    """
    raw = model.model_json_schema(by_alias=True)
    defs: dict[str, Any] = raw.pop("$defs", {})
    schema: dict[str, Any] = _compact(raw, defs, depth=0)
    schema.pop("description", None)
    return schema


_MAX_DEPTH = 32


def _compact(node: Any, defs: dict[str, Any], depth: int) -> Any:  # noqa: C901 - one step per schema keyword
    if depth > _MAX_DEPTH:
        raise ValueError("schema nests too deeply (recursive model?)")
    if isinstance(node, list):
        return [_compact(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    ref = node.pop("$ref", None)
    if ref is not None:
        target = copy.deepcopy(defs[ref.removeprefix("#/$defs/")])
        target.pop("description", None)  # a class docstring; a field description sits beside the $ref
        node = {**target, **node}
    branches = node.get("anyOf")
    if branches is not None:
        kept = [branch for branch in branches if branch != {"type": "null"}]
        if len(kept) == 1:
            del node["anyOf"]
            node = {**kept[0], **node}
        else:
            node["anyOf"] = kept
    all_of = node.get("allOf")
    if all_of is not None and len(all_of) == 1:
        del node["allOf"]
        node = {**all_of[0], **node}
    for noise in ("title", "discriminator"):
        node.pop(noise, None)
    if "default" in node and node["default"] is None:
        del node["default"]
    if node.get("additionalProperties") is True:
        del node["additionalProperties"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _compact(sub, defs, depth + 1) for name, sub in value.items()}
        else:
            out[key] = _compact(value, defs, depth + 1)
    # Inlining may have brought in a $ref or a null branch from the referenced definition: compact again.
    if "$ref" in out or "allOf" in out or ("anyOf" in out and {"type": "null"} in out["anyOf"]):
        return _compact(out, defs, depth + 1)
    return out
