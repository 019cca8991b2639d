"""shared/kafka.py is the one place that constructs Kafka clients, so every producer, consumer
and admin client (of both services, devtools, the tests' helpers and the benchmarks) carries the
security settings (docs/security.md#kafka). Checked on every call in the tree with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("api_service", "render_service", "shared", "labelkit", "devtools", "tests", "bench", "scripts")
CLIENTS = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"}
THE_ONE_PLACE = ROOT / "shared" / "kafka.py"


def client_constructions(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in CLIENTS:
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}(...)")
    return found


def test_only_shared_kafka_constructs_kafka_clients() -> None:
    files = [p for folder in FOLDERS if (ROOT / folder).exists() for p in (ROOT / folder).rglob("*.py")]
    assert THE_ONE_PLACE in files
    elsewhere = [hit for path in files if path != THE_ONE_PLACE for hit in client_constructions(path)]
    assert elsewhere == [], "build Kafka clients with shared.kafka.make_producer/make_consumer/make_admin"
    assert len(client_constructions(THE_ONE_PLACE)) == 3


def test_the_check_sees_plain_and_qualified_calls(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import aiokafka\np = aiokafka.AIOKafkaProducer()\nc = AIOKafkaConsumer('t')\n")
    assert sorted(client_constructions(module, tmp_path)) == [
        "m.py:2 AIOKafkaProducer(...)",
        "m.py:3 AIOKafkaConsumer(...)",
    ]
