"""The schema cache shipped with the package: every catalogue tool's input and output schema, built once.

`python -m aircall_mcp.toolschemas` rewrites `aircall_mcp/tool_schemas.json` from the models; `--check` only
reports (exit status 1) when the file is stale. The server reads the file instead of running pydantic's schema
generation for every tool on every start; a test keeps the file equal to a live build.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from aircall_mcp.catalogue import CATALOGUE, SCHEMA_CACHE, live_schemas


def render() -> str:
    """The cache file's text: tool name -> [input schema, output schema], in catalogue order."""
    schemas: dict[str, Any] = {endpoint.name: list(live_schemas(endpoint)) for endpoint in CATALOGUE}
    return json.dumps(schemas, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aircall_mcp.toolschemas", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the cache differs from a live build")
    args = parser.parse_args(argv)
    text = render()
    current = SCHEMA_CACHE.read_text(encoding="utf-8") if SCHEMA_CACHE.exists() else ""
    if args.check:
        if current != text:
            sys.stderr.write(f"{SCHEMA_CACHE} is stale: run python -m aircall_mcp.toolschemas\n")
            return 1
        return 0
    if current != text:
        SCHEMA_CACHE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
