"""Company: the Aircall account itself, and the credential check."""

from __future__ import annotations

from aircall_mcp.models.common import OutputModel, envelope


class Company(OutputModel):
    name: str | None = None
    users_count: int | None = None
    numbers_count: int | None = None


class Ping(OutputModel):
    ping: str | None = None


CompanyResult = envelope("company", Company, "CompanyResult")
