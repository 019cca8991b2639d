"""One fake world of the chunk worker's ports (tests/service/fakes.py) and workers living in it."""

from __future__ import annotations

from render_service.chunks.worker import ChunkWorker
from tests.service.fakes import Clock, FakeEvents, FakeJoiner, FakeRenderer, FakeStorage, FakeStore


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.store = FakeStore(self.clock)
        self.storage = FakeStorage()
        self.renderer = FakeRenderer()
        self.joiner = FakeJoiner(self.storage)
        self.events = FakeEvents()

    def worker(self, name: str) -> ChunkWorker:
        return ChunkWorker(
            store=self.store,
            storage=self.storage,
            renderer=self.renderer,
            joiner=self.joiner,
            emitter=self.events,
            instance_id=name,
            progress_interval=0.0,
            assembly_lease=120,
            chunk_lease=15,
            storage_budget=1,
        )
