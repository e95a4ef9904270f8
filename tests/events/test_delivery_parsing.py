"""parse_delivery on Aircall's real envelope (a trimmed capture, koenverduijn/aircall webhookPayload.json, 2022)."""

from __future__ import annotations

from typing import Any

import pytest

from aircall_mcp.events import DeliveryError, parse_delivery

REAL_USER_CONNECTED: dict[str, Any] = {
    "resource": "user",
    "event": "user.connected",
    "timestamp": 1646392359,
    "token": "58ffd2bc5f3113f7bebf210a49299a1b",
    "data": {
        "id": 736640,
        "direct_link": "https://api.aircall.io/v1/users/736640",
        "name": "Koen Test RrNuYErJ74",
        "available": True,
        "availability_status": "available",
        "numbers": [{"id": 392330, "digits": "+61 2 8310 9650"}],
    },
}


def test_a_real_delivery_parses_to_its_identity_and_token() -> None:
    event, token = parse_delivery(REAL_USER_CONNECTED)

    assert event.identity == "user:736640:user.connected:1646392359"
    assert token == REAL_USER_CONNECTED["token"]
    assert "token" not in event.to_json()


def test_the_resource_defaults_to_the_events_family_when_aircall_omits_it() -> None:
    body = {k: v for k, v in REAL_USER_CONNECTED.items() if k != "resource"}
    assert parse_delivery(body)[0].resource == "user"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": True}, "timestamp"),
        ({"event": "connected"}, "event"),
        ({"data": []}, "data"),
        ({"token": ""}, "token"),
    ],
)
def test_a_malformed_delivery_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(DeliveryError, match=field):
        parse_delivery({**REAL_USER_CONNECTED, **change})
