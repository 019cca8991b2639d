"""How many replicas share the chunk work, learned from the consumer group's own assignment.

The planner makes a job's chunk count a multiple of this, so every replica gets an equal share
and no chunk is as small as it would be if the count were a multiple of the partitions (small
chunks make parts under S3's 5 MiB copy minimum, and assembly must then stream them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment


class GroupSizeAssignor(RoundRobinPartitionAssignor):  # type: ignore[misc]
    """Round robin — a topic's partitions dealt out alternately, so a job's consecutive chunks (on
    consecutive partitions) land on different replicas — that also tells every member the group's
    size: the leader computes the assignment and writes the member count into each member's
    assignment user data. One instance per consumer (aiokafka accepts instances as assignors)."""

    name = "roundrobin-group-size"

    def __init__(self) -> None:
        self.members: int | None = None  # unknown until the consumer first joins

    def assign(self, cluster: Any, members: Mapping[str, Any]) -> dict[str, ConsumerProtocolMemberAssignment]:
        plain = RoundRobinPartitionAssignor.assign(cluster, members)
        size = str(len(members)).encode()
        return {
            member: ConsumerProtocolMemberAssignment(a.version, a.assignment, size)
            for member, a in plain.items()
        }

    def on_assignment(self, assignment: ConsumerProtocolMemberAssignment) -> None:
        try:
            self.members = int(assignment.user_data) or None
        except ValueError:
            self.members = None
