"""Masks applied to results (and to audited arguments), and the call-scope filter on results.

Which keys hold what is one table (`KEY_KINDS`, `LIST_KINDS`). Because Aircall also puts numbers and emails
in free text (comments, contact information), phone numbers written with a leading "+" and email addresses
are masked inside every string as well when the grant asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aircall_mcp.endpoint import Area, Endpoint
from aircall_mcp.grants.model import Grant, Redaction

MASK = "•"
REDACTED = "[redacted]"

_PHONE, _EMAIL = Redaction.PHONE_NUMBERS, Redaction.EMAILS
_RECORDING, _VOICEMAIL = Redaction.RECORDINGS, Redaction.VOICEMAILS

# key -> the redactions that mask its (string) value. `asset` is the secured page of a recording or voicemail.
KEY_KINDS: Mapping[str, frozenset[Redaction]] = {
    "raw_digits": frozenset({_PHONE}),
    "digits": frozenset({_PHONE}),
    "e164_digits": frozenset({_PHONE}),
    "phone_number": frozenset({_PHONE}),
    "number": frozenset({_PHONE}),  # a string here; a Number object is a mapping and is walked instead
    "external_caller_number": frozenset({_PHONE}),
    "to": frozenset({_PHONE}),
    "contact_phone": frozenset({_PHONE}),  # the AI Voice Agent call's recipient
    "email": frozenset({_EMAIL}),
    "recording": frozenset({_RECORDING}),
    "recording_short_url": frozenset({_RECORDING}),
    "voicemail": frozenset({_VOICEMAIL}),
    "voicemail_short_url": frozenset({_VOICEMAIL}),
    "asset": frozenset({_RECORDING, _VOICEMAIL}),
}
# Lists whose items are phone numbers / emails, as plain strings or as {"label", "value"} details.
LIST_KINDS: Mapping[str, Redaction] = {"phone_numbers": _PHONE, "emails": _EMAIL, "participants": _PHONE}
# Arguments that carry what a message says to a person (or what an AI Voice Agent is told about them): where a
# grant masks phone numbers, the audit keeps only that they were given, as for the recipient they go to.
MESSAGE_CONTENT_ARGUMENTS = frozenset({"body", "text", "template", "context"})

_PHONE_IN_TEXT = re.compile(r"\+[0-9][0-9 ().-]{5,}[0-9]")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# ITU country calling codes are prefix-free: these are the 1- and 2-digit ones, every other code has 3 digits.
_ONE_DIGIT_CODES = frozenset("17")
_TWO_DIGIT_CODES = frozenset(
    {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49"}
    | {"51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66"}
    | {"81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"}
)


def _country_code_length(digits: str) -> int:
    if digits[:1] in _ONE_DIGIT_CODES:
        return 1
    return 2 if digits[:2] in _TWO_DIGIT_CODES else 3


def mask_phone(text: str) -> str:
    """Keep the country code (for "+" numbers) and the last 2 digits: "+33 1 76 11 11 45" -> "+33 • •• •• •• 45"."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(positions) <= 2:
        return text  # "anonymous", an extension: nothing to hide
    digits = "".join(text[i] for i in positions)
    head = _country_code_length(digits) if text.lstrip().startswith("+") else 0
    head = min(head, len(positions) - 3)  # always hide at least one digit
    hidden = set(positions[head:-2])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def mask_email(text: str) -> str:
    """Keep the first letter and the domain: "jane.doe@example.com" -> "j•••@example.com"."""
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    return f"{local[0]}{MASK * 3}@{domain}"


def _mask_text(text: str, redact: frozenset[Redaction]) -> str:
    if _EMAIL in redact:
        text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    if _PHONE in redact:
        text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    return text


def mask_text(grant: Grant, text: str) -> str:
    """`text` with every phone number and email the grant masks replaced (for free text: audit fields, errors)."""
    return _mask_text(text, grant.redact) if grant.redact else text


def _mask_as(kind: Redaction, value: str) -> str:
    if kind is _PHONE:
        return mask_phone(value)
    if kind is _EMAIL:
        return mask_email(value)
    return REDACTED


def redact_value(value: Any, redact: frozenset[Redaction], key: str | None = None) -> Any:
    """A copy of `value` (JSON-like) with every masked item replaced; `key` is the key it was found under."""
    if not redact:
        return value
    if isinstance(value, Mapping):
        return {k: redact_value(v, redact, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        list_kind = LIST_KINDS.get(key or "")
        if list_kind is not None and list_kind in redact:
            return [_redact_detail(item, list_kind, redact) for item in value]
        return [redact_value(item, redact) for item in value]
    if isinstance(value, str):
        kinds = KEY_KINDS.get(key or "", frozenset()) & redact
        if kinds:
            return _mask_as(min(kinds), value)
        return _mask_text(value, redact)
    return value


def _redact_detail(item: Any, kind: Redaction, redact: frozenset[Redaction]) -> Any:
    if isinstance(item, str):
        return _mask_as(kind, item)
    if isinstance(item, Mapping):
        return {
            k: _mask_as(kind, v) if k == "value" and isinstance(v, str) else redact_value(v, redact, str(k))
            for k, v in item.items()
        }
    return redact_value(item, redact)


def redact_arguments(grant: Grant, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of a call as the audit should record them for this grant (same masks as results)."""
    redacted = dict(redact_value(dict(args), grant.redact))
    if _PHONE in grant.redact:
        for key in MESSAGE_CONTENT_ARGUMENTS & redacted.keys():
            redacted[key] = REDACTED
    return redacted


def filter_and_redact(grant: Grant, endpoint: Endpoint, result: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """A shaped result as this grant may see it, and how many calls or numbers were withheld as outside scope.numbers.

    Calls are found under the "calls" (lists) and "call" (one call) keys of results of calls-area tools;
    a withheld single call removes the "call" key. Company numbers are the items of lists whose key is "numbers".
    """
    shaped = dict(result)
    withheld = 0
    if grant.scope_numbers is not None and endpoint.area is Area.CALLS:
        calls = shaped.get("calls")
        if isinstance(calls, list):
            kept = [c for c in calls if isinstance(c, Mapping) and grant.call_in_scope(c)]
            withheld += len(calls) - len(kept)
            shaped["calls"] = kept
        call = shaped.get("call")
        if isinstance(call, Mapping) and not grant.call_in_scope(call):
            del shaped["call"]
            withheld += 1
    if grant.scope_numbers is not None and endpoint.list_key == "numbers":
        # list_numbers, list_user_numbers: company numbers, kept only when in scope.numbers.
        numbers = shaped.get("numbers")
        if isinstance(numbers, list):
            kept = [n for n in numbers if isinstance(n, Mapping) and _number_id(n) in grant.scope_numbers]
            withheld += len(numbers) - len(kept)
            shaped["numbers"] = kept
    return dict(redact_value(shaped, grant.redact)), withheld


def _number_id(number: Mapping[str, Any]) -> int | None:
    found = number.get("id")
    return found if isinstance(found, int) and not isinstance(found, bool) else None
