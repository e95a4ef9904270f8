"""State several replicas share: the in-process store, and the Redis store for fleets of replicas."""

from aircall_mcp.shared.store import MemoryStore, SharedStateUnavailable, SharedStore

__all__ = ["MemoryStore", "SharedStateUnavailable", "SharedStore"]
