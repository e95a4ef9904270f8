"""aircall-mcp: the Aircall API as MCP tools, under per-agent grants, one shared rate budget and an audit trail."""

__version__ = "0.1.0"
