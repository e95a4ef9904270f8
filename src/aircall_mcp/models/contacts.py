"""Contacts: shared contacts and their phone-number / email sub-resources."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from aircall_mcp.models.common import (
    E164,
    ChangeSet,
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
from aircall_mcp.models.personal import EmailText, FreeText, NotPersonal, PhoneText

# ---------------------------------------------------------------------------------------------------------------
# Inputs


class ContactPath(InputModel):
    contact_id: Id


class ContactPhonePath(ContactPath):
    phone_number_id: Id


class ContactEmailPath(ContactPath):
    email_id: Id


class ListContactsInput(Paging, TimeWindow, Ordering):
    order_by: Literal["created_at", "updated_at"] | None = None


class SearchContactsInput(ListContactsInput):
    phone_number: E164 | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _has_a_criterion(self) -> Self:
        if self.phone_number is None and self.email is None:
            raise ValueError("give phone_number or email (list_contacts lists without criteria)")
        return self


class PhoneDetail(InputModel):
    label: Text = Field(description="e.g. Work, Mobile")
    value: E164


class EmailDetail(InputModel):
    label: Text = Field(description="e.g. Work")
    value: Email


class CreateContactInput(InputModel):
    first_name: Text | None = None
    last_name: Text | None = None
    company_name: Text | None = None
    information: Text | None = Field(None, description="free text, often an external id")
    phone_numbers: list[PhoneDetail] = Field(min_length=1, max_length=20)
    emails: list[EmailDetail] | None = Field(None, max_length=20)


class UpdateContactInput(ContactPath, ChangeSet):
    first_name: Text | None = None
    last_name: Text | None = None
    company_name: Text | None = None
    information: Text | None = None


class AddContactPhoneInput(ContactPath, PhoneDetail):
    pass


class UpdateContactPhoneInput(ContactPhonePath, ChangeSet):
    label: Text | None = None
    value: E164 | None = None


class AddContactEmailInput(ContactPath, EmailDetail):
    pass


class UpdateContactEmailInput(ContactEmailPath, ChangeSet):
    label: Text | None = None
    value: Email | None = None


# ---------------------------------------------------------------------------------------------------------------
# Outputs


class ContactDetail(OutputModel):
    id: int | None = None
    label: FreeText = None
    value: FreeText = None


class ContactPhoneDetail(ContactDetail):
    value: PhoneText = None


class ContactEmailDetail(ContactDetail):
    value: EmailText = None


class Contact(OutputModel):
    id: int | None = None
    direct_link: NotPersonal = None
    first_name: FreeText = None
    last_name: FreeText = None
    company_name: FreeText = None
    information: FreeText = None
    is_shared: bool | None = None
    created_at: int | None = Field(None, description="UNIX seconds")
    updated_at: int | None = Field(None, description="UNIX seconds")
    phone_numbers: list[ContactPhoneDetail] | None = None
    emails: list[ContactEmailDetail] | None = None


ContactResult = envelope("contact", Contact, "ContactResult")
ContactList = listing("contacts", Contact, "ContactList")
ContactAck = acknowledgement(ContactPath, "ContactAck")
ContactPhoneAck = acknowledgement(ContactPhonePath, "ContactPhoneAck")
ContactEmailAck = acknowledgement(ContactEmailPath, "ContactEmailAck")
