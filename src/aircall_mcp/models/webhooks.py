"""Webhooks: where Aircall posts events."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from aircall_mcp.models.common import (
    ChangeSet,
    HttpsUrl,
    Id,
    InputModel,
    Ordering,
    OutputModel,
    Paging,
    Text,
    acknowledgement,
    envelope,
    listing,
)
from aircall_mcp.models.personal import FreeText, NotPersonal, Personal

# An event name such as "call.tagged" or "user.created.v2".
EventName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]

# ---------------------------------------------------------------------------------------------------------------
# Inputs


# A webhook_id as Aircall issues them (a UUID): hex and dashes only, so it is one path segment anywhere.
WebhookUuid = Annotated[
    str, StringConstraints(pattern=r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
]


class WebhookPath(InputModel):
    # Webhooks are addressed by UUID (webhook_id); the legacy numeric id is accepted too, as an integer.
    webhook_id: Id | WebhookUuid = Field(description="webhook_id (UUID) or legacy numeric id")


class ListWebhooksInput(Paging, Ordering):
    pass


class CreateWebhookInput(InputModel):
    url: HttpsUrl
    custom_name: Text | None = Field(None, description='default "Webhook"')
    events: list[EventName] | None = Field(None, description="e.g. call.ended; omitted = all events")


class UpdateWebhookInput(WebhookPath, ChangeSet):
    url: HttpsUrl | None = None
    custom_name: Text | None = None
    events: list[EventName] | None = Field(None, min_length=1, description="replaces the list unless events_action")
    active: bool | None = Field(None, description="true re-enables a disabled webhook")
    events_action: Literal["add", "remove"] | None = Field(
        None, description="merge events instead of replacing; add without events keeps the current events"
    )

    @model_validator(mode="after")
    def _remove_needs_events(self) -> Self:
        # add without events is Aircall's documented way to re-enable a webhook without resetting its events.
        if self.events_action == "remove" and self.events is None:
            raise ValueError("events_action remove needs events")
        return self


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class Webhook(OutputModel):
    webhook_id: NotPersonal = None
    id: int | None = Field(None, description="legacy numeric id")
    direct_link: NotPersonal = None
    custom_name: FreeText = None
    url: NotPersonal = None  # the company's own receiver
    active: bool | None = None
    events: Annotated[list[str] | None, Personal.NONE] = None
    created_at: NotPersonal = None


WebhookResult = envelope("webhook", Webhook, "WebhookResult")
WebhookList = listing("webhooks", Webhook, "WebhookList")
WebhookAck = acknowledgement(WebhookPath, "WebhookAck")
