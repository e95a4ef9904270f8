"""Cost of shaping and redacting one list_calls page of 50, next to the cost of parsing its JSON.

The page comes from the embedded sandbox's seeded data (per_page=50), as Aircall sends it by default and with
fetch_contact=true (every call then carries its contact's phone numbers and emails). Figures per page, best of
300 runs (like timeit, the figure least disturbed by other load on the machine):

- json.loads of the raw body (the floor the issue compares with),
- results.shape_result,
- grants.filter_and_redact for several grants: none, recordings only, phone numbers and emails (no region and
  FR), and the same page with a national-format number written in every fifth call's comment (the slow
  phonenumbers matcher runs only on those strings),
- for each, the whole way from Aircall's parsed answer to what the agent reads: shaping, then filter_and_redact
  (two walks), next to grants.shaped_for (one walk that shapes and masks; what the server calls).

Loopback only, a few seconds, exit 0. Run: .venv/bin/python benchmarks/redact_bench.py
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from typing import Any

import httpx2

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.grants import GrantError, filter_and_redact, parse_grant, shaped_for
from aircall_mcp.results import shape_result
from aircall_mcp.sandbox import SandboxConfig, running_sandbox

LIST_CALLS = next(ep for ep in CATALOGUE if ep.name == "list_calls")
GRANTS = {
    "no redaction": "areas: {calls: read}",
    "recordings": "areas: {calls: read}\nredact: [recordings, voicemails]",
    "phones+emails": "areas: {calls: read}\nredact: [phone_numbers, emails]",
    "phones+emails FR": "areas: {calls: read}\nredact: [phone_numbers, emails]\nphone_region: FR",
}
# Distinct in each call, as real comments are (a repeated text would be masked once per page).
NATIONAL_COMMENT = "Rappeler au 06 12 34 56 {:02d} ou au bureau 01 76 11 11 45 avant jeudi."


async def fetch_pages() -> dict[str, bytes]:
    """The same page of 50 calls as Aircall sends it by default, and with each call's contact."""
    pages: dict[str, bytes] = {}
    async with (
        running_sandbox(SandboxConfig(rate_limit=None)) as sb,
        httpx2.AsyncClient(base_url=sb.base_url, auth=sb.auth, timeout=10.0) as http,
    ):
        for label, extra in (("plain", {}), ("fetch_contact=true", {"fetch_contact": "true"})):
            response = await http.get(LIST_CALLS.path, params={"per_page": 50, **extra})
            response.raise_for_status()
            pages[label] = response.content
    return pages


def per_call_us(run: Callable[[], Any], repeat: int = 300) -> float:
    """Best wall time of one `run()` over `repeat` runs, in microseconds (the least disturbed by other load)."""
    for _ in range(20):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1e6


def with_national_numbers(page: dict[str, Any]) -> dict[str, Any]:
    """The page (shaped, or as Aircall sends it) with a national number in every fifth call's comments."""
    page = copy.deepcopy(page)
    for i, call in enumerate(page["calls"][::5]):
        call.setdefault("comments", []).append({"id": 1, "content": NATIONAL_COMMENT.format(i), "posted_at": 0})
    return page


def report(label: str, body: bytes) -> None:
    data = json.loads(body)
    args = LIST_CALLS.input_model.model_validate({"per_page": 50, "fetch_contact": "contact" in label})
    shaped = shape_result(LIST_CALLS, args, data)
    noted = with_national_numbers(shaped)
    noted_data = with_national_numbers(data)
    print(f"list_calls page, {label}: {len(data['calls'])} calls, {len(body):,} bytes of JSON")
    parse = per_call_us(lambda: json.loads(body))
    shape = per_call_us(lambda: shape_result(LIST_CALLS, args, data))
    print(f"  {'json.loads (the floor)':<52}{parse:>8,.0f} us")
    print(f"  {'shape_result':<52}{shape:>8,.0f} us  {shape / parse:5.2f}x parse")
    for grant_label, text in GRANTS.items():
        try:
            grant = parse_grant(text, agent="bench", catalogue=CATALOGUE)
        except GrantError:  # phone_region on a build without it: the before/after comparison skips that grant
            print(f"  redact {grant_label}: not supported by this build")
            continue
        for page_label, page, raw in (("", shaped, data), (", national numbers in 10 comments", noted, noted_data)):
            cost = per_call_us(lambda grant=grant, page=page: filter_and_redact(grant, LIST_CALLS, page))
            name = f"redact {grant_label}{page_label}"
            print(f"  {name:<52}{cost:>8,.0f} us  {cost / parse:5.2f}x parse")
            two = per_call_us(
                lambda grant=grant, raw=raw: filter_and_redact(grant, LIST_CALLS, shape_result(LIST_CALLS, args, raw))
            )
            one = per_call_us(lambda grant=grant, raw=raw: shaped_for(grant, LIST_CALLS, args, raw))
            print(f"    {'shape, then redact (two walks)':<50}{two:>8,.0f} us  {two / parse:5.2f}x parse")
            print(f"    {'shape and redact in one walk (shaped_for)':<50}{one:>8,.0f} us  {one / parse:5.2f}x parse")


def main() -> None:
    for label, body in asyncio.run(fetch_pages()).items():
        report(label, body)


if __name__ == "__main__":
    main()
