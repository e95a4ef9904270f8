"""Teams: groups of users that numbers ring."""

from __future__ import annotations

from pydantic import Field

from aircall_mcp.models.common import (
    Id,
    InputModel,
    Ordering,
    OutputModel,
    Paging,
    Text,
    UserRef,
    acknowledgement,
    envelope,
    listing,
)
from aircall_mcp.models.personal import FreeText, NotPersonal

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class TeamPath(InputModel):
    team_id: Id


class TeamMemberPath(TeamPath):
    user_id: Id


class ListTeamsInput(Paging, Ordering):
    pass


class CreateTeamInput(InputModel):
    name: Text = Field(max_length=64, description="unique in the company")


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class Team(OutputModel):
    id: int | None = None
    name: FreeText = None
    direct_link: NotPersonal = None
    created_at: NotPersonal = None
    users: list[UserRef] | None = None


TeamResult = envelope("team", Team, "TeamResult")
TeamList = listing("teams", Team, "TeamList")
TeamAck = acknowledgement(TeamPath, "TeamAck")
