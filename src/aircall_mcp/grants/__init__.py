"""Per-agent grants: the single place that decides what an AI agent may do with the Aircall API.

One YAML file per agent (grants/<agent>.yaml). `GrantStore` reads and hot-reloads them; `decide` is the one
policy that both tools/list (`visible`) and tools/call (`authorize`) ask; `shaped_for` (or, on a result already
shaped, `filter_and_redact`) and `redact_arguments` apply the grant's call scope and masks to results and audited
arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aircall_mcp.grants.load import AGENT_NAME, agent_name_problem, load_grant, parse_grant
from aircall_mcp.grants.model import Grant, GrantError, Level, OAuthPrincipals, Problem, Redaction
from aircall_mcp.grants.policy import (
    Decision,
    authorize,
    check_call_scope,
    decide,
    is_call_tool,
    visible,
    visible_tools,
)
from aircall_mcp.grants.redact import (
    filter_and_redact,
    mask_email,
    mask_phone,
    mask_result_field,
    mask_text,
    redact_arguments,
    shaped_for,
)
from aircall_mcp.grants.store import GrantStore, check_directory, hash_token, mint_token

if TYPE_CHECKING:
    from aircall_mcp.grants.describe import describe

__all__ = [
    "AGENT_NAME",
    "Decision",
    "Grant",
    "GrantError",
    "GrantStore",
    "Level",
    "OAuthPrincipals",
    "Problem",
    "Redaction",
    "agent_name_problem",
    "authorize",
    "check_call_scope",
    "check_directory",
    "decide",
    "describe",
    "filter_and_redact",
    "hash_token",
    "is_call_tool",
    "load_grant",
    "mask_email",
    "mask_phone",
    "mask_result_field",
    "mask_text",
    "mint_token",
    "parse_grant",
    "redact_arguments",
    "shaped_for",
    "visible",
    "visible_tools",
]


def __getattr__(name: str) -> Any:
    # `describe` serves the `grants show` command only: a server does not import it at start-up.
    if name == "describe":
        from aircall_mcp.grants.describe import describe  # noqa: PLC0415 - lazy, see above

        globals()[name] = describe
        return describe
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
