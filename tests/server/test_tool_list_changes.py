"""A grant edit changes what an agent may see; its client is told, and a re-list shows the new tools."""

from __future__ import annotations

from typing import Any

import mcp_types as types

from tests.server.conftest import Harness


async def test_a_grant_edit_tells_a_handshake_era_client_its_tools_changed(harness: Harness) -> None:
    harness.write_grant("growing", "areas: {tags: read}\n")
    notifications: list[str] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ServerNotification):
            notifications.append(message.method)

    async with harness.connect("growing", mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities is not None
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.tools.list_changed is True
        before = {tool.name for tool in (await client.list_tools()).tools}
        assert not (await client.call_tool("list_tags", {})).is_error
        assert notifications == []  # nothing changed yet

        harness.write_grant("growing", "areas: {tags: write}\n")
        assert not (await client.call_tool("list_tags", {})).is_error
        assert not (await client.call_tool("list_tags", {})).is_error  # told once per change, not per call
        after = {tool.name for tool in (await client.list_tools()).tools}

    assert notifications.count("notifications/tools/list_changed") == 1
    assert after - before == {"create_tag", "update_tag"}
