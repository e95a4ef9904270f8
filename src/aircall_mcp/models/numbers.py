"""Numbers: the company's phone lines, their settings and their regulatory registration."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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


class UpdateNumberInput(NumberPath, ChangeSet):
    name: Text | None = None
    priority: Literal[0, 1] | None = Field(None, description="0 none, 1 top priority")
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
