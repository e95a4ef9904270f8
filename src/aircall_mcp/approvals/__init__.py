"""Operator approvals for tools.approve calls: a queue bound to exact arguments, and the call path's gate."""

from aircall_mcp.approvals.backend import (
    ApprovalsUnavailable,
    Backend,
    FileBackend,
    RedisBackend,
)
from aircall_mcp.approvals.gate import ApprovalGate, CallToApprove, GateAnswer, record_decision, step_event
from aircall_mcp.approvals.notify import Notifier, notification
from aircall_mcp.approvals.queue import ApprovalError, ApprovalQueue
from aircall_mcp.approvals.record import PendingApproval, arguments_hash

__all__ = [
    "ApprovalError",
    "ApprovalGate",
    "ApprovalQueue",
    "ApprovalsUnavailable",
    "Backend",
    "CallToApprove",
    "FileBackend",
    "GateAnswer",
    "Notifier",
    "PendingApproval",
    "RedisBackend",
    "arguments_hash",
    "notification",
    "record_decision",
    "step_event",
]
