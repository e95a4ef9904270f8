"""The in-memory workspace: one Aircall company's objects, stored by id with references between them.

Objects refer to each other by id (a call holds `user_id`, not a copy of the user) so a change made
through the API shows everywhere the object appears. Rendering to Aircall's JSON lives in render.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aircall_mcp.sandbox.errors import ApiError
from aircall_mcp.sandbox.messaging import Messaging

T = TypeVar("T")

# Availability values that still let a user take or place a call.
AVAILABLE_STATES = frozenset({"available"})


@dataclass
class User:
    id: int
    first_name: str
    last_name: str
    email: str
    created_at: int
    time_zone: str
    language: str
    wrap_up_time: int
    extension: str
    availability: str  # available | offline | do_not_disturb | in_call | after_call_work
    substatus: str
    default_number_id: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Team:
    id: int
    name: str
    created_at: int
    user_ids: list[int] = field(default_factory=list)


@dataclass
class Number:
    id: int
    name: str
    digits: str
    e164: str
    country: str
    time_zone: str
    created_at: int
    availability_status: str
    is_ivr: bool
    live_recording_activated: bool
    priority: int | None
    registration_status: str
    user_ids: list[int] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)


@dataclass
class Tag:
    id: int
    name: str
    color: str
    description: str | None


@dataclass
class Detail:
    """A contact's phone number or email address."""

    id: int
    label: str
    value: str


@dataclass
class Contact:
    id: int
    first_name: str | None
    last_name: str | None
    company_name: str | None
    information: str | None
    created_at: int
    updated_at: int
    phone_numbers: list[Detail] = field(default_factory=list)
    emails: list[Detail] = field(default_factory=list)
    is_shared: bool = True


@dataclass
class Comment:
    id: int
    content: str
    posted_at: int
    posted_by: int | None  # user id; None when posted through the API


@dataclass
class CallTag:
    tag_id: int
    tagged_at: int
    tagged_by: int | None


@dataclass
class Call:
    id: int
    sid: str
    direction: str
    status: str  # initial | answered | done
    started_at: int
    answered_at: int | None
    ended_at: int | None
    raw_digits: str
    missed_call_reason: str | None
    number_id: int
    user_id: int | None
    contact_id: int | None
    recording: str | None = None
    voicemail: str | None = None
    archived: bool = False
    assigned_to: int | None = None
    team_ids: list[int] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    tags: list[CallTag] = field(default_factory=list)
    transferred_by: int | None = None
    transferred_to: int | None = None
    external_transferred_to: str | None = None
    recording_paused: bool = False
    insight_cards: list[list[dict[str, Any]]] = field(default_factory=list)
    # Conversation intelligence, keyed by envelope name ("transcription", "sentiment", ...).
    insights: dict[str, Any] = field(default_factory=dict)

    @property
    def ongoing(self) -> bool:
        return self.status != "done"

    @property
    def duration(self) -> int:
        # Aircall counts ringing time too; a live call has not accumulated a final duration yet.
        return 0 if self.ended_at is None else self.ended_at - self.started_at


@dataclass
class Webhook:
    id: int
    webhook_id: str
    custom_name: str
    url: str
    active: bool
    token: str
    events: list[str]
    created_at: int


@dataclass
class CampaignNumber:
    id: int
    number: str
    called: bool
    created_at: int


@dataclass
class DialerCampaign:
    id: int
    number_id: int | None
    created_at: int
    numbers: list[CampaignNumber] = field(default_factory=list)


@dataclass
class Workspace:
    """All objects of the company. Dicts keep insertion order, which is creation order."""

    company_name: str
    users: dict[int, User] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    numbers: dict[int, Number] = field(default_factory=dict)
    tags: dict[int, Tag] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)
    calls: dict[int, Call] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    campaigns: dict[int, DialerCampaign] = field(default_factory=dict)  # by user id
    # Messaging, AI Voice Agent and analytics (sandbox/messaging.py; seeded on first use).
    messaging: Messaging = field(default_factory=Messaging)
    _counters: dict[str, Iterator[int]] = field(default_factory=dict, repr=False, compare=False)

    def next_id(self, kind: str) -> int:
        """A fresh id for `kind`, above every id the seed used for it."""
        return next(self._counters[kind])

    def start_counter(self, kind: str, start: int) -> None:
        self._counters[kind] = itertools.count(start)

    # Lookups raise the 404 Aircall gives for an unknown id.
    def call(self, call_id: int) -> Call:
        return _get(self.calls, call_id, "Call")

    def contact(self, contact_id: int) -> Contact:
        return _get(self.contacts, contact_id, "Contact")

    def user(self, user_id: int) -> User:
        return _get(self.users, user_id, "User")

    def team(self, team_id: int) -> Team:
        return _get(self.teams, team_id, "Team")

    def number(self, number_id: int) -> Number:
        return _get(self.numbers, number_id, "Number")

    def tag(self, tag_id: int) -> Tag:
        return _get(self.tags, tag_id, "Tag")

    def user_by_email(self, email: str) -> User | None:
        wanted = email.casefold()
        return next((u for u in self.users.values() if u.email.casefold() == wanted), None)

    def ongoing_call_ids(self) -> list[int]:
        """Ids of calls still in progress (status initial or answered), for tests of live-call endpoints."""
        return [c.id for c in self.calls.values() if c.ongoing]


def _get(table: dict[int, T], key: int, kind: str) -> T:
    try:
        return table[key]
    except KeyError:
        raise ApiError.not_found(f"{kind} {key} not found") from None
