"""Context cost as numbers: the size of tools/list, and of list results against Aircall's raw JSON.

Every byte the server sends an agent (tool definitions once per session, results on every call) is paid for in
its context window, so this prints the figures to watch:

1. tools/list as it goes on the wire (every tool, and the subset each packaged example grant shows),
   split into descriptions, input schemas and output schemas, against the budget (issue 15: no larger than
   before messaging was added), then per area and per tool, so a change can see where the bytes go.
2. One page (per_page=50) of each list tool from the embedded sandbox: bytes per object in Aircall's raw JSON
   versus in our shaped result, and the saving.

Loopback only (the sandbox listens on 127.0.0.1), about a second, exit 0.
Run: .venv/bin/python benchmarks/context_bench.py (or `make bench`).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import mcp_types

from aircall_mcp.catalogue import CATALOGUE, by_name, to_mcp_tool
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.results import compact_json, shape_result
from aircall_mcp.sandbox import SandboxConfig, running_sandbox

REPO = Path(__file__).resolve().parent.parent
GRANTS_DIR = REPO / "src" / "aircall_mcp" / "examples" / "grants"
LIST_TOOLS = (
    "list_calls",
    "list_contacts",
    "list_users",
    "list_numbers",
    "list_teams",
    "list_tags",
    "list_webhooks",
    "list_sms_templates",
)
PER_PAGE = 50
# The full tools/list before issue 15 added messaging, the AI Voice Agent call and analytics (72 tools): the
# catalogue may grow, this may not.
TOOLS_LIST_BUDGET = 86_391
# A rough rule for English text and JSON with common tokenizers; real counts vary by model (often 3-4.5 B/token).
BYTES_PER_TOKEN = 4


def nbytes(value: Any) -> int:
    """UTF-8 size of `value` as compact JSON, the way results and tool lists are sent (non-ASCII kept as is)."""
    return len(compact_json(value).encode("utf-8"))


def tokens(size: int) -> str:
    return f"~{size / BYTES_PER_TOKEN:,.0f}"


# ------------------------------------------------------------------------------------------------- tools/list


def report_tools_list() -> None:
    endpoints = list(CATALOGUE)
    result = mcp_types.ListToolsResult(tools=[to_mcp_tool(ep) for ep in endpoints])
    wire = result.model_dump(by_alias=True, exclude_none=True, mode="json")
    total = nbytes(wire)
    tools: list[dict[str, Any]] = wire["tools"]
    per_tool = {tool["name"]: nbytes(tool) for tool in tools}
    descriptions = sum(nbytes(tool.get("description", "")) for tool in tools)
    inputs = sum(nbytes(tool.get("inputSchema", {})) for tool in tools)
    outputs = sum(nbytes(tool.get("outputSchema", {})) for tool in tools)
    other = total - descriptions - inputs - outputs
    biggest = max(per_tool, key=per_tool.__getitem__)
    smallest = min(per_tool, key=per_tool.__getitem__)

    print("1. tools/list (ListToolsResult, by_alias, exclude_none, compact JSON, UTF-8)")
    print(f"   tools                     {len(tools):>8}")
    print(f"   total bytes               {total:>8,}   {tokens(total)} tokens (approximation: bytes/{BYTES_PER_TOKEN})")
    verdict = "within" if total <= TOOLS_LIST_BUDGET else "OVER"
    print(f"   budget                    {TOOLS_LIST_BUDGET:>8,}   {verdict} ({TOOLS_LIST_BUDGET - total:+,} to spare)")
    print(f"   bytes per tool, mean      {statistics.mean(per_tool.values()):>8,.0f}")
    print(f"   bytes per tool, median    {statistics.median(per_tool.values()):>8,.0f}")
    print(f"   bytes per tool, max       {per_tool[biggest]:>8,}   ({biggest})")
    print(f"   bytes per tool, min       {per_tool[smallest]:>8,}   ({smallest})")
    print("   split:")
    for label, size in (
        ("descriptions", descriptions),
        ("input schemas", inputs),
        ("output schemas", outputs),
        ("names, titles, annotations, framing", other),
    ):
        print(f"     {label:<36}{size:>8,}  {100 * size / total:5.1f}%")

    report_parts(tools)
    report_areas(endpoints, per_tool)
    print("   every tool, largest first (total = description + inputSchema + outputSchema + rest):")
    by_size = sorted(tools, key=lambda tool: per_tool[tool["name"]], reverse=True)
    print(f"     {'tool':<36}{'total':>7}{'descr':>7}{'input':>7}{'output':>7}{'rest':>6}")
    for tool in by_size:
        parts = [nbytes(tool.get(key, "" if key == "description" else {})) for key in _PARTS]
        rest = per_tool[tool["name"]] - sum(parts)
        print(
            f"     {tool['name']:<36}{per_tool[tool['name']]:>7,}" + "".join(f"{p:>7,}" for p in parts) + f"{rest:>6,}"
        )
    print()
    report_grant_subsets(total)


_PARTS = ("description", "inputSchema", "outputSchema")


def report_parts(tools: list[dict[str, Any]]) -> None:
    """Where the bytes inside the parts go: what is repeated across tools is where a change can save."""
    framing = sum(nbytes({"name": t["name"], "title": t.get("title", "")}) for t in tools)
    annotations = sum(nbytes(t.get("annotations", {})) for t in tools)
    webhook = sum(len(t["description"].partition(" Triggers webhook event ")[2]) + 24 for t in tools
                  if " Triggers webhook event " in t["description"])  # fmt: skip
    schema_descriptions = sum(
        _described_bytes(t.get(key, {})) for t in tools for key in ("inputSchema", "outputSchema")
    )
    outputs = [compact_json(t.get("outputSchema", {})) for t in tools]
    repeated = sum(len(o.encode()) for i, o in enumerate(outputs) if o in outputs[:i])
    print("   inside the parts:")
    for label, size in (
        ("names and titles", framing),
        ("annotations", annotations),
        ("'Triggers webhook event ...' sentences", webhook),
        ("schema field descriptions", schema_descriptions),
        ("output schemas identical to an earlier one", repeated),
    ):
        print(f"     {label:<44}{size:>8,}")


def _described_bytes(node: Any) -> int:
    if isinstance(node, dict):
        own = nbytes(node["description"]) + len('"description":,') if isinstance(node.get("description"), str) else 0
        return own + sum(_described_bytes(value) for value in node.values())
    if isinstance(node, list):
        return sum(_described_bytes(item) for item in node)
    return 0


def report_areas(endpoints: list[Endpoint], per_tool: dict[str, int]) -> None:
    totals: dict[str, list[int]] = {}
    for endpoint in endpoints:
        totals.setdefault(endpoint.area.value, []).append(per_tool[endpoint.name])
    print("   per area:")
    print(f"     {'area':<12}{'tools':>6}{'bytes':>9}{'mean':>7}")
    for area, sizes in sorted(totals.items(), key=lambda kv: -sum(kv[1])):
        print(f"     {area:<12}{len(sizes):>6}{sum(sizes):>9,}{sum(sizes) / len(sizes):>7,.0f}")


def report_grant_subsets(full_total: int) -> None:
    """What each example grant's agent sees: the list is filtered per grant, so this is its real cost."""
    try:
        from aircall_mcp.grants import GrantStore, decide
    except ImportError as exc:
        print(f"   per-grant subsets: skipped (aircall_mcp.grants has no GrantStore/decide: {exc})")
        return
    try:
        store = GrantStore(GRANTS_DIR, CATALOGUE)
        agents = store.agents()
    except (TypeError, AttributeError, OSError) as exc:
        print(f"   per-grant subsets: skipped (GrantStore API differs: {exc})")
        return
    if not agents:
        print(f"   per-grant subsets: skipped (no grant files in {GRANTS_DIR})")
        return
    print(f"   per-grant visible subsets (example grants in {GRANTS_DIR.relative_to(REPO)}/):")
    print(f"     {'agent':<18}{'tools':>6}{'bytes':>9}{'tokens':>9}{'of full':>9}")
    for agent in agents:
        grant = store.grant_for(agent)
        visible = [ep for ep in CATALOGUE if decide(grant, ep).allowed]
        result = mcp_types.ListToolsResult(tools=[to_mcp_tool(ep) for ep in visible])
        size = nbytes(result.model_dump(by_alias=True, exclude_none=True, mode="json"))
        note = "" if grant.denied_because is None else f"  (deny-all: {grant.denied_because})"
        print(f"     {agent:<18}{len(visible):>6}{size:>9,}{tokens(size):>9}{100 * size / full_total:>8.0f}%{note}")
    print()


# ----------------------------------------------------------------------------------------------- list results


async def fetch_pages() -> list[tuple[Endpoint, Any, int]]:
    """One raw page per list tool from a default-sized sandbox: (endpoint, parsed body, body bytes on the wire)."""
    pages: list[tuple[Endpoint, Any, int]] = []
    # No rate limit: seven requests would not hit it anyway, but the figures must never depend on it.
    async with (
        running_sandbox(SandboxConfig(rate_limit=None)) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth, timeout=10.0) as http,
    ):
        for name in LIST_TOOLS:
            endpoint = by_name(name)
            if endpoint is None or endpoint.list_key is None:
                raise SystemExit(f"{name} is not a list tool of the catalogue")
            response = await http.get(endpoint.path, params={"per_page": PER_PAGE})
            response.raise_for_status()
            pages.append((endpoint, response.json(), len(response.content)))
    return pages


def report_list_results(pages: list[tuple[Endpoint, Any, int]]) -> None:
    print(f"2. List results, one page of per_page={PER_PAGE} from the sandbox (default seed and sizes)")
    print("   raw  = each item of Aircall's JSON re-serialized compact; ours = each item of shape_result, compact.")
    print("   page = whole payload: Aircall's response body as sent vs our compact_json(shape_result(...)).")
    header = (
        f"   {'tool':<19}{'items':>6}{'raw B/obj':>11}{'ours B/obj':>12}{'saving':>8}"
        f"{'raw page':>10}{'our page':>10}{'saving':>8}{'our tokens':>12}"
    )
    print(header)
    print("   " + "-" * (len(header) - 3))
    raw_sum = ours_sum = raw_page_sum = our_page_sum = 0
    for endpoint, raw, wire_bytes in pages:
        assert endpoint.list_key is not None
        args = endpoint.input_model.model_validate({"per_page": PER_PAGE})
        shaped = shape_result(endpoint, args, raw)
        raw_items = raw.get(endpoint.list_key, []) if isinstance(raw, dict) else raw
        our_items = shaped.get(endpoint.list_key, [])
        if len(raw_items) != len(our_items):
            print(f"   !! {endpoint.name}: {len(raw_items)} raw items but {len(our_items)} shaped ones")
        count = len(raw_items)
        raw_total = sum(nbytes(item) for item in raw_items)
        our_total = sum(nbytes(item) for item in our_items)
        our_page = len(compact_json(shaped).encode("utf-8"))
        raw_sum += raw_total
        ours_sum += our_total
        raw_page_sum += wire_bytes
        our_page_sum += our_page
        per_raw = raw_total / count if count else 0.0
        per_ours = our_total / count if count else 0.0
        print(
            f"   {endpoint.name:<19}{count:>6}{per_raw:>11,.0f}{per_ours:>12,.0f}{saving(raw_total, our_total):>8}"
            f"{wire_bytes:>10,}{our_page:>10,}{saving(wire_bytes, our_page):>8}{tokens(our_page):>12}"
        )
    print("   " + "-" * (len(header) - 3))
    print(
        f"   {'all':<19}{'':>6}{'':>11}{'':>12}{saving(raw_sum, ours_sum):>8}"
        f"{raw_page_sum:>10,}{our_page_sum:>10,}{saving(raw_page_sum, our_page_sum):>8}{tokens(our_page_sum):>12}"
    )
    print()
    report_heaviest_fields(pages)


def report_heaviest_fields(pages: list[tuple[Endpoint, Any, int]]) -> None:
    """Where the bytes of our shaped items go: the top-level fields that weigh most, per tool."""
    print("   heaviest top-level fields of our shaped items (share of the item bytes, key + value):")
    for endpoint, raw, _ in pages:
        assert endpoint.list_key is not None
        args = endpoint.input_model.model_validate({"per_page": PER_PAGE})
        items = shape_result(endpoint, args, raw).get(endpoint.list_key, [])
        weights: dict[str, int] = {}
        for item in items:
            for key, value in item.items():
                weights[key] = weights.get(key, 0) + nbytes(key) + 1 + nbytes(value)
        total = sum(nbytes(item) for item in items) or 1
        top = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)[:4]
        shown = ", ".join(f"{key} {100 * size / total:.0f}%" for key, size in top)
        print(f"     {endpoint.name:<19}{shown}")


def saving(before: int, after: int) -> str:
    return f"{100 * (before - after) / before:.0f}%" if before else "-"


def main() -> int:
    started = time.perf_counter()
    report_tools_list()
    pages = asyncio.run(fetch_pages())
    report_list_results(pages)
    print(f"\n(done in {time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
