"""Masks applied to results (and to audited arguments), and the call-scope filter on results.

What a string holds comes from the tool's output model: each string field is tagged with a `Personal` class
(`models.personal`) and a model compiles once into a `Plan` (key -> plan, list items -> plan). Results are then
walked once, and a subtree that holds nothing the grant masks is not even copied. Keys the model does not know
are free text: searched for phone numbers and emails, never trusted to be harmless.

Phone numbers in free text are found with Google's libphonenumber (`phonenumbers.PhoneNumberMatcher`), in the
grant's `phone_region` when it names one. Leniency POSSIBLE (length only) on purpose: a number missed is a leak
while a digit run masked in a comment costs little, and VALID (or the grouping levels above it) would let
through numbers in ranges its metadata does not know yet, other countries' numbers, typos and test numbers.
Without a region libphonenumber can read only international numbers ("+44 ..."), so any other digit run shaped
like a phone number (7 digits or more) is masked too. Ids, timestamps, durations and prices are typed fields,
not free text, so they are never read as numbers.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import NoneType, UnionType
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel

from aircall_mcp.endpoint import Area, Endpoint
from aircall_mcp.grants.model import Grant, Redaction
from aircall_mcp.models.personal import Personal
from aircall_mcp.results import Masking, shape_result

MASK = "•"
REDACTED = "[redacted]"

# Fewer digits than this is an extension or a short code: no string with fewer is given to the (slow) matcher.
MIN_PHONE_DIGITS = 6
# Without a region, a run of at least this many digits (with phone separators) is masked as a phone number.
MIN_UNREGIONED_DIGITS = 7
# The matcher's cost grows faster than the text (a long run of space-separated numbers is its worst case): past
# this many digits in one string (about 20 numbers) every phone-shaped digit run is masked instead, in linear time.
MAX_MATCHER_DIGITS = 200

_PHONE, _EMAIL = Redaction.PHONE_NUMBERS, Redaction.EMAILS
_RECORDING, _VOICEMAIL = Redaction.RECORDINGS, Redaction.VOICEMAILS

# Arguments that carry what a message says to a person (or what an AI Voice Agent is told about them): where a
# grant masks phone numbers, the audit keeps only that they were given, as for the recipient they go to.
MESSAGE_CONTENT_ARGUMENTS = frozenset({"body", "text", "template", "context"})

# ---------------------------------------------------------------------------------------------------------------
# Masks of one value


_DIGIT = re.compile(r"\d")
_HIDE_DIGITS = str.maketrans("0123456789", MASK * 10)
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


# mask_phone runs on every phone number of a result (a page of calls holds a hundred): for ASCII text (nearly
# all) the digits are counted and found with C-level string operations rather than a loop over characters.
_DROP_ALL_BUT_DIGITS = str.maketrans("", "", "".join(chr(i) for i in range(128) if not chr(i).isdigit()))
# The index after the first k digits (and the non-digits that follow them) is that of digit k (from 0).
_AFTER_DIGITS = tuple(re.compile(rf"\D*(?:\d\D*){{{k}}}") for k in range(4))


def mask_phone(text: str) -> str:
    """Keep the country code (for "+" numbers) and the last 2 digits: "+33 1 76 11 11 45" -> "+33 • •• •• •• 45"."""
    if not text.isascii():
        return _mask_phone_in_any_script(text)
    if text[:1] == "+" and text[1:].isdigit() and len(text) > 3:  # E.164, as Aircall writes most numbers
        head = min(_country_code_length(text[1:4]), len(text) - 4)
        return text[: head + 1] + MASK * (len(text) - head - 3) + text[-2:]
    digits = text.translate(_DROP_ALL_BUT_DIGITS)
    if len(digits) <= 2:
        return text  # "anonymous", an extension: nothing to hide
    head = _country_code_length(digits[:3]) if text.lstrip().startswith("+") else 0
    head = min(head, len(digits) - 3)  # always hide at least one digit
    start = _after_digits(text, head)
    end = len(text) - 1 - _after_digits(text[::-1], 1)  # the last 2 digits and what follows them are kept
    return text[:start] + text[start:end].translate(_HIDE_DIGITS) + text[end:]


def _after_digits(text: str, count: int) -> int:
    found = _AFTER_DIGITS[count].match(text)
    assert found is not None  # \D* and the counted digits always match a text with more digits than `count`
    return found.end()


def _mask_phone_in_any_script(text: str) -> str:
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(positions) <= 2:
        return text  # "anonymous", an extension: nothing to hide
    international = text.lstrip().startswith("+")
    head = _country_code_length("".join(text[i] for i in positions[:3])) if international else 0
    head = min(head, len(positions) - 3)  # always hide at least one digit
    start, end = positions[head], positions[-2]
    hidden = text[start:end]
    hidden = (
        hidden.translate(_HIDE_DIGITS) if hidden.isascii() else "".join(MASK if ch.isdigit() else ch for ch in hidden)
    )
    return text[:start] + hidden + text[end:]


def mask_email(text: str) -> str:
    """Keep the first letter and the domain: "jane.doe@example.com" -> "j•••@example.com"."""
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    return f"{local[0]}{MASK * 3}@{domain}"


def _redacted(_: str) -> str:
    return REDACTED


# ---------------------------------------------------------------------------------------------------------------
# Phone numbers and emails in free text

# The local part is bounded (RFC 5321: 64) so that a long word before an "@" cannot make the search quadratic.
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_MAY_HOLD_ANY = re.compile(r"[\d@%]")
# A digit run with the separators people write numbers with; not inside a word, a longer number or a "+" number.
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d(?:[ .\-/()]{1,2}\d|\d){6,24}(?![\w])")
# Dates are digit runs too: 2026-11-26, 26/11/2026, 26.11.26, and with the hour of a time after them.
_DATE = re.compile(r"(?:\d{4}-\d\d-\d\d|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?:[ T]\d\d?)?")


def _digit_count(text: str) -> int:
    return len(_DIGIT.findall(text))


def _phone_spans(text: str, digits: int, region: str | None) -> list[tuple[int, int]]:
    # libphonenumber (~25 ms of imports) loads at the first text that may hold a number, not at every start.
    from phonenumbers import Leniency, PhoneNumberMatcher  # noqa: PLC0415 - lazy, see above

    spans: list[tuple[int, int]] = []
    if digits <= MAX_MATCHER_DIGITS:
        spans = [
            (match.start, match.end)
            for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE)
            if _digit_count(match.raw_string) >= MIN_PHONE_DIGITS and not _DATE.fullmatch(match.raw_string.strip())
        ]
    if region is None or digits > MAX_MATCHER_DIGITS:
        for run in _DIGIT_RUN.finditer(text):
            start, end = run.span()
            if (
                _digit_count(run.group()) >= MIN_UNREGIONED_DIGITS
                and not _DATE.fullmatch(run.group())
                and all(end <= s or start >= e for s, e in spans)
            ):
                spans.append((start, end))
    return sorted(spans)


def _mask_phones_in(text: str, region: str | None) -> str:
    digits = _digit_count(text)
    if digits < MIN_PHONE_DIGITS:
        return text  # the common case, decided without the matcher
    spans = _phone_spans(text, digits, region)
    if not spans:
        return text
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += [text[done:start], mask_phone(text[start:end])]
        done = end
    parts.append(text[done:])
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _TextMasker:
    """Masks the phone numbers and/or emails written anywhere in a string."""

    phones: bool
    emails: bool
    region: str | None

    def __call__(self, text: str) -> str:
        if _MAY_HOLD_ANY.search(text) is None:
            return text  # most strings (names, labels): no digit, "@" or "%" at all
        if "%" in text:
            # Percent-encoded text (a search's page link) hides "+" and "@": look at it decoded.
            decoded = unquote(text)
            if decoded != text:
                masked = self._plain(decoded)
                return text if masked == decoded else masked
        return self._plain(text)

    def _plain(self, text: str) -> str:
        if self.emails and "@" in text:
            text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
        if self.phones:
            text = _mask_phones_in(text, self.region)
        return text


# ---------------------------------------------------------------------------------------------------------------
# Plans: where each kind of personal data sits in a result, compiled once per output model


# Tags as small ints and bit sets: a walk looks one up per string, and enum hashing is slow in comparison.
_TAGS = tuple(Personal)
_INDEX = {tag: i for i, tag in enumerate(_TAGS)}


class Plan:
    """How to read one value: `tag` for a string, `fields`/`other` for a mapping's keys, `items` for a list.

    `kind` is the tag's index; `below` is the bit set of every tag reachable from here, so a walk skips a
    subtree that holds nothing a grant masks.
    """

    __slots__ = ("below", "fields", "items", "kind", "other", "tag")

    def __init__(self, tag: Personal, *, other: Plan | None = None, items: Plan | None = None) -> None:
        self.tag = tag
        self.kind = _INDEX[tag]
        self.fields: dict[str, Plan] = {}
        self.other: Plan = other or self
        self.items: Plan = items or self
        self.below = 1 << self.kind


@cache
def uniform(tag: Personal) -> Plan:
    """Every string at any depth below is `tag` (a tagged field, or a value no model describes)."""
    return Plan(tag)


FREE = uniform(Personal.TEXT)


def _finish(plan: Plan) -> Plan:
    for part in (plan.other, plan.items, *plan.fields.values()):
        plan.below |= part.below
    return plan


def _tag_of(metadata: typing.Iterable[object]) -> Personal | None:
    return next((item for item in metadata if isinstance(item, Personal)), None)


def _plan_of(annotation: Any) -> Plan:
    """The plan of a type annotation: Annotated tags, Optional, unions, lists, dicts and output models."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        tag = _tag_of(annotation.__metadata__)
        return uniform(tag) if tag is not None else _plan_of(annotation.__origin__)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return plan_for(annotation)
    if origin in (UnionType, typing.Union):
        branches = [_plan_of(arg) for arg in typing.get_args(annotation) if arg is not NoneType]
        return branches[0] if len(branches) == 1 else _union(branches)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return _finish(Plan(Personal.TEXT, other=FREE, items=_plan_of(item)))
    return FREE  # str without a tag, dict, Any: read as free text; int, float, bool are never touched


def _union(branches: list[Plan]) -> Plan:
    """A value that is one of several shapes (an object or a list of them): each shape keeps its own plan."""
    plan = Plan(Personal.TEXT, other=FREE, items=FREE)
    for branch in branches:
        if branch.fields:
            plan.fields, plan.other = branch.fields, branch.other
        elif branch.items is branch and branch.tag is not Personal.TEXT:
            plan.tag, plan.kind = branch.tag, branch.kind  # a tagged string branch
        if branch.items is not FREE and branch.items is not branch:
            plan.items = branch.items
    return _finish(plan)


@cache
def plan_for(model: type[BaseModel]) -> Plan:
    """The plan of an output model: its fields by tag or type, its `extra_fields`, other keys as free text."""
    plan = Plan(Personal.TEXT, other=FREE, items=FREE)
    for name, info in model.model_fields.items():
        tag = _tag_of(info.metadata)
        plan.fields[info.alias or name] = uniform(tag) if tag is not None else _plan_of(info.annotation)
    extra_fields: Mapping[str, Any] = getattr(model, "extra_fields", {})
    for name, annotation in extra_fields.items():
        plan.fields[name] = _plan_of(annotation)
    return _finish(plan)


def _argument_plan() -> Plan:
    # Arguments may be anything an agent sent (also invalid ones), so they are read by name, not by model.
    phone, email = uniform(Personal.PHONE), uniform(Personal.EMAIL)
    plan = Plan(Personal.TEXT, other=FREE, items=FREE)
    # contact_phone: the AI Voice Agent call's recipient; participants: a group message's recipients.
    plan.fields = {"to": phone, "number": phone, "phone_number": phone, "contact_phone": phone, "email": email}
    for key, value in (("phone_numbers", phone), ("participants", phone), ("emails", email)):
        # A list of plain strings, or of {"label", "value"} details.
        detail = Plan(value.tag, other=FREE, items=FREE)
        detail.fields = {"value": value}
        plan.fields[key] = _finish(Plan(Personal.TEXT, other=FREE, items=_finish(detail)))
    return _finish(plan)


ARGUMENTS = _argument_plan()


# ---------------------------------------------------------------------------------------------------------------
# Walking a value with a grant's masks


@dataclass(frozen=True, slots=True)
class Masks:
    """What one grant masks, as one action per tag (None: left as is), indexed like `Plan.kind`."""

    actions: tuple[Callable[[str], str] | None, ...]
    text: _TextMasker
    masked: int  # bit set of the tags that have an action


@lru_cache(maxsize=256)
def masks(redact: frozenset[Redaction], region: str | None = None) -> Masks:
    text = _TextMasker(phones=_PHONE in redact, emails=_EMAIL in redact, region=region)
    media = _RECORDING in redact or _VOICEMAIL in redact
    actions: dict[Personal, Callable[[str], str] | None] = {
        Personal.PHONE: mask_phone if _PHONE in redact else None,
        Personal.EMAIL: mask_email if _EMAIL in redact else None,
        Personal.RECORDING: _redacted if _RECORDING in redact else None,
        Personal.VOICEMAIL: _redacted if _VOICEMAIL in redact else None,
        Personal.MEDIA: _redacted if media else None,
        Personal.TEXT: text if text.phones or text.emails else None,
        Personal.NONE: None,
    }
    masked = sum(1 << _INDEX[tag] for tag, action in actions.items() if action is not None)
    return Masks(tuple(actions[tag] for tag in _TAGS), text, masked)


def grant_masks(grant: Grant) -> Masks:
    return masks(grant.redact, grant.phone_region)


def walk(value: Any, plan: Plan, masks: Masks) -> Any:
    """A copy of `value` (JSON-like) with every masked string replaced; untouched subtrees are shared, not copied."""
    return _Walker(masks).value(value, plan)


class _Walker:
    """One walk of a value with one grant's masks. Hot path: a page of calls is thousands of values."""

    __slots__ = ("actions", "masked", "seen")

    def __init__(self, masks: Masks) -> None:
        self.actions = masks.actions
        self.masked = masks.masked
        # Per walk, per tag: a page repeats the same numbers, users and emails in many items. Kept for one walk
        # only, so no personal data outlives the result it came from.
        self.seen: tuple[dict[str, str], ...] = tuple({} for _ in masks.actions)

    def string(self, value: str, kind: int) -> str:
        action = self.actions[kind]
        if action is None:
            return value
        seen = self.seen[kind]
        masked = seen.get(value)
        if masked is None:
            masked = seen[value] = action(value)
        return masked

    def value(self, value: Any, plan: Plan) -> Any:
        if isinstance(value, str):
            return self.string(value, plan.kind)
        if not plan.below & self.masked:
            return value  # nothing below is masked by this grant: shared, not copied
        if isinstance(value, dict):
            return self.mapping(value, plan)
        if isinstance(value, list | tuple):
            return self.sequence(value, plan.items)
        return value

    def sequence(self, value: list[Any] | tuple[Any, ...], plan: Plan) -> list[Any]:
        if plan.below & self.masked == 0:
            return list(value)
        if plan.fields or plan.other is not plan:
            # Items are objects (the usual case): skip the dispatch of `value` for each.
            return [self.mapping(item, plan) if item.__class__ is dict else self.value(item, plan) for item in value]
        return [self.value(item, plan) for item in value]

    def mapping(self, value: dict[Any, Any], plan: Plan) -> dict[Any, Any]:
        fields, other, actions, masked = plan.fields, plan.other, self.actions, self.masked
        out: dict[Any, Any] = {}
        for key, item in value.items():
            # Exact types first: JSON data holds nothing else, and these checks are the cheapest.
            cls = item.__class__
            if cls is str:
                kind = fields.get(key, other).kind
                out[key] = item if actions[kind] is None else self.string(item, kind)
            elif cls is dict or cls is list:
                sub = fields.get(key, other)
                if not sub.below & masked:
                    out[key] = item
                elif cls is dict:
                    out[key] = self.mapping(item, sub)
                else:
                    out[key] = self.sequence(item, sub.items)
            elif cls is int or item is None or cls is bool or cls is float:
                out[key] = item
            else:
                out[key] = self.value(item, fields.get(key, other))
        return out


# ---------------------------------------------------------------------------------------------------------------
# Entry points


def mask_text(grant: Grant, text: str) -> str:
    """`text` with every phone number and email the grant masks replaced (for free text: audit fields, errors)."""
    return grant_masks(grant).text(text) if grant.redact else text


def redact_value(value: Any, redact: frozenset[Redaction], key: str | None = None, *, region: str | None = None) -> Any:
    """A copy of an argument `value` with every masked item replaced; `key` is the argument it was given as."""
    if not redact:
        return value
    plan = ARGUMENTS.fields.get(key, FREE) if key is not None else ARGUMENTS
    return walk(value, plan, masks(redact, region))


def redact_arguments(grant: Grant, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of a call as the audit should record them for this grant (same masks as results)."""
    if not grant.redact:
        return dict(args)
    redacted = dict(walk(dict(args), ARGUMENTS, grant_masks(grant)))
    if _PHONE in grant.redact:
        for key in MESSAGE_CONTENT_ARGUMENTS & redacted.keys():
            redacted[key] = REDACTED
    return redacted


def shaped_for(
    grant: Grant,
    endpoint: Endpoint,
    args: BaseModel,
    data: Any,
    *,
    pages_fetched: int | None = None,
    more_available: bool | None = None,
    capped: bool | None = None,
) -> tuple[dict[str, Any], int]:
    """The structured content of one successful call as this grant may see it, and how many calls or numbers were
    withheld as outside scope.numbers.

    The same as `filter_and_redact(grant, endpoint, shape_result(endpoint, args, data, ...))`, with the masks
    applied by the shaping walk itself (one walk, nothing copied twice); the scope filter then drops whole items.
    """
    masking = Masking(plan_for(endpoint.output_model), _Walker(grant_masks(grant))) if grant.redact else None
    shaped = shape_result(
        endpoint,
        args,
        data,
        pages_fetched=pages_fetched,
        more_available=more_available,
        capped=capped,
        masking=masking,
    )
    # Scope reads only number ids, which no mask touches: filtering after masking keeps exactly the same items.
    return shaped, _withhold_out_of_scope(grant, endpoint, shaped)


def mask_result_field(grant: Grant, endpoint: Endpoint, key: str, value: Any) -> Any:
    """`value`, added under `key` to a result `shaped_for` built, masked as that result's own fields are."""
    if not grant.redact:
        return value
    plan = plan_for(endpoint.output_model)
    return walk(value, plan.fields.get(key, plan.other), grant_masks(grant))


def filter_and_redact(grant: Grant, endpoint: Endpoint, result: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """A shaped result as this grant may see it, and how many calls or numbers were withheld as outside scope.numbers.

    Calls are found under the "calls" (lists) and "call" (one call) keys of results of calls-area tools;
    a withheld single call removes the "call" key. Company numbers are the items of lists whose key is "numbers".
    Masks follow the tags of `endpoint.output_model`. (Calls are served by `shaped_for`, which does the same in
    the shaping walk.)
    """
    shaped = dict(result)
    withheld = _withhold_out_of_scope(grant, endpoint, shaped)
    if not grant.redact:
        return shaped, withheld
    return dict(walk(shaped, plan_for(endpoint.output_model), grant_masks(grant))), withheld


def _withhold_out_of_scope(grant: Grant, endpoint: Endpoint, shaped: dict[str, Any]) -> int:
    """Drop (in place) the calls and company numbers of `shaped` outside the grant's scope.numbers; how many."""
    if grant.scope_numbers is None:
        return 0
    withheld = 0
    if endpoint.area is Area.CALLS:
        calls = shaped.get("calls")
        if isinstance(calls, list):
            kept = [c for c in calls if isinstance(c, Mapping) and grant.call_in_scope(c)]
            withheld += len(calls) - len(kept)
            shaped["calls"] = kept
        call = shaped.get("call")
        if isinstance(call, Mapping) and not grant.call_in_scope(call):
            del shaped["call"]
            withheld += 1
    if endpoint.list_key == "numbers":
        # list_numbers, list_user_numbers: company numbers, kept only when in scope.numbers.
        numbers = shaped.get("numbers")
        if isinstance(numbers, list):
            kept = [n for n in numbers if isinstance(n, Mapping) and _number_id(n) in grant.scope_numbers]
            withheld += len(numbers) - len(kept)
            shaped["numbers"] = kept
    return withheld


def _number_id(number: Mapping[str, Any]) -> int | None:
    found = number.get("id")
    return found if isinstance(found, int) and not isinstance(found, bool) else None
