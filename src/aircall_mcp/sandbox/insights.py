"""Conversation-intelligence data for a call. Shapes are unconfirmed upstream, so they stay small and plausible."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aircall_mcp.sandbox.state import Call

# Envelope key -> the GET path suffix serving it (/v1/calls/{id}/<suffix>).
INSIGHT_PATHS: dict[str, str] = {
    "transcription": "transcription",
    "sentiment": "sentiments",
    "topic": "topics",
    "summary": "summary",
    "action_items": "action_items",
    "playbook_result": "playbook_result",
    "evaluations": "evaluations",
    "csat": "predicted_csat",
    "custom_summary_result": "custom_summary_result",
}

_TOPICS = ("pricing", "renewal", "onboarding", "invoice", "integration", "outage", "contract", "delivery")
_LINES = (
    ("internal", "Hello, thanks for calling, how can I help you today?"),
    ("external", "Hi, I'm calling about our subscription renewal."),
    ("internal", "Of course, let me pull up your account."),
    ("external", "We would also like to add a few seats for the new team."),
    ("internal", "I can send you an updated quote by email this afternoon."),
    ("external", "Perfect, thank you very much."),
)


def generate(rng: random.Random, call: Call, agent_name: str) -> dict[str, Any]:
    """Every insight for one answered, recorded call, keyed by the envelope name its endpoint uses."""
    cid, created = call.id, call.started_at
    ended = call.ended_at or created
    topics = rng.sample(_TOPICS, k=3)
    score = round(rng.uniform(2.0, 5.0), 1)
    t = 0.0
    utterances = []
    for who, line in _LINES:
        start, t = t, t + rng.uniform(2.0, 9.0)
        utterances.append(
            {"start_time": round(start, 2), "end_time": round(t, 2), "text": line, "participant_type": who}
        )
    return {
        "transcription": {
            "id": cid + 1,
            "call_id": cid,
            "call_created_at": created,
            "type": "call",
            "content": {"language": "en", "utterances": utterances},
        },
        "sentiment": {
            "id": cid + 2,
            "call_id": cid,
            "participants": [
                {"participant_type": "internal", "value": "POSITIVE"},
                {"participant_type": "external", "value": rng.choice(("POSITIVE", "NEUTRAL", "NEGATIVE"))},
            ],
        },
        "topic": {"id": cid + 3, "call_id": cid, "content": topics},
        "summary": {
            "id": cid + 4,
            "call_id": cid,
            "content": f"{agent_name} discussed {topics[0]} and {topics[1]} with the caller and agreed next steps.",
        },
        "action_items": [
            {
                "id": cid + 5,
                "call_id": cid,
                "content": f"Send an updated quote covering {topics[0]}.",
                "created_at": ended,
            },
            {"id": cid + 6, "call_id": cid, "content": "Schedule a follow-up call next week.", "created_at": ended},
        ],
        "playbook_result": {
            "id": cid + 7,
            "call_id": cid,
            "playbook_name": "Discovery call",
            "score": rng.randint(40, 100),
            "topics": [{"name": n, "covered": rng.random() < 0.7} for n in ("Greeting", "Needs", "Next steps")],
        },
        "evaluations": [
            {
                "id": cid + 8,
                "call_id": cid,
                "scorecard_name": "Quality assurance",
                "score": rng.randint(6, 10),
                "max_score": 10,
                "criteria": [{"name": "Empathy", "score": rng.randint(1, 5), "max_score": 5}],
            }
        ],
        "csat": {
            "call_id": cid,
            "call_uuid": call.sid,
            "score": score,
            "drivers": [
                {"polarity": "positive", "label": "Quick resolution"},
                {"polarity": "negative" if score < 3.5 else "positive", "label": "Wait time"},
            ],
        },
        "custom_summary_result": {
            "id": cid + 9,
            "call_id": cid,
            "template_name": "Sales handoff",
            "content": [
                {"question": "What does the customer need?", "answer": f"Help with {topics[0]}."},
                {"question": "Budget confirmed?", "answer": rng.choice(("Yes", "No", "Not discussed"))},
            ],
        },
    }
