"""Which agent an OAuth principal is: the grant files' `oauth:` sections, indexed.

A principal is an agent when its client id, its subject or one of its groups is listed in that agent's grant.
It must be exactly one agent: two matching grants are a configuration error, refused and logged, never
resolved by file order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from aircall_mcp.grants import Grant
from aircall_mcp.oauth.tokens import Principal


@dataclass(frozen=True, slots=True)
class PrincipalIndex:
    """client id / subject / group -> the agents whose grant lists it."""

    clients: dict[str, frozenset[str]]
    subjects: dict[str, frozenset[str]]
    groups: dict[str, frozenset[str]]

    @classmethod
    def build(cls, grants: Iterable[Grant]) -> PrincipalIndex:
        clients: defaultdict[str, set[str]] = defaultdict(set)
        subjects: defaultdict[str, set[str]] = defaultdict(set)
        groups: defaultdict[str, set[str]] = defaultdict(set)
        for grant in grants:
            for name in grant.oauth.clients:
                clients[name].add(grant.agent)
            for name in grant.oauth.subjects:
                subjects[name].add(grant.agent)
            for name in grant.oauth.groups:
                groups[name].add(grant.agent)
        return cls(_frozen(clients), _frozen(subjects), _frozen(groups))

    def agents_for(self, principal: Principal) -> frozenset[str]:
        found: set[str] = set()
        if principal.client_id is not None:
            found |= self.clients.get(principal.client_id, frozenset())
        if principal.subject is not None:
            found |= self.subjects.get(principal.subject, frozenset())
        for group in principal.groups:
            found |= self.groups.get(group, frozenset())
        return frozenset(found)


def _frozen(index: defaultdict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {name: frozenset(agents) for name, agents in index.items()}
