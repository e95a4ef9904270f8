"""Numbers: the company's phone lines, their settings and their regulatory registration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import Field, WithJsonSchema

from aircall_mcp.models.common import (
    ChangeSet,
    HttpsUrl,
    Id,
    InputModel,
    Ordering,
    OutputModel,
    Paging,
    Text,
    TimeWindow,
    UserRef,
    envelope,
    listing,
)
from aircall_mcp.models.personal import FreeText, NotPersonal, Personal, PhoneText

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class NumberPath(InputModel):
    number_id: Id


class ListNumbersInput(Paging, TimeWindow, Ordering):
    pass


class NumberMessages(ChangeSet):
    """Music & messages: https URLs of audio files."""

    welcome: HttpsUrl | None = None
    waiting: HttpsUrl | None = None
    ringing_tone: HttpsUrl | None = None
    after_hours: HttpsUrl | None = None
    ivr: HttpsUrl | None = None
    voicemail: HttpsUrl | None = None
    unanswered_call: HttpsUrl | None = None
    closed: HttpsUrl | None = None
    callback_later: HttpsUrl | None = None


# A number's priority is null (not set), 0 (no priority) or 1 (top priority); null is a change Aircall accepts, so
# the published schema says so (tool_schema drops the null branch of every other optional field).
Priority = Annotated[
    Annotated[int, Field(ge=0, le=1)] | None,
    WithJsonSchema({"type": ["integer", "null"], "minimum": 0, "maximum": 1}),
]


class UpdateNumberInput(NumberPath, ChangeSet):
    sent_when_null = frozenset({"priority"})

    name: Text | None = None
    priority: Priority = Field(None, description="null not set, 0 no priority, 1 top priority")
    messages: NumberMessages | None = Field(None, description="https URLs of audio files")


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class Number(OutputModel):
    id: int | None = None
    direct_link: NotPersonal = None
    name: FreeText = None
    digits: PhoneText = None
    country: NotPersonal = None
    time_zone: NotPersonal = None
    created_at: NotPersonal = None
    availability_status: NotPersonal = None
    live_recording_activated: bool | None = None
    priority: int | None = None
    users: list[UserRef] | None = None
    # The company's own greeting and hold-music files.
    messages: Annotated[dict[str, str] | None, Personal.NONE] = Field(None, description="audio URLs by slot")

    extra_fields: ClassVar[Mapping[str, Any]] = {"e164_digits": PhoneText}


class RegistrationStatus(OutputModel):
    number_id: int | None = None
    status: NotPersonal = Field(None, description="registered, pending or not_required")


NumberResult = envelope("number", Number, "NumberResult")
NumberList = listing("numbers", Number, "NumberList")
RegistrationStatusResult = envelope("registration_status", RegistrationStatus, "RegistrationStatusResult")
