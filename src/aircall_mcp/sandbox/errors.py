"""The error replies Aircall gives, raised by handlers and turned into JSON by the app."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class ApiError(Exception):
    """An Aircall application error: body {"error": "<HTTP reason>", "troubleshoot": "..."} plus extras."""

    def __init__(self, status: int, troubleshoot: str, **extra: Any) -> None:
        super().__init__(troubleshoot)
        self.status = status
        self.troubleshoot = troubleshoot
        self.extra = extra

    @property
    def body(self) -> dict[str, Any]:
        return {"error": HTTPStatus(self.status).phrase, "troubleshoot": self.troubleshoot, **self.extra}

    @classmethod
    def bad_request(cls, troubleshoot: str) -> ApiError:
        return cls(400, troubleshoot)

    @classmethod
    def not_found(cls, troubleshoot: str) -> ApiError:
        return cls(404, troubleshoot)

    @classmethod
    def not_allowed(cls, troubleshoot: str, **extra: Any) -> ApiError:
        """405 is Aircall's *state* error (user unavailable, recording disabled), not a wrong HTTP method."""
        return cls(405, troubleshoot, **extra)

    @classmethod
    def unprocessable(cls, troubleshoot: str, **extra: Any) -> ApiError:
        return cls(422, troubleshoot, **extra)
