"""Numbers: the company's phone lines, their settings and their regulatory registration."""

from __future__ import annotations

from typing import Annotated

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
    direct_link: str | None = None
    name: str | None = None
    digits: str | None = None
    country: str | None = None
    time_zone: str | None = None
    created_at: str | None = None
    availability_status: str | None = None
    live_recording_activated: bool | None = None
    priority: int | None = None
    users: list[UserRef] | None = None
    messages: dict[str, str] | None = Field(None, description="audio URLs by slot")


class RegistrationStatus(OutputModel):
    number_id: int | None = None
    status: str | None = Field(None, description="registered, pending or not_required")


NumberResult = envelope("number", Number, "NumberResult")
NumberList = listing("numbers", Number, "NumberList")
RegistrationStatusResult = envelope("registration_status", RegistrationStatus, "RegistrationStatusResult")
