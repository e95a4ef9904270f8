"""Pydantic models of tool inputs and outputs: `common` holds the shared bases, one module per area."""
