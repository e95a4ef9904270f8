"""Tags: company-wide labels put on calls."""

from __future__ import annotations

from pydantic import Field

from aircall_mcp.models.common import (
    ChangeSet,
    HexColor,
    Id,
    InputModel,
    OutputModel,
    Paging,
    Text,
    acknowledgement,
    envelope,
    listing,
)
from aircall_mcp.models.personal import FreeText, NotPersonal

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class TagPath(InputModel):
    tag_id: Id


class ListTagsInput(Paging):
    pass


class CreateTagInput(InputModel):
    name: Text = Field(description="unique in the company")
    color: HexColor
    description: Text | None = None


class UpdateTagInput(TagPath, ChangeSet):
    name: Text | None = Field(None, description="unique in the company")
    color: HexColor | None = None
    description: Text | None = None


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class Tag(OutputModel):
    id: int | None = None
    name: FreeText = None
    color: NotPersonal = None
    description: FreeText = None
    direct_link: NotPersonal = None


TagResult = envelope("tag", Tag, "TagResult")
TagList = listing("tags", Tag, "TagList")
TagAck = acknowledgement(TagPath, "TagAck")
