"""A deterministic, realistic workspace from a seed: same config -> same data, no wall clock involved."""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aircall_mcp.facts import ALL_EVENTS
from aircall_mcp.sandbox import insights
from aircall_mcp.sandbox.config import SandboxConfig
from aircall_mcp.sandbox.state import (
    Call,
    CallTag,
    CampaignNumber,
    Comment,
    Contact,
    Detail,
    DialerCampaign,
    Number,
    Tag,
    Team,
    User,
    Webhook,
    Workspace,
)
from aircall_mcp.sandbox.validate import digits

# Every seeded timestamp is relative to this fixed instant, never to the wall clock.
SEED_EPOCH = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
DAY = 86_400
HISTORY_DAYS = 180

FIRST_NAMES = (
    "Camille", "Louis", "Emma", "Hugo", "Chloé", "Lucas", "Léa", "Nathan", "Manon", "Théo", "Sarah", "Jules",
    "Olivia", "James", "Amelia", "Noah", "Isla", "Oliver", "Sophie", "Lukas", "Mia", "Felix", "Lucía", "Mateo",
    "Sofia", "Diego", "Giulia", "Marco", "Anna", "Daan", "Priya", "Arjun", "Mei", "Kenji", "Fatima", "Omar",
    "Grace", "Ethan", "Zoé", "Inès", "Maxime", "Clara", "Benjamin", "Ava", "Elena", "Tom", "Nora", "Samuel",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Smith",
    "Johnson", "Williams", "Brown", "Taylor", "Wilson", "Müller", "Schmidt", "Schneider", "Fischer", "García",
    "Fernández", "López", "Rossi", "Russo", "Bianchi", "de Vries", "Jansen", "Patel", "Sharma", "Chen", "Tanaka",
    "Haddad", "Nguyen", "O'Brien", "Kowalski", "Novak", "Lefèvre", "Fontaine", "Girard", "Andersen", "Costa",
)  # fmt: skip
COMPANIES = (
    "Acme Logistics", "Boreal Energy", "Cobalt Health", "Dune Analytics", "Evergreen Foods", "Fjord Travel",
    "Granite Insurance", "Helio Solar", "Indigo Retail", "Juniper Legal", "Kestrel Robotics", "Lagoon Hotels",
    "Meridian Bank", "Nimbus Cloud", "Orchard Pharma", "Pioneer Freight", "Quartz Media", "Riviera Realty",
    "Summit Fitness", "Tundra Outdoor", "Umbra Security", "Vertex Telecom", "Willow Education", "Zephyr Motors",
)  # fmt: skip
TEAM_NAMES = (
    "Sales EMEA", "Sales North America", "Customer Support", "Technical Support Tier 2", "Onboarding",
    "Billing", "Account Management", "Partnerships", "Renewals", "VIP Desk",
)  # fmt: skip
TAGS = (
    ("VIP", "#E74C3C", "High-value customer, handle with priority"),
    ("Callback requested", "#F39C12", "The caller asked to be called back"),
    ("Sales lead", "#27AE60", "Qualified prospect for the sales team"),
    ("Support issue", "#2980B9", "Technical or product problem reported"),
    ("Billing", "#8E44AD", "Invoice, payment or refund question"),
    ("Churn risk", "#C0392B", "Customer considering cancelling"),
    ("Demo booked", "#16A085", "A product demo was scheduled"),
    ("Wrong number", "#7F8C8D", None),
    ("Follow-up", "#D35400", "Needs a follow-up within 48 hours"),
    ("Upsell", "#2ECC71", "Opportunity to upgrade the plan"),
    ("Escalated", "#E67E22", "Escalated to a manager"),
    ("Feedback", "#3498DB", "Product feedback worth sharing"),
    ("Partner", "#9B59B6", "Call from a reseller or partner"),
    ("Spam", "#95A5A6", "Unsolicited call"),
    ("Onboarding", "#1ABC9C", "New customer getting started"),
)
# (country, time zone, display pattern) for the company's numbers; X is a random digit.
NUMBER_PLANS = (
    ("FR", "Europe/Paris", "+33 1 76 XX XX XX"),
    ("US", "America/New_York", "+1 212-555-XXXX"),
    ("GB", "Europe/London", "+44 20 3966 XXXX"),
    ("DE", "Europe/Berlin", "+49 30 XXXX XXXX"),
    ("ES", "Europe/Madrid", "+34 91 XXX XX XX"),
    ("US", "America/Los_Angeles", "+1 415-555-XXXX"),
    ("IT", "Europe/Rome", "+39 02 XXXX XXXX"),
    ("NL", "Europe/Amsterdam", "+31 20 XXX XXXX"),
    ("BE", "Europe/Brussels", "+32 2 XXX XX XX"),
)
NUMBER_NAMES = ("Paris HQ", "New York Sales", "London Support", "Berlin Office", "Madrid Office",
                "San Francisco", "Milan Office", "Amsterdam Office", "Brussels Office")  # fmt: skip
REGISTRATION = {"FR": "registered", "US": "registered", "GB": "not_required", "DE": "registered", "ES": "pending"}
# Display patterns of outside callers (mostly mobiles).
CALLER_PLANS = ("+33 6 XX XX XX XX", "+33 7 XX XX XX XX", "+1 646-XXX-XXXX", "+1 917-XXX-XXXX", "+44 7XXX XXXXXX",
                "+49 15X XXXXXXXX", "+34 6XX XX XX XX", "+39 3XX XXX XXXX")  # fmt: skip
USER_LOCALES = (("Europe/Paris", "fr-FR"), ("Europe/London", "en-GB"), ("America/New_York", "en-US"),
                ("Europe/Berlin", "de-DE"), ("Europe/Madrid", "es-ES"), ("America/Los_Angeles", "en-US"))  # fmt: skip
AVAILABILITY = (("available", 50), ("offline", 20), ("do_not_disturb", 10), ("in_call", 10), ("after_call_work", 10))
SUBSTATUS = {"available": "always_opened", "in_call": "always_opened", "after_call_work": "always_opened",
             "do_not_disturb": "On a break", "offline": "always_closed"}  # fmt: skip
MISSED_INBOUND = (("agents_did_not_answer", 40), ("no_available_agent", 20), ("out_of_opening_hours", 20),
                  ("short_abandoned", 10), ("abandoned_in_ivr", 5), ("abandoned_in_classic", 5))  # fmt: skip
COMMENTS = (
    "Customer wants a quote for 15 extra seats.", "Asked for the invoice of last month to be resent.",
    "Follow up next Tuesday about the renewal.", "Escalated to tier 2, ticket opened.",
    "Interested in the annual plan, send pricing.", "Left a voicemail, will try again tomorrow.",
    "Issue solved after resetting the app.", "Wants to speak with their account manager only.",
    "Confirmed the delivery address.", "Demo scheduled for Thursday 10am.",
)  # fmt: skip
MESSAGE_KINDS = ("welcome", "waiting", "ringing_tone", "unanswered_call", "after_hours", "ivr", "voicemail",
                 "closed", "callback_later")  # fmt: skip


def build_workspace(config: SandboxConfig) -> Workspace:
    """Seed a workspace; the same config always yields the same objects, ids and timestamps."""
    rng = random.Random(config.seed)  # noqa: S311 - reproducible data, not secrets
    ws = Workspace(company_name=config.company_name)
    ws.start_counter("comment", 9_000_001)
    _users(ws, rng, config.users)
    _numbers(ws, rng, config.numbers)
    _teams(ws, rng, config.teams)
    _tags(ws, rng, config.tags)
    callers = _contacts(ws, rng, config.contacts)
    _calls(ws, rng, config.calls, callers)
    _webhooks(ws, rng, config.webhooks)
    _campaigns(ws, rng)
    return ws


def _fill(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if ch == "X" else ch for ch in pattern)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _users(ws: Workspace, rng: random.Random, count: int) -> None:
    seen: set[str] = set()
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}@lumen-co.example"
        while email in seen:
            email = email.replace("@", f"{rng.randrange(10)}@", 1)
        seen.add(email)
        tz, lang = rng.choice(USER_LOCALES)
        # The first user is always reachable and the second never is, so both paths can be tested.
        availability = ("available", "offline")[i] if i < 2 else _weighted(rng, AVAILABILITY)
        uid = 1_100_001 + i
        ws.users[uid] = User(
            id=uid,
            first_name=first,
            last_name=last,
            email=email,
            created_at=SEED_EPOCH - rng.randrange(200, 900) * DAY - rng.randrange(DAY),
            time_zone=tz,
            language=lang,
            wrap_up_time=rng.choice((0, 0, 15, 30, 60)),
            extension=f"{i + 1:03d}",
            availability=availability,
            substatus=SUBSTATUS[availability],
        )
    ws.start_counter("user", 1_100_001 + count)


def _numbers(ws: Workspace, rng: random.Random, count: int) -> None:
    user_ids = list(ws.users)
    for i in range(count):
        country, tz, pattern = NUMBER_PLANS[i % len(NUMBER_PLANS)]
        display = _fill(rng, pattern)
        nid = 430_001 + i
        members = rng.sample(user_ids, k=min(len(user_ids), rng.randint(3, 10)))
        if i == 0 and user_ids:
            members = sorted({*members, user_ids[0], user_ids[min(1, len(user_ids) - 1)]}, key=user_ids.index)
        ws.numbers[nid] = Number(
            id=nid,
            name=NUMBER_NAMES[i] if i < len(NUMBER_NAMES) else f"Line {i + 1}",
            digits=display,
            e164="+" + digits(display),
            country=country,
            time_zone=tz,
            created_at=SEED_EPOCH - rng.randrange(400, 1200) * DAY - rng.randrange(DAY),
            availability_status=rng.choice(("open", "open", "custom", "closed")),
            is_ivr=rng.random() < 0.3,
            # The first number records live calls and the second does not, so both paths can be tested.
            live_recording_activated=(True, False)[i] if i < 2 else rng.random() < 0.7,
            priority=rng.choice((None, 0, 1)),
            registration_status=REGISTRATION.get(country, "not_required"),
            user_ids=members,
            messages={k: f"https://sounds.aircall.example/numbers/{nid}/{k}.mp3" for k in MESSAGE_KINDS},
        )
        for uid in members:
            if ws.users[uid].default_number_id is None:
                ws.users[uid].default_number_id = nid
    ws.start_counter("number", 430_001 + count)


def _teams(ws: Workspace, rng: random.Random, count: int) -> None:
    user_ids = list(ws.users)
    for i in range(count):
        tid = 52_001 + i
        name = TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"Team {i + 1}"
        size = min(len(user_ids), rng.randint(3, 8))
        ws.teams[tid] = Team(
            tid, name, SEED_EPOCH - rng.randrange(100, 800) * DAY - rng.randrange(DAY), rng.sample(user_ids, k=size)
        )
    ws.start_counter("team", 52_001 + count)


def _tags(ws: Workspace, rng: random.Random, count: int) -> None:
    for i in range(count):
        tid = 64_001 + i
        if i < len(TAGS):
            name, color, description = TAGS[i]
        else:
            name, color, description = f"Topic {i + 1}", f"#{rng.getrandbits(24):06X}", None
        ws.tags[tid] = Tag(tid, name, color, description)
    ws.start_counter("tag", 64_001 + count)


def _contacts(ws: Workspace, rng: random.Random, count: int) -> list[tuple[int, str]]:
    """Seed contacts; returns (contact id, phone number in display format) pairs that calls can come from."""
    callers: list[tuple[int, str]] = []
    detail_id = 770_000_001
    for i in range(count):
        cid = 6_000_001 + i
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = rng.choice(COMPANIES) if rng.random() < 0.8 else None
        created = SEED_EPOCH - rng.randrange(1, 400) * DAY - rng.randrange(DAY)
        contact = Contact(
            id=cid,
            first_name=first,
            last_name=last,
            company_name=company,
            information=f"CRM id CUS-{rng.randrange(10_000, 99_999)}" if rng.random() < 0.5 else None,
            created_at=created,
            updated_at=created + rng.randrange(0, SEED_EPOCH - created),
        )
        for label in ("Mobile", "Work")[: 1 + (rng.random() < 0.25)]:
            display = _fill(rng, rng.choice(CALLER_PLANS))
            contact.phone_numbers.append(Detail(detail_id, label, "+" + digits(display)))
            callers.append((cid, display))
            detail_id += 1
        if rng.random() < 0.7:
            domain = _ascii(company or "gmail") + ".example"
            contact.emails.append(Detail(detail_id, "Work", f"{_ascii(first)}.{_ascii(last)}@{domain}"))
            detail_id += 1
        ws.contacts[cid] = contact
    ws.start_counter("contact", 6_000_001 + count)
    ws.start_counter("detail", detail_id)
    return callers


def _calls(ws: Workspace, rng: random.Random, count: int, callers: list[tuple[int, str]]) -> None:
    if not ws.numbers or not ws.users:
        ws.start_counter("call", 1_900_000_001)
        return
    ongoing = min(3, count)
    starts = sorted(SEED_EPOCH - rng.randrange(3600, HISTORY_DAYS * DAY) for _ in range(count - ongoing))
    call_id = 1_900_000_001
    numbers = list(ws.numbers.values())
    tag_ids = list(ws.tags)
    teams_of: dict[int, list[int]] = {}
    for team in ws.teams.values():
        for uid in team.user_ids:
            teams_of.setdefault(uid, []).append(team.id)
    for started in starts:
        call_id += rng.randint(1, 40)
        ws.calls[call_id] = _past_call(
            ws,
            rng,
            call_id=call_id,
            started=started,
            numbers=numbers,
            callers=callers,
            tag_ids=tag_ids,
            teams_of=teams_of,
        )
    # Live calls so transfers, insight cards and recording controls can be exercised:
    # answered on a recording number, ringing, answered on a number without live recording.
    for i in range(ongoing):
        call_id += rng.randint(1, 40)
        number = numbers[1] if i == 2 and len(numbers) > 1 else numbers[0]
        user_id = number.user_ids[0] if number.user_ids else None
        contact_id, display = rng.choice(callers) if callers else (None, _fill(rng, CALLER_PLANS[0]))
        started = SEED_EPOCH - 300 + i * 60
        answered = i != 1
        ws.calls[call_id] = Call(
            id=call_id,
            sid=_uuid(rng),
            direction="inbound",
            status="answered" if answered else "initial",
            started_at=started,
            answered_at=started + 8 if answered else None,
            ended_at=None,
            raw_digits=display,
            missed_call_reason=None,
            number_id=number.id,
            user_id=user_id if answered else None,
            contact_id=contact_id,
            team_ids=list(teams_of.get(user_id, []))[:1] if user_id else [],
        )
    ws.start_counter("call", call_id + 1000)


def _past_call(  # noqa: C901 - seed data: one branch per kind of call the sandbox fakes
    ws: Workspace,
    rng: random.Random,
    *,
    call_id: int,
    started: int,
    numbers: list[Number],
    callers: list[tuple[int, str]],
    tag_ids: list[int],
    teams_of: dict[int, list[int]],
) -> Call:
    number = rng.choice(numbers)
    staff = number.user_ids or list(ws.users)[:1]
    inbound = rng.random() < 0.62
    anonymous = inbound and rng.random() < 0.04
    contact_id: int | None = None
    if anonymous:
        raw = "anonymous"
    elif callers and rng.random() < 0.65:
        contact_id, raw = rng.choice(callers)
    else:
        raw = _fill(rng, rng.choice(CALLER_PLANS))
    answered = rng.random() < (0.72 if inbound else 0.8)
    ring = rng.randint(3, 35)
    talk = int(rng.expovariate(1 / 240)) + 15 if answered else 0
    user_id = rng.choice(staff) if answered or not inbound else None
    call = Call(
        id=call_id,
        sid=_uuid(rng),
        direction="inbound" if inbound else "outbound",
        status="done",
        started_at=started,
        answered_at=started + ring if answered else None,
        ended_at=started + ring + talk,
        raw_digits=raw,
        missed_call_reason=_weighted(rng, MISSED_INBOUND) if inbound and not answered else None,
        number_id=number.id,
        user_id=user_id,
        contact_id=contact_id,
        archived=started < SEED_EPOCH - 120 * DAY and rng.random() < 0.3,
    )
    if inbound and user_id is not None:
        call.team_ids = list(teams_of.get(user_id, []))[:1]
    if answered and (number.live_recording_activated or rng.random() < 0.3):
        call.recording = f"https://recordings.aircall.example/calls/{call.sid}/recording.mp3"
    if inbound and not answered:
        if call.missed_call_reason != "short_abandoned" and rng.random() < 0.5:
            call.voicemail = f"https://recordings.aircall.example/calls/{call.sid}/voicemail.mp3"
        if rng.random() < 0.2:
            call.assigned_to = rng.choice(staff)
    if answered and rng.random() < 0.15:
        for k in range(rng.randint(1, 3)):
            posted = (call.ended_at or started) + 60 * (k + 1)
            call.comments.append(Comment(ws.next_id("comment"), rng.choice(COMMENTS), posted, user_id))
    if tag_ids and rng.random() < 0.3:
        for tid in rng.sample(tag_ids, k=min(len(tag_ids), rng.randint(1, 2))):
            call.tags.append(CallTag(tid, (call.ended_at or started) + 30, user_id))
    if call.recording and rng.random() < 0.12:
        user = ws.users.get(user_id) if user_id is not None else None
        call.insights = insights.generate(rng, call, user.name if user else "Agent")
    return call


def _webhooks(ws: Workspace, rng: random.Random, count: int) -> None:
    presets: tuple[tuple[str, str, list[str]], ...] = (
        ("CRM sync", "https://hooks.lumen-co.example/aircall/crm", ["call.ended", "call.tagged", "contact.created"]),
        ("Analytics", "https://analytics.lumen-co.example/ingest", list(ALL_EVENTS)),
        ("Slack alerts", "https://hooks.slack.example/services/T000/B000", ["call.voicemail_left"]),
    )
    for i in range(count):
        name, url, events = presets[i % len(presets)]
        wid = 7_001 + i
        ws.webhooks[wid] = Webhook(
            id=wid,
            webhook_id=_uuid(rng),
            custom_name=name if i < len(presets) else f"{name} {i + 1}",
            url=url,
            active=i != 2,
            token=f"{rng.getrandbits(128):032x}",
            events=list(events),
            created_at=SEED_EPOCH - rng.randrange(30, 500) * DAY - rng.randrange(DAY),
        )
    ws.start_counter("webhook", 7_001 + count)


def _campaigns(ws: Workspace, rng: random.Random) -> None:
    users = list(ws.users.values())
    next_number = 81_001
    if len(users) > 2:
        owner = users[2]
        campaign = DialerCampaign(9_001, owner.default_number_id, SEED_EPOCH - 3 * DAY)
        for k in range(3):
            value = "+" + digits(_fill(rng, CALLER_PLANS[k % len(CALLER_PLANS)]))
            campaign.numbers.append(CampaignNumber(next_number, value, k == 0, SEED_EPOCH - 3 * DAY))
            next_number += 1
        ws.campaigns[owner.id] = campaign
    ws.start_counter("campaign", 9_002)
    ws.start_counter("campaign_number", next_number)


def describe(ws: Workspace) -> dict[str, Any]:
    """Object counts, for logs and benchmarks."""
    return {k: len(getattr(ws, k)) for k in ("users", "teams", "numbers", "tags", "contacts", "calls", "webhooks")}
