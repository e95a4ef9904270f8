from __future__ import annotations

async def test_probe(served):
    async with served.connect(served.tokens["alpha"]) as c:
        tools = await c.list_tools()
        print(sorted(t.name for t in tools.tools))
        r = await c.call_tool("get_company", {})
        print(r.is_error, str(r.structured_content)[:200])
        r = await c.call_tool("list_tags", {})
        print(r.is_error, r.content)
    async with served.connect(served.tokens["beta"], mode="auto") as c:
        print(c.protocol_version, sorted(t.name for t in (await c.list_tools()).tools))
    async with served.http() as h:
        r = await h.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        print(r.status_code, r.headers.get("www-authenticate"), r.text)
        r = await h.get("/.well-known/oauth-protected-resource/mcp"); print(r.status_code)
        r = await h.get("/.well-known/oauth-protected-resource"); print(r.status_code)
        r = await h.get("/.well-known/oauth-authorization-server"); print(r.status_code)
        r = await h.get("/healthz"); print(r.status_code, r.text)
    print(served.audit_text()[:600])
