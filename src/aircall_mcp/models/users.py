"""Users (v2 where v2 has the endpoint), availability, outbound calls and the power-dialer campaign."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import Field

from aircall_mcp.models.common import (
    E164,
    Email,
    Id,
    InputModel,
    Ordering,
    OutputModel,
    Paging,
    Text,
    TimeWindow,
    acknowledgement,
    envelope,
    listing,
)
from aircall_mcp.models.common import ChangeSet as _ChangeSet
from aircall_mcp.models.numbers import Number
from aircall_mcp.models.personal import EmailText, FreeText, NotPersonal, Personal, PhoneText

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class UserPath(InputModel):
    """v1 user endpoints: numeric id only."""

    user_id: Id


class UserRefPath(InputModel):
    """v2 user endpoints accept the numeric id or the user's email."""

    user_id: Id | Email = Field(description="numeric id or email")


class DialerNumberPath(UserPath):
    phone_number_id: Id


class ListUsersInput(Paging, TimeWindow, Ordering):
    pass


class ListUserNumbersInput(Paging, UserRefPath):
    pass


class CreateUserInput(InputModel):
    email: Email = Field(description="unique; Aircall sends an invitation")
    first_name: Text
    last_name: Text
    time_zone: Text | None = Field(None, description="IANA, e.g. Europe/Paris")
    language: Text | None = Field(None, description="IETF tag, e.g. en-US")
    wrap_up_time: int | None = Field(None, ge=0, description="seconds after each call")
    extension: Text | None = None
    role_ids: list[int | str] | None = None


class UpdateUserInput(UserRefPath, _ChangeSet):
    first_name: Text | None = None
    last_name: Text | None = None
    email: Email | None = None
    language: Text | None = Field(None, description="IETF tag, e.g. en-US")
    time_zone: Text | None = Field(None, description="IANA, e.g. Europe/Paris")
    wrap_up_time: int | None = Field(None, ge=0, description="seconds after each call")
    extension: Text | None = None
    default_number_id: Id | None = None


class StartOutboundCallInput(UserPath):
    number_id: Id = Field(description="an active number the user is assigned to")
    to: E164


class PrefillDialerInput(UserPath):
    to: E164


class DialerNumbersInput(UserPath):
    phone_numbers: list[E164] = Field(min_length=1, max_length=1000)


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class User(OutputModel):
    id: int | None = None
    direct_link: NotPersonal = None
    name: FreeText = None
    email: EmailText = None
    available: bool | None = None
    availability_status: NotPersonal = Field(None, description="available, custom or unavailable")
    substatus: NotPersonal = None
    created_at: NotPersonal = None
    time_zone: NotPersonal = None
    language: NotPersonal = None
    wrap_up_time: int | None = None
    extension: NotPersonal = None
    default_number_id: int | None = None

    extra_fields: ClassVar[Mapping[str, Any]] = {"state": NotPersonal}


class UserAvailabilityRow(OutputModel):
    id: int | None = None
    availability: NotPersonal = None


class Availability(OutputModel):
    availability: NotPersonal = Field(
        None, description="available, offline, do_not_disturb, in_call or after_call_work"
    )


class DialerCampaign(OutputModel):
    id: int | None = None
    number_id: Annotated[int | str | None, Personal.NONE] = Field(None, description="a string in Aircall's sample")
    created_at: NotPersonal = None


class DialerNumber(OutputModel):
    id: int | None = None
    number: PhoneText = None
    called: bool | None = None
    created_at: NotPersonal = None


class DialerNumberList(OutputModel):
    numbers: list[DialerNumber] | None = None


UserResult = envelope("user", User, "UserResult")
UserList = listing("users", User, "UserList")
UserNumberList = listing("numbers", Number, "UserNumberList")
UserAvailabilityList = listing("users", UserAvailabilityRow, "UserAvailabilityList")
UserAck = acknowledgement(UserPath, "UserAck")
DialerCampaignResult = envelope("dialer_campaign", DialerCampaign, "DialerCampaignResult")
DialerNumberAck = acknowledgement(DialerNumberPath, "DialerNumberAck")
