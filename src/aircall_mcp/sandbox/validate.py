"""Input rules Aircall enforces, each failing with a 400 that names the offending field."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aircall_mcp.sandbox.errors import ApiError

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_HEX_COLOUR = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Aircall strips emojis from comments and tag names; these ranges cover the common ones.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def strip_emojis(text: str) -> str:
    return _EMOJI.sub("", text)


def body_object(body: Any, *, required: bool = True) -> dict[str, Any]:
    """The JSON body as an object; a missing body counts as {} unless the endpoint needs one."""
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise ApiError.bad_request("The request body must be a JSON object")
    return body


def e164(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _E164.match(value):
        raise ApiError.bad_request(f"{field} must be a phone number in E.164 format, e.g. +33176111111")
    return value


def hex_colour(value: Any, field: str = "color") -> str:
    if not isinstance(value, str) or not _HEX_COLOUR.match(value):
        raise ApiError.bad_request(f"{field} must be a hexadecimal colour such as #FF5733 or #F53")
    return value


def email(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise ApiError.bad_request(f"{field} must be a valid email address")
    return value


def https_url(value: Any, field: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme != "https" or not parts.netloc:
        raise ApiError.bad_request(f"{field} must be a valid https URL")
    return str(value)


def text(body: dict[str, Any], field: str, *, required: bool = False, max_length: int | None = None) -> str | None:
    """A string field. Required or defined-but-blank values are refused ("can't be blank")."""
    if field not in body or body[field] is None:
        if required:
            raise ApiError.bad_request(f"{field} is required")
        return None
    value = body[field]
    if not isinstance(value, str):
        raise ApiError.bad_request(f"{field} must be a string")
    if required and not value.strip():
        raise ApiError.bad_request(f"{field} can't be blank")
    if max_length is not None and len(value) > max_length:
        raise ApiError.bad_request(f"{field} is too long (maximum is {max_length} characters)")
    return value


def not_blank_if_defined(body: dict[str, Any], field: str) -> str | None:
    """update_contact's rule: an omitted field is left alone, a present one may not be blank."""
    if field not in body:
        return None
    value = body[field]
    if not isinstance(value, str) or not value.strip():
        raise ApiError.bad_request(f"{field} can't be blank if defined")
    return value


def integer(value: Any, field: str, *, minimum: int | None = None) -> int:
    """An integer from JSON or from a query string."""
    if isinstance(value, bool):
        raise ApiError.bad_request(f"{field} must be an integer")
    if isinstance(value, str):
        try:
            value = int(value, 10)
        except ValueError:
            raise ApiError.bad_request(f"{field} must be an integer") from None
    if not isinstance(value, int):
        raise ApiError.bad_request(f"{field} must be an integer")
    if minimum is not None and value < minimum:
        raise ApiError.bad_request(f"{field} must be greater than or equal to {minimum}")
    return value


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ApiError.bad_request(f"{field} must be a boolean")
    return value


def string_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError.bad_request(f"{field} must be an array of strings")
    return list(value)
