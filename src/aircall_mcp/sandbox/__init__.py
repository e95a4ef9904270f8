"""A local Aircall: a seeded company served over real HTTP, with Aircall's rules, limits and failures.

async with running_sandbox(SandboxConfig(calls=300)) as sb:
    httpx2.get(f"{sb.base_url}/v1/calls", auth=sb.auth)
"""

from aircall_mcp.sandbox.app import Sandbox
from aircall_mcp.sandbox.config import SandboxConfig
from aircall_mcp.sandbox.faults import Faults
from aircall_mcp.sandbox.ratelimit import RateWindow
from aircall_mcp.sandbox.recorder import RecordedRequest
from aircall_mcp.sandbox.seed import SEED_EPOCH, build_workspace
from aircall_mcp.sandbox.serve import SandboxHandle, running_sandbox, serve, serve_forever
from aircall_mcp.sandbox.state import Workspace

__all__ = [
    "SEED_EPOCH",
    "Faults",
    "RateWindow",
    "RecordedRequest",
    "Sandbox",
    "SandboxConfig",
    "SandboxHandle",
    "Workspace",
    "build_workspace",
    "running_sandbox",
    "serve",
    "serve_forever",
]
