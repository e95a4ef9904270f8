"""The audit trail: one hash-chained JSON line per tool call, with a sentence a person can read.

``AuditLog.record(AuditEvent(...))`` writes a line; ``verify`` checks a file's chain; ``tail`` prints the
summaries. See event.py for the vocabulary, sink.py for how lines are appended safely, chain.py for the
hash chain and verify.py for what tampering it reveals.
"""

from aircall_mcp.audit.event import DECISIONS, PHASES, TRANSPORTS, AuditEvent, Decision, Phase, Transport
from aircall_mcp.audit.scrub import MASK, Scrubber
from aircall_mcp.audit.sink import AuditLog, AuditUnavailable, FsyncPolicy
from aircall_mcp.audit.summary import summarize
from aircall_mcp.audit.tail import tail, tail_command
from aircall_mcp.audit.verify import Problem, VerifyReport, rotated_files, verify, verify_command

__all__ = [
    "DECISIONS",
    "MASK",
    "PHASES",
    "TRANSPORTS",
    "AuditEvent",
    "AuditLog",
    "AuditUnavailable",
    "Decision",
    "FsyncPolicy",
    "Phase",
    "Problem",
    "Scrubber",
    "Transport",
    "VerifyReport",
    "rotated_files",
    "summarize",
    "tail",
    "tail_command",
    "verify",
    "verify_command",
]
