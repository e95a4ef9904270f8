"""The server tests' harness (one sandbox, one grants directory, one audit file), reused here."""

from tests.server.conftest import harness, start_harness

__all__ = ["harness", "start_harness"]
