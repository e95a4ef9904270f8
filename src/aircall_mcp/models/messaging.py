"""Messaging: SMS/MMS and WhatsApp sent from the company's numbers, their configuration, templates and status.

Aircall names these fields inconsistently (snake_case on the numbers' endpoints, camelCase on the WhatsApp and
configuration ones): tools take snake_case and each field carries the name Aircall reads as its serialization
alias, so `catalogue.build_request` sends Aircall's names.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from aircall_mcp.models.common import (
    E164,
    HttpsUrl,
    Id,
    InputModel,
    OutputModel,
    Paging,
    Text,
    acknowledgement,
    listing,
)
from aircall_mcp.models.numbers import NumberPath
from aircall_mcp.models.personal import FreeText, NotPersonal, Personal, PhoneText

# Aircall's limits, checked before anything is sent (sources in the catalogue entries).
MAX_SMS_CHARS = 1600
MAX_WHATSAPP_CHARS = 4096
MAX_PARTICIPANTS = 50  # a sanity bound, not an Aircall figure (UNCONFIRMED)
MAX_MEDIA = 10  # likewise

SmsBody = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SMS_CHARS)]
WhatsAppText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_WHATSAPP_CHARS)]
MediaUrls = Annotated[list[HttpsUrl], Field(min_length=1, max_length=MAX_MEDIA)]

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class ConfigureMessagingInput(NumberPath):
    callback_url: HttpsUrl | None = Field(
        None, serialization_alias="callbackUrl", description="receives message.received/status_updated callbacks"
    )


class SendMessageInput(NumberPath):
    to: E164
    body: SmsBody
    media_url: MediaUrls | None = Field(None, serialization_alias="mediaUrl")


class SendGroupMessageInput(NumberPath):
    participants: list[E164] = Field(min_length=1, max_length=MAX_PARTICIPANTS)
    body: SmsBody | None = None
    media_url: MediaUrls | None = Field(None, serialization_alias="mediaUrl")

    @model_validator(mode="after")
    def _text_or_media(self) -> Self:
        # Aircall takes text or media per group request, not both.
        if (self.body is None) == (self.media_url is None):
            raise ValueError("give exactly one of body or media_url")
        return self


class SendGroupConversationInput(NumberPath):
    participants: list[E164] = Field(min_length=1, max_length=MAX_PARTICIPANTS)
    body: SmsBody


class TemplateVariable(InputModel):
    key: str = Field(pattern=r"^\{\{\w{1,32}\}\}$", description="placeholder, e.g. {{1}}")
    value: Text


class TemplateParams(InputModel):
    id: str = Field(pattern=r"^\w{1,64}$", description="template id (list_whatsapp_templates)")
    body: list[TemplateVariable] | None = Field(None, max_length=50)


class SendWhatsAppInput(InputModel):
    number_id: Id = Field(serialization_alias="lineId", description="a WhatsApp line (get_whatsapp_status)")
    to: E164
    text: WhatsAppText | None = None
    template: TemplateParams | None = Field(None, serialization_alias="templateParams")

    @model_validator(mode="after")
    def _text_or_template(self) -> Self:
        if (self.text is None) == (self.template is None):
            raise ValueError("give exactly one of text or template")
        return self


class SendWhatsAppConversationInput(SendWhatsAppInput):
    # This endpoint names the recipient externalNumber where its sibling says to.
    to: E164 = Field(serialization_alias="externalNumber")


class ListSmsTemplatesInput(Paging):
    search: Text | None = Field(None, max_length=200, description="in names and bodies")


class ListWhatsAppTemplatesInput(NumberPath):
    status: Literal["APPROVED", "PENDING", "REJECTED"] | None = None
    category: Literal["MARKETING", "UTILITY", "AUTHENTICATION"] | None = None
    token: int | None = Field(None, ge=0, description="pageInfo.nextToken of the previous page")
    limit: int | None = Field(None, ge=1, le=100)


# ---------------------------------------------------------------------------------------------------------------
# Outputs (camelCase where Aircall answers camelCase)


class MessagingConfiguration(OutputModel):
    callbackUrl: NotPersonal = None  # the account's own endpoint


class Message(OutputModel):
    id: NotPersonal = None
    status: NotPersonal = None
    direction: NotPersonal = None
    raw_digits: PhoneText = Field(None, description="the recipient")
    body: FreeText = None


class GroupMessage(OutputModel):
    group_message_id: NotPersonal = None
    group_conversation_id: NotPersonal = None
    status: NotPersonal = None
    participants: Annotated[list[str] | None, Personal.PHONE] = None
    body: FreeText = None


class SmsTemplate(OutputModel):
    id: int | None = None
    name: FreeText = None
    body: FreeText = None


class WhatsAppTemplate(OutputModel):
    id: int | None = None
    name: NotPersonal = None
    category: NotPersonal = None
    status: NotPersonal = None
    language: NotPersonal = None


class PageInfo(OutputModel):
    currentToken: int | None = None
    nextToken: int | None = Field(None, description="pass as token for the next page; absent on the last")
    totalCount: int | None = None


class WhatsAppTemplateList(OutputModel):
    templates: list[WhatsAppTemplate] | None = None
    pageInfo: PageInfo | None = None


class WhatsAppStatus(OutputModel):
    status: NotPersonal = Field(None, description="e.g. ONLINE, PENDING, OFFLINE")
    canSendMessage: bool | None = None
    messagingLimitTier: NotPersonal = None
    qualityRating: NotPersonal = None
    businessVerificationStatus: NotPersonal = None


SmsTemplateList = listing("templates", SmsTemplate, "SmsTemplateList")
MessagingAck = acknowledgement(NumberPath, "MessagingAck")
