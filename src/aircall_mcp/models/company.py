"""Company: the Aircall account itself, and the credential check."""

from __future__ import annotations

from aircall_mcp.models.common import OutputModel, envelope
from aircall_mcp.models.personal import NotPersonal


class Company(OutputModel):
    name: NotPersonal = None  # the customer company's name, not a person's
    users_count: int | None = None
    numbers_count: int | None = None


class Ping(OutputModel):
    ping: NotPersonal = None


CompanyResult = envelope("company", Company, "CompanyResult")
