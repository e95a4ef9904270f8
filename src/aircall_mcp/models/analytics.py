"""Analytics report exports (an asynchronous job and its download link) and the AI Voice Agent outbound call.

The export endpoints speak camelCase and nest the request under `input`: tools take flat snake_case arguments
and `CreateExportInput.body_for_aircall` builds Aircall's shape.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from aircall_mcp.models.common import E164, Id, InputModel, OutputModel, Text
from aircall_mcp.models.personal import FreeText, NotPersonal

ReportName = Literal[
    "CALLS_HISTORY",
    "USER_STATUS_HISTORY",
    "USER_ACTIVITY_AVAILABILITY_BREAKDOWN",
    "USER_ACTIVITY_AVERAGE_AFTER_CALL_WORK_TIME_PER_USER",
    "USER_ACTIVITY_AVERAGE_INBOUND_IN_CALL_TIME_PER_USER",
    "USER_ACTIVITY_AVERAGE_OUTBOUND_IN_CALL_TIME_PER_USER",
    "USER_ACTIVITY_CALL_VOLUME_AND_TIME",
    "USER_ACTIVITY_CALLS_HANDLED",
    "USER_ACTIVITY_PERCENTAGE_OF_TIME_IN_EACH_STATUS",
    "USER_ACTIVITY_RINGING_ATTEMPTS_PER_USER",
    "USER_ACTIVITY_WORK_TIME_AND_AVAILABILITY",
    "USER_ACTIVITY_RINGING_ATTEMPTS",
]
REPORT_NAMES: tuple[str, ...] = typing.get_args(ReportName)
RelativeRange = Literal["TODAY", "YESTERDAY", "THIS_WEEK", "LAST_WEEK", "THIS_MONTH", "LAST_MONTH"]
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
# An IANA zone name such as Europe/Paris or UTC.
TimeZone = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")]
ExportId = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
]
IdList = Annotated[list[Id], Field(min_length=1, max_length=100)]

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class CreateExportInput(InputModel):
    report_name: ReportName
    timezone: TimeZone = Field(description="IANA, e.g. Europe/Paris")
    relative_range: RelativeRange | None = None
    from_date: IsoDate | None = Field(None, description="YYYY-MM-DD, with to_date instead of relative_range")
    to_date: IsoDate | None = None
    user_ids: IdList | None = None
    team_ids: IdList | None = None
    number_ids: IdList | None = None
    export_name: Text | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _one_date_range(self) -> Self:
        dates = [d for d in (self.from_date, self.to_date) if d is not None]
        if len(dates) == 1 or (self.relative_range is None) == (not dates):
            raise ValueError("give exactly one of relative_range or from_date with to_date")
        if len(dates) == 2 and dates[0] > dates[1]:
            raise ValueError("from_date must not be after to_date")
        return self

    def body_for_aircall(self, values: dict[str, Any]) -> dict[str, Any]:
        """`{"input": {reportName, filter: {dateFilter, timezone, userIDs...}, exportOptions}}`."""
        date_filter: dict[str, Any] = (
            {"relative": self.relative_range}
            if self.relative_range is not None
            else {"absoluteRange": {"fromDate": self.from_date, "toDate": self.to_date}}
        )
        filters: dict[str, Any] = {"dateFilter": date_filter, "timezone": self.timezone}
        for key, ids in (("userIDs", self.user_ids), ("teamIDs", self.team_ids), ("lineIDs", self.number_ids)):
            if ids is not None:
                filters[key] = ids
        body: dict[str, Any] = {"reportName": self.report_name, "filter": filters}
        if self.export_name is not None:
            body["exportOptions"] = {"format": "CSV", "exportName": self.export_name}
        return {"input": body}


class ExportPath(InputModel):
    export_id: ExportId


class AgentCallInput(InputModel):
    # Ids start with a letter ("agent-abc123" in the reference): a bare number is some other object's id.
    agent_id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$", description="the AI Voice Agent's id")
    contact_phone: E164
    idempotency_key: str = Field(
        pattern=r"^[\w.:-]{1,128}$", description="unique per intended call; a repeat does not call twice"
    )
    context: dict[str, str | int | float | bool] | None = Field(
        None, max_length=50, description="variables the agent can use, e.g. first_name"
    )
    expiration_seconds: int | None = Field(None, ge=60, le=86_400, description="give up after; 60-86400")


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class AnalyticsExport(OutputModel):
    exportID: NotPersonal = None
    status: NotPersonal = Field(None, description="PENDING, COMPLETED or FAILED")
    # The file holds raw call data; grants that mask phone numbers or emails are refused the analytics tools.
    downloadUrl: NotPersonal = Field(None, description="when COMPLETED; expires (downloadUrlExpiresAt)")
    downloadUrlExpiresAt: NotPersonal = None
    errorMessage: FreeText = None


class AgentCallRequest(OutputModel):
    id: NotPersonal = None
    status: NotPersonal = Field(None, description="PENDING until the agent dials")
    idempotency_key: NotPersonal = None
