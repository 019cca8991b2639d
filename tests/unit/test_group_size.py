"""The chunk consumers' assignor: plain round robin, plus the group's size for every member."""

from __future__ import annotations

from aiokafka.coordinator.protocol import ConsumerProtocol

from render_service.planning.group_size import GroupSizeAssignor


class Cluster:
    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(8))


def test_every_member_learns_the_group_size_and_gets_alternate_partitions() -> None:
    leader = GroupSizeAssignor()
    members = {m: leader.metadata(["label-export.chunks"]) for m in ("member-b", "member-a", "member-c")}
    assignment = leader.assign(Cluster(), members)

    owned = {m: a.partitions() for m, a in assignment.items()}
    assert [p.partition for p in owned["member-a"]] == [0, 3, 6]
    assert [p.partition for p in owned["member-b"]] == [1, 4, 7]
    assert [p.partition for p in owned["member-c"]] == [2, 5]
    for member, given in assignment.items():
        # What the member receives goes over the wire as bytes, like from the coordinator.
        received = ConsumerProtocol.ASSIGNMENT.decode(given.encode())
        follower = GroupSizeAssignor()
        assert follower.members is None
        follower.on_assignment(received)
        assert follower.members == 3, member


def test_an_assignment_without_the_size_leaves_it_unknown() -> None:
    """A plain round-robin leader (a replica of an older version) sends empty user data."""
    follower = GroupSizeAssignor()
    follower.members = 2
    given = GroupSizeAssignor().assign(Cluster(), {"m": GroupSizeAssignor().metadata(["t"])})["m"]
    follower.on_assignment(type(given)(given.version, given.assignment, b""))
    assert follower.members is None
