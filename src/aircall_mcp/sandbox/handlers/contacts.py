"""/v1/contacts and their phone/email sub-resources."""

from __future__ import annotations

from typing import Any

from aircall_mcp.sandbox import listing, render
from aircall_mcp.sandbox.context import Ctx, Reply, created, no_content, ok
from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.state import Contact, Detail
from aircall_mcp.sandbox.validate import body_object, digits, e164, email, not_blank_if_defined, text

MAX_DETAILS = 20
SCALAR_FIELDS = ("first_name", "last_name", "company_name", "information")


def _contacts_page(ctx: Ctx, contacts: list[Contact]) -> Reply:
    params = listing.list_params(ctx)
    order_by = ctx.query.get("order_by") or "created_at"
    if order_by not in ("created_at", "updated_at"):
        raise ApiError.bad_request("order_by must be created_at or updated_at")
    key = (lambda c: c.updated_at) if order_by == "updated_at" else (lambda c: c.created_at)
    selected = listing.window(contacts, params, key)
    return ok(listing.page(ctx, "contacts", selected, params, render.contact))


def list_contacts(ctx: Ctx) -> Reply:
    return _contacts_page(ctx, list(ctx.ws.contacts.values()))


def search_contacts(ctx: Ctx) -> Reply:
    contacts = list(ctx.ws.contacts.values())
    phone = ctx.query.get("phone_number")
    if phone is not None:
        wanted = digits(phone)
        if not wanted:
            raise ApiError.bad_request("phone_number must contain digits, in E.164 format")
        contacts = [c for c in contacts if any(digits(p.value) == wanted for p in c.phone_numbers)]
    address = ctx.query.get("email")
    if address is not None:
        wanted = address.strip().casefold()
        if not wanted:
            raise ApiError.bad_request("email can't be blank")
        contacts = [c for c in contacts if any(e.value.casefold() == wanted for e in c.emails)]
    return _contacts_page(ctx, contacts)


def get_contact(ctx: Ctx) -> Reply:
    return ok({"contact": render.contact(ctx.ws.contact(ctx.int_param("contact_id")))})


def _detail(ctx: Ctx, item: Any, where: str, kind: str) -> Detail:
    if not isinstance(item, dict):
        raise ApiError.bad_request(f"{where} must be an object with label and value")
    label = text(item, "label", required=True) or ""
    value = e164(item.get("value"), f"{where}.value") if kind == "phone" else email(item.get("value"), f"{where}.value")
    return Detail(ctx.ws.next_id("detail"), label, value)


def _details(ctx: Ctx, body: dict[str, Any], field: str, kind: str, *, required: bool) -> list[Detail]:
    raw = body.get(field)
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        raise ApiError.bad_request(f"{field} must be a non-empty array of {{label, value}}")
    if len(raw) > MAX_DETAILS:
        raise ApiError.bad_request(f"{field} can't contain more than {MAX_DETAILS} items")
    return [_detail(ctx, item, f"{field}[{i}]", kind) for i, item in enumerate(raw)]


def create_contact(ctx: Ctx) -> Reply:
    body = body_object(ctx.body)
    phones = _details(ctx, body, "phone_numbers", "phone", required=True)
    emails = _details(ctx, body, "emails", "email", required=False)
    contact = Contact(
        id=ctx.ws.next_id("contact"),
        first_name=text(body, "first_name"),
        last_name=text(body, "last_name"),
        company_name=text(body, "company_name"),
        information=text(body, "information"),
        created_at=ctx.now,
        updated_at=ctx.now,
        phone_numbers=phones,
        emails=emails,
    )
    ctx.ws.contacts[contact.id] = contact
    return created({"contact": render.contact(contact)})


def update_contact(ctx: Ctx) -> Reply:
    contact = ctx.ws.contact(ctx.int_param("contact_id"))
    body = body_object(ctx.body)
    changes = {name: not_blank_if_defined(body, name) for name in SCALAR_FIELDS if name in body}
    for name, value in changes.items():
        setattr(contact, name, value)
    contact.updated_at = ctx.now
    return ok({"contact": render.contact(contact)})


def delete_contact(ctx: Ctx) -> Reply:
    contact = ctx.ws.contact(ctx.int_param("contact_id"))
    del ctx.ws.contacts[contact.id]
    return no_content()


# Phone numbers and emails share one implementation; `kind` picks the list and the value rule.
_KINDS = {"phone": ("phone_numbers", "phone_number_id", "Phone number"), "email": ("emails", "email_id", "Email")}


def _items(contact: Contact, kind: str) -> list[Detail]:
    return contact.phone_numbers if kind == "phone" else contact.emails


def _find(ctx: Ctx, contact: Contact, kind: str) -> Detail:
    _, param, label = _KINDS[kind]
    detail_id = ctx.int_param(param)
    found = next((d for d in _items(contact, kind) if d.id == detail_id), None)
    if found is None:
        raise ApiError.not_found(f"{label} {detail_id} not found on contact {contact.id}")
    return found


def _add(ctx: Ctx, kind: str) -> Reply:
    contact = ctx.ws.contact(ctx.int_param("contact_id"))
    items = _items(contact, kind)
    if len(items) >= MAX_DETAILS:
        raise ApiError.bad_request(f"A contact can't have more than {MAX_DETAILS} {_KINDS[kind][0].replace('_', ' ')}")
    items.append(_detail(ctx, body_object(ctx.body), "body", kind))
    contact.updated_at = ctx.now
    return created({"contact": render.contact(contact)})


def _update(ctx: Ctx, kind: str) -> Reply:
    contact = ctx.ws.contact(ctx.int_param("contact_id"))
    detail = _find(ctx, contact, kind)
    body = body_object(ctx.body)
    label = not_blank_if_defined(body, "label")
    if "value" in body:
        detail.value = e164(body["value"], "value") if kind == "phone" else email(body["value"], "value")
    if label is not None:
        detail.label = label
    contact.updated_at = ctx.now
    return ok({"contact": render.contact(contact)})


def _delete(ctx: Ctx, kind: str) -> Reply:
    contact = ctx.ws.contact(ctx.int_param("contact_id"))
    _items(contact, kind).remove(_find(ctx, contact, kind))
    contact.updated_at = ctx.now
    return no_content()


def add_phone_number(ctx: Ctx) -> Reply:
    return _add(ctx, "phone")


def update_phone_number(ctx: Ctx) -> Reply:
    return _update(ctx, "phone")


def delete_phone_number(ctx: Ctx) -> Reply:
    return _delete(ctx, "phone")


def add_email(ctx: Ctx) -> Reply:
    return _add(ctx, "email")


def update_email(ctx: Ctx) -> Reply:
    return _update(ctx, "email")


def delete_email(ctx: Ctx) -> Reply:
    return _delete(ctx, "email")
