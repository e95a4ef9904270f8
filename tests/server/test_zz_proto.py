import json
import os
import pytest
import mcp_types as types
from hypothesis import given, settings, HealthCheck, strategies as st

@pytest.mark.parametrize("mode", ["legacy", "auto"])
@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_proto(harness, mode, answer):
    harness.write_grant("conf", "areas: {tags: full}\ntools: {confirm: [delete_tag]}\n")
    seen = []
    async def cb(ctx, params):
        seen.append(params)
        if answer == "accept":
            return types.ElicitResult(action="accept", content={"approve": True})
        return types.ElicitResult(action="decline")
    async with harness.connect("conf", mode=mode, elicitation_callback=cb) as c:
        r = await c.call_tool("delete_tag", {"tag_id": 64001})
        print(mode, answer, r.is_error, r.content[0].text[:300], seen)
    async with harness.connect("conf", mode=mode) as c:
        r = await c.call_tool("delete_tag", {"tag_id": 64002})
        print("nocap", r.is_error, r.content[0].text[:300])
    print(harness.requests)
    print([ (l["decision"], l["phase"]) for l in harness.audit_lines()])

@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.integers(0, 3))
async def test_hyp(harness, x):
    async with harness.connect("tester") as c:
        r = await c.call_tool("get_tag", {"tag_id": 64001 + x})
        print(x, r.is_error, len(harness.requests))
