"""Calls: history, live-call actions, recordings, and conversation-intelligence (AI Assist) results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from aircall_mcp.models.common import (
    E164,
    CallId,
    Id,
    InputModel,
    NumberRef,
    Ordering,
    OutputModel,
    Paging,
    TeamRef,
    Text,
    TimeWindow,
    UserRef,
    acknowledgement,
    envelope,
    listing,
)
from aircall_mcp.models.contacts import ContactEmailDetail, ContactPhoneDetail
from aircall_mcp.models.personal import (
    FreeText,
    MediaLink,
    NotPersonal,
    Personal,
    PhoneText,
    RecordingLink,
    VoicemailLink,
)

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class CallPath(InputModel):
    call_id: CallId


class CallExtras(InputModel):
    """Opt-in parts of a call object; Aircall leaves them out unless asked."""

    fetch_contact: bool | None = Field(None, description="include the full contact")
    fetch_short_urls: bool | None = Field(None, description="include recording/voicemail short URLs (valid 3 h)")
    fetch_call_timeline: bool | None = Field(None, description="include IVR options selected")
    fetch_aiva_conv: bool | None = Field(None, description="include AI voice agent conversations")


class ListCallsInput(Paging, TimeWindow, Ordering, CallExtras):
    pass


class SearchCallsInput(ListCallsInput):
    direction: Literal["inbound", "outbound"] | None = None
    user_id: Id | None = None
    phone_number: E164 | None = None
    tags: list[Id] | None = Field(None, min_length=1, description="tag ids (list_tags); calls must have all")


class GetCallInput(CallPath, CallExtras):
    pass


class TransferCallInput(CallPath):
    user_id: Id | None = None
    team_id: Id | None = None
    number: E164 | None = Field(None, description="external number, E.164")
    dispatching_strategy: Literal["simultaneous", "random", "longest_idle"] | None = Field(
        None, description="team transfers only; default simultaneous"
    )

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        given = [d for d in (self.user_id, self.team_id, self.number) if d is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of user_id, team_id or number")
        if self.dispatching_strategy is not None and self.team_id is None:
            raise ValueError("dispatching_strategy applies only with team_id")
        return self

    @property
    def destination(self) -> str:
        """For the audit summary; an external number is not repeated there (personal data)."""
        if self.user_id is not None:
            return f"user {self.user_id}"
        if self.team_id is not None:
            return f"team {self.team_id}"
        return "an external number"


class CommentCallInput(CallPath):
    content: Text = Field(max_length=5000)


class TagCallInput(CallPath):
    tags: list[Id] = Field(min_length=1, description="tag ids, not names (list_tags)")


class TitleBlock(InputModel):
    type: Literal["title"]
    text: Text
    link: str | None = Field(None, pattern=r"^https?://\S+$")


class ShortTextBlock(InputModel):
    type: Literal["shortText"]
    label: Text
    text: Text
    link: str | None = Field(None, pattern=r"^https?://\S+$")


class AddInsightCardsInput(CallPath):
    contents: list[Annotated[TitleBlock | ShortTextBlock, Field(discriminator="type")]] = Field(min_length=1)


class PlaybookResultInput(CallPath):
    fetch_playbook: bool | None = Field(None, description="include the playbook the call was scored against")


class TranscriptionInput(CallPath):
    mode: Literal["async", "realtime"] | None = Field(None, description="realtime: the live transcript")


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class CallTag(OutputModel):
    id: int | None = None
    name: FreeText = None
    color: NotPersonal = None


class Comment(OutputModel):
    id: int | None = None
    content: FreeText = None
    posted_at: int | None = None
    posted_by: UserRef | None = Field(None, description="absent when posted through the API")


class CallContact(OutputModel):
    """The contact of a call (full contact object, present with fetch_contact)."""

    id: int | None = None
    first_name: FreeText = None
    last_name: FreeText = None
    company_name: FreeText = None

    extra_fields: ClassVar[Mapping[str, Any]] = {
        "direct_link": NotPersonal,
        "information": FreeText,
        "phone_numbers": list[ContactPhoneDetail],
        "emails": list[ContactEmailDetail],
    }


class Call(OutputModel):
    # Only the fields agents use most are declared, to keep the schema short; the rest arrive as extras.
    id: int | None = None
    direct_link: NotPersonal = None
    direction: NotPersonal = None
    status: NotPersonal = Field(None, description="initial, answered or done")
    started_at: int | None = Field(None, description="UNIX seconds, like answered_at and ended_at")
    answered_at: int | None = None
    ended_at: int | None = None
    duration: int | None = None
    raw_digits: PhoneText = Field(None, description="the other party's number")
    missed_call_reason: NotPersonal = None
    recording: RecordingLink = Field(None, description="URL valid 1 h, like voicemail")
    voicemail: VoicemailLink = None
    asset: MediaLink = None
    archived: bool | None = None
    number: NumberRef | None = None
    user: UserRef | None = None
    assigned_to: UserRef | None = None
    transferred_to: UserRef | None = None
    contact: CallContact | None = None
    teams: list[TeamRef] | None = None
    comments: list[Comment] | None = None
    tags: list[CallTag] | None = None

    extra_fields: ClassVar[Mapping[str, Any]] = {
        "sid": NotPersonal,
        "cost": NotPersonal,
        "country_code_a2": NotPersonal,
        "hangup_cause": NotPersonal,
        "external_transferred_to": PhoneText,
        "transferred_by": UserRef,
        "recording_short_url": RecordingLink,
        "voicemail_short_url": VoicemailLink,
    }


class Utterance(OutputModel):
    start_time: float | None = None
    end_time: float | None = None
    text: FreeText = None
    participant_type: NotPersonal = None


class TranscriptionContent(OutputModel):
    language: NotPersonal = None
    utterances: list[Utterance] | None = None


class Transcription(OutputModel):
    id: int | None = None
    call_id: int | None = None
    call_created_at: Annotated[int | str | None, Personal.NONE] = None
    type: NotPersonal = None
    content: TranscriptionContent | None = None


class Insight(OutputModel):
    """A conversation-intelligence result; its shape beyond the ids is not documented publicly."""

    id: int | None = None
    call_id: int | None = None


class CsatDriver(OutputModel):
    polarity: NotPersonal = None
    label: FreeText = None


class PredictedCsat(OutputModel):
    call_id: int | None = None
    call_uuid: NotPersonal = None
    score: float | None = None
    drivers: list[CsatDriver] | None = None


# The sandbox and Aircall may answer a list or a single object for these: accept both.
InsightPayload = Insight | list[Insight]

CallResult = envelope("call", Call, "CallResult")
CallList = listing("calls", Call, "CallList")
CallAck = acknowledgement(CallPath, "CallAck")
TranscriptionResult = envelope("transcription", Transcription, "TranscriptionResult")
SentimentResult = envelope("sentiment", InsightPayload, "SentimentResult")
TopicResult = envelope("topic", InsightPayload, "TopicResult")
SummaryResult = envelope("summary", InsightPayload, "SummaryResult")
ActionItemsResult = envelope("action_items", InsightPayload, "ActionItemsResult")
PlaybookResult = envelope("playbook_result", InsightPayload, "PlaybookResult")
EvaluationsResult = envelope("evaluations", InsightPayload, "EvaluationsResult")
PredictedCsatResult = envelope("csat", PredictedCsat, "PredictedCsatResult")
CustomSummaryResult = envelope("custom_summary_result", InsightPayload, "CustomSummaryResult")
