"""Redaction classes come from the output models: every string field is tagged, and masks follow the tags."""

from __future__ import annotations

import typing
from types import NoneType
from typing import Annotated, Any

from pydantic import BaseModel

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.grants import filter_and_redact, parse_grant
from aircall_mcp.grants.redact import REDACTED, plan_for
from aircall_mcp.models.common import OutputModel, UserRef
from aircall_mcp.models.personal import NotPersonal, Personal, PhoneText

from .conftest import SYNTHETIC

ENDPOINTS = {endpoint.name: endpoint for endpoint in CATALOGUE}


def _holds_str(annotation: Any) -> bool:
    if annotation is str:
        return True
    return any(_holds_str(arg) for arg in typing.get_args(annotation) if arg is not NoneType)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _tag(annotation: Any, metadata: list[Any]) -> Personal | None:
    if typing.get_origin(annotation) is typing.Annotated:
        metadata = [*metadata, *annotation.__metadata__]
        annotation = annotation.__origin__
    return next((item for item in metadata if isinstance(item, Personal)), None)


def untagged_string_fields(roots: list[type[BaseModel]]) -> list[str]:
    """`Model.field` for every string field (declared or in extra_fields) of these models and those they nest."""
    missing: list[str] = []
    seen: set[type[BaseModel]] = set()
    todo = list(roots)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        fields: list[tuple[str, Any, list[Any]]] = [
            (name, info.annotation, list(info.metadata)) for name, info in model.model_fields.items()
        ]
        fields += [(name, annotation, []) for name, annotation in getattr(model, "extra_fields", {}).items()]
        for name, annotation, metadata in fields:
            bare = annotation.__origin__ if typing.get_origin(annotation) is typing.Annotated else annotation
            if _holds_str(bare) and _tag(annotation, metadata) is None:
                missing.append(f"{model.__name__}.{name}")
            todo += _models_in(bare)
    return sorted(missing)


def test_every_string_field_of_every_output_model_is_tagged_with_its_kind_of_personal_data() -> None:
    """Security regression: a new string field must be reviewed (tagged) before redaction can be trusted with it."""
    assert untagged_string_fields([endpoint.output_model for endpoint in CATALOGUE]) == []


def test_the_tag_review_catches_an_untagged_string_field_declared_or_extra() -> None:
    class Card(OutputModel):
        label: NotPersonal = None
        nickname: str | None = None
        notes: list[str] | None = None
        owner: UserRef | None = None

    class Wrapper(OutputModel):
        card: Card | None = None
        extra_fields: typing.ClassVar[dict[str, Any]] = {"mobile": str | None, "phone": PhoneText}

    assert untagged_string_fields([Wrapper]) == ["Card.nickname", "Card.notes", "Wrapper.mobile"]


def test_tags_are_metadata_only_and_leave_the_published_schema_as_plain_strings() -> None:
    schema = ENDPOINTS["get_call"].output_model.model_json_schema()
    call = schema["$defs"]["Call"]["properties"]
    assert call["raw_digits"]["anyOf"][0] == {"type": "string"}
    assert call["direction"]["anyOf"][0] == {"type": "string"}


MASK_ALL = "redact: [phone_numbers, emails, recordings, voicemails]"


def redact(grant_text: str, tool: str, result: dict[str, Any]) -> dict[str, Any]:
    grant = parse_grant(grant_text, agent="reader", catalogue=CATALOGUE)
    return filter_and_redact(grant, ENDPOINTS[tool], result)[0]


def test_a_phone_tagged_field_is_masked_whatever_its_format() -> None:
    # No "+", no region: only the tag says this is a phone number.
    shown = redact("redact: [phone_numbers]", "get_call", {"call": {"raw_digits": "0612345678"}})
    assert shown["call"]["raw_digits"] == "••••••••78"


def test_reviewed_non_personal_fields_are_left_as_they_are_even_when_they_look_like_numbers() -> None:
    call = {
        "id": 1234567890,
        "direct_link": "https://api.aircall.io/v1/calls/1234567890",
        "sid": "CA1234567890abcdef",
        "cost": "1234567.89",
        "started_at": 1_761_955_200,
        "duration": 1234567,
        "status": "done",
        "number": {"id": 430001, "created_at": "2025-06-01T10:00:00.000Z", "country": "FR"},
    }
    assert redact(MASK_ALL, "get_call", {"call": call}) == {"call": call}


def test_a_field_is_masked_by_its_tag_and_not_by_its_key_name() -> None:
    # `number` of a dialer campaign row is a phone number; `number` of a call is a number object.
    row = {"numbers": [{"id": 1, "number": "0612345678", "called": False}]}
    assert redact("redact: [phone_numbers]", "list_dialer_campaign_numbers", row) == {
        "numbers": [{"id": 1, "number": "••••••••78", "called": False}]
    }
    # A tag's `name` is free text: only what looks like personal data inside it is masked.
    tag = {"tag": {"id": 5, "name": "VIP 06 12 34 56 78", "color": "#123456"}}
    assert redact("redact: [phone_numbers]\nphone_region: FR", "get_tag", tag) == {
        "tag": {"id": 5, "name": "VIP •• •• •• •• 78", "color": "#123456"}
    }


def test_undeclared_fields_aircall_sends_are_masked_by_their_extra_field_tags() -> None:
    call = {
        "recording_short_url": "https://short.aircall.example/r/abc",
        "voicemail_short_url": "https://short.aircall.example/v/abc",
        "external_transferred_to": "0612345678",
        "transferred_by": {"id": 7, "email": "ann@corp.example"},
        "contact": {"information": "ann@corp.example", "phone_numbers": [{"label": "Home", "value": "0612345678"}]},
    }
    shown = redact(MASK_ALL, "get_call", {"call": call})["call"]
    assert shown["recording_short_url"] == REDACTED
    assert shown["voicemail_short_url"] == REDACTED
    assert shown["external_transferred_to"] == "••••••••78"
    assert shown["transferred_by"] == {"id": 7, "email": "a•••@corp.example"}
    assert shown["contact"] == {
        "information": "a•••@corp.example",
        "phone_numbers": [{"label": "Home", "value": "••••••••78"}],
    }


def test_keys_no_model_knows_are_read_as_free_text() -> None:
    call = {"call": {"id": 1, "whisper": {"note": "mail bob@corp.example or call +44 20 7946 0958"}}}
    shown = redact("redact: [phone_numbers, emails]", "get_call", call)
    assert shown["call"]["whisper"]["note"] == "mail b•••@corp.example or call +44 •• •••• ••58"


def test_a_grant_masking_only_media_leaves_free_text_alone() -> None:
    call = {"call": {"comments": [{"content": "call 06 12 34 56 78"}], "recording": "https://r.example/1"}}
    shown = redact("redact: [recordings]", "get_call", call)
    assert shown == {"call": {"comments": [{"content": "call 06 12 34 56 78"}], "recording": REDACTED}}


def test_every_output_model_compiles_to_a_plan_once() -> None:
    for endpoint in CATALOGUE:
        assert plan_for(endpoint.output_model) is plan_for(endpoint.output_model)


def test_a_model_with_no_declared_fields_reads_everything_as_free_text() -> None:
    # The grants tests' stand-in catalogue has such models: masks still apply to whatever they hold.
    grant = parse_grant("redact: [phone_numbers]", agent="reader", catalogue=SYNTHETIC)
    endpoint = next(e for e in SYNTHETIC if e.name == "get_contact")
    shown, _ = filter_and_redact(grant, endpoint, {"contact": {"note": "+33 6 12 34 56 78"}})
    assert shown == {"contact": {"note": "+33 • •• •• •• 78"}}


def test_union_annotations_keep_each_shape_plan() -> None:
    # Insight payloads are an object or a list of them.
    grant = "redact: [phone_numbers]"
    one = redact(grant, "get_call_summary", {"summary": {"id": 1, "content": "+33 6 12 34 56 78"}})
    many = redact(grant, "get_call_summary", {"summary": [{"id": 1, "content": "+33 6 12 34 56 78"}]})
    assert one["summary"]["content"] == many["summary"][0]["content"] == "+33 • •• •• •• 78"


def test_each_branch_of_a_union_keeps_its_own_tag_or_model() -> None:
    class Detail(OutputModel):
        value: PhoneText = None

    class Either(OutputModel):
        item: Annotated[str | None, Personal.EMAIL] | Detail | list[Detail] = None

    plan = plan_for(Either).fields["item"]
    assert plan.tag is Personal.EMAIL
    assert plan.fields["value"].tag is Personal.PHONE
    assert plan.items.fields["value"].tag is Personal.PHONE
