"""The `labels` CLI: argument handling, exit codes, and `--json` output, against the scripted API.

`main()` runs its own event loop, so it is called in a worker thread while the scripted server
answers on the test's loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from label_client.cli import build_parser, main
from label_client.commands import UsageError, build_filters, parse_asset_config
from tests.unit.client.fake_api import ARTIFACT, JOB, KEY, Script


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .run/demo.env of the developer's own leaks in
    monkeypatch.setenv("API_KEY", KEY)
    monkeypatch.delenv("API_URL", raising=False)


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


EXPORT = ("export", "--scope", "lots", "--type", "datamatrix", "--format", "png")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["export", "--scope", "lots", "--type", "datamatrix"],  # --format missing
        [*EXPORT[:-1], "tiff"],
        [*EXPORT, "--timeout", "0"],
        [*EXPORT, "--expiry-from", "31/03/2027"],
        ["import", "x.csv", "--batch-size", "0"],
        ["status"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage: labels" in capsys.readouterr().err


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--help"])
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    for line in (
        "0    completed",
        "1    the job failed",
        "2    usage error",
        "3    the job was cancelled",
        "4    API",
    ):
        assert line in help_text


def test_filters_from_options() -> None:
    args = parse(
        *EXPORT,
        "--gtin",
        "9506000134352",
        "--gtin",
        "0950-6000-13435-2",
        "--lot-id",
        "a",
        "--lot-id",
        "b",
        "--product-id",
        "p",
        "--never-printed",
        "--expiry-to",
        "2027-12-31",
    )
    assert build_filters(args) == {
        "gtins": ["09506000134352", "09506000134352"],
        "product_id": "p",
        "lot_ids": ["a", "b"],
        "never_printed": True,
        "expiry_to": "2027-12-31",
    }
    assert build_filters(parse(*EXPORT)) == {}


def test_a_bad_gtin_is_a_usage_error_naming_the_digit() -> None:
    with pytest.raises(UsageError, match=r"--gtin: check digit .* should be 2"):
        build_filters(parse(*EXPORT, "--gtin", "09506000134353"))


def test_asset_config_must_be_a_json_object() -> None:
    assert parse_asset_config('{"dpi": 600}') == {"dpi": 600}
    assert parse_asset_config(None) is None
    with pytest.raises(UsageError, match="not valid JSON"):
        parse_asset_config("{dpi: 600}")
    with pytest.raises(UsageError, match="JSON object"):
        parse_asset_config("[1]")


def test_missing_configuration_exits_2(
    api_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("API_KEY")
    assert main(["status", JOB]) == 2
    assert "API_URL is not set" in capsys.readouterr().err


async def run(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


@pytest.mark.usefixtures("api_env")
async def test_export_wait_download_json(
    served: tuple[str, Script], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, script = served
    script.states = [
        script.status(processed_items=4),
        script.status(
            status="completed",
            processed_items=10,
            progress_percent=100,
            output_filename="dm.zip",
            file_size_bytes=len(ARTIFACT),
        ),
    ]
    code = await run(*EXPORT, "--api-url", url, "--json", "--wait", "--out", str(tmp_path))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    status = json.loads(captured.out)  # stdout holds exactly one JSON document
    assert status["status"] == "completed" and status["job_id"] == JOB
    assert (tmp_path / "dm.zip").read_bytes() == ARTIFACT  # a directory --out takes the server's name
    assert captured.err == ""  # --json: no progress, no chatter


@pytest.mark.usefixtures("api_env")
async def test_export_without_wait_prints_the_job_id(
    served: tuple[str, Script], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = served
    assert await run(*EXPORT, "--api-url", url) == 0
    assert capsys.readouterr().out.strip() == JOB


@pytest.mark.usefixtures("api_env")
@pytest.mark.parametrize(
    ("state", "error", "code"),
    [("processing", None, 0), ("failed", "no labels", 1), ("failed", "cancelled by the client", 3)],
)
async def test_status_exit_code_follows_the_job(
    served: tuple[str, Script], state: str, error: str | None, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url, script = served
    script.states = [script.status(status=state, error=error)]
    assert await run("status", JOB, "--api-url", url) == code
    assert f"job {JOB}: {'cancelled' if code == 3 else state}" in capsys.readouterr().out


@pytest.mark.usefixtures("api_env")
async def test_api_error_exits_4_with_the_envelope_in_json(
    served: tuple[str, Script], capsys: pytest.CaptureFixture[str]
) -> None:
    url, script = served
    script.states = [script.status(status="completed")]
    assert await run("cancel", JOB, "--api-url", url, "--json") == 4
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "CONFLICT"
    assert "409 CONFLICT: already done" in captured.err


@pytest.mark.usefixtures("api_env")
async def test_unreachable_api_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    # A submit without an idempotency key is not retried, so this fails at once.
    assert await run(*EXPORT, "--api-url", "http://127.0.0.1:9") == 4
    assert "NETWORK_ERROR" in capsys.readouterr().err


@pytest.mark.usefixtures("api_env")
async def test_bad_gtin_exits_2_before_any_request(served: tuple[str, Script]) -> None:
    url, script = served
    assert await run(*EXPORT, "--api-url", url, "--gtin", "123") == 2
    assert script.seen == []
