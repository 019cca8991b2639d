"""`labels-admin`: operator commands against the database.

    labels-admin migrate
    labels-admin create-org NAME
    labels-admin create-key ORG_ID [--name N] [--expires-days D]   (prints the key once)
    labels-admin revoke-key KEY_ID
    labels-admin set-limits KEY_ID --per-minute N --per-day N      (0 = service default)
    labels-admin set-org-limits ORG_ID [--max-items-per-job N] [--max-open-jobs N] [--max-open-items N]
                                                                   (0 = service default)
    labels-admin seed-demo [--env-file .run/demo.env] [--api-url URL]
    labels-admin export-schemas [DIR]

Reads DATABASE_URL like the services. Bad arguments exit with status 2 and a message.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import uuid
from pathlib import Path

import asyncpg

from api_service.adapters import api_keys_repo, catalog_repo, org_limits_repo
from api_service.domain.catalog import generated_serials
from labelkit.gs1 import gtin_check_digit
from shared.db.migrate import migrate
from shared.org_limits import LimitName
from shared.schemas import write_event_schemas
from shared.settings import CommonSettings

DEMO_ORGANIZATION = "Demo Pharma"
# set-org-limits' options, named like the limits (shared/org_limits.py LimitName).
ORG_LIMITS = [name.value for name in LimitName]
DEMO_PRODUCTS = [
    ("950600013435", "Aspirin 500 mg, 20 tablets"),
    ("950600013436", "Ibuprofen 200 mg, 24 tablets"),
    ("950600013437", "Vitamin D3 1000 IU, 60 capsules"),
]


def _gtin14(body13: str) -> str:
    body = body13.zfill(13)
    return body + str(gtin_check_digit(body))


async def seed_demo(conn: asyncpg.Connection) -> tuple[uuid.UUID, str]:
    """A demo organization: 3 products, 30 lots (two thirds with expiry), 1,000 serials, one key."""
    async with conn.transaction():
        org = await catalog_repo.create_organization(conn, name=DEMO_ORGANIZATION)
        first_lot: uuid.UUID | None = None
        for p_index, (body, name) in enumerate(DEMO_PRODUCTS):
            product = await catalog_repo.insert_product(
                conn, organization_id=org, gtin=_gtin14(body), name=name
            )
            assert product is not None
            lots = [
                (f"LOT{p_index + 1}{n:03d}", dt.date(2027, 1 + n % 12, 28) if n % 3 else None)
                for n in range(10)
            ]
            run = await catalog_repo.create_run(conn, organization_id=org, kind="lots", count=len(lots))
            ids = await catalog_repo.insert_lots(
                conn, organization_id=org, product_id=product, run_id=run, lots=lots
            )
            first_lot = first_lot or ids[0]
        assert first_lot is not None
        serials = generated_serials(prefix="SN", start=1, count=1000)
        run = await catalog_repo.create_run(conn, organization_id=org, kind="serials", count=len(serials))
        await catalog_repo.insert_serials(
            conn, organization_id=org, lot_id=first_lot, run_id=run, serials=serials
        )
        _, key = await api_keys_repo.create_key(conn, organization_id=org, name="demo")
    return org, key


async def ensure_demo(conn: asyncpg.Connection) -> tuple[uuid.UUID, str]:
    """The demo organization (seeded once) and a fresh key for it: keys are shown only once, so a
    new run cannot print the old one."""
    org = await catalog_repo.first_organization_named(conn, name=DEMO_ORGANIZATION)
    if org is None:
        return await seed_demo(conn)
    _, key = await api_keys_repo.create_key(conn, organization_id=org, name="demo")
    return org, key


async def _run(args: argparse.Namespace) -> int:
    url = CommonSettings().database_url
    if args.command == "migrate":
        applied = await migrate(url)
        print(f"applied: {', '.join(applied) or 'nothing (up to date)'}")
        return 0
    if args.command == "export-schemas":
        for path in write_event_schemas(Path(args.dir)):
            print(path)
        return 0
    conn = await asyncpg.connect(url)
    try:
        if args.command == "create-org":
            print(await catalog_repo.create_organization(conn, name=args.name))
        elif args.command == "create-key":
            expires = (
                dt.datetime.now(dt.UTC) + dt.timedelta(days=args.expires_days) if args.expires_days else None
            )
            if not await catalog_repo.organization_exists(conn, organization_id=args.org_id):
                print(f"error: no organization {args.org_id}", file=sys.stderr)
                return 2
            key_id, key = await api_keys_repo.create_key(
                conn, organization_id=args.org_id, name=args.name, expires_at=expires
            )
            print(f"key id: {key_id}\nAPI key (shown once): {key}")
        elif args.command == "revoke-key":
            if not await api_keys_repo.revoke_key(conn, key_id=args.key_id):
                print(f"error: no key {args.key_id}", file=sys.stderr)
                return 2
            print(f"revoked {args.key_id}")
        elif args.command == "set-limits":
            if min(args.per_minute, args.per_day) < 0:
                print("error: limits must be 0 (service default) or positive", file=sys.stderr)
                return 2
            if not await api_keys_repo.set_rate_limits(
                conn, key_id=args.key_id, per_minute=args.per_minute, per_day=args.per_day
            ):
                print(f"error: no key {args.key_id}", file=sys.stderr)
                return 2
            print(f"limits of {args.key_id}: {args.per_minute}/minute, {args.per_day}/day (0 = default)")
        elif args.command == "set-org-limits":
            values = {name: getattr(args, name) for name in ORG_LIMITS}
            if min(values.values()) < 0:
                print("error: limits must be 0 (service default) or positive", file=sys.stderr)
                return 2
            if not await org_limits_repo.set_organization_limits(conn, organization_id=args.org_id, **values):
                print(f"error: no organization {args.org_id}", file=sys.stderr)
                return 2
            shown = ", ".join(f"{name} {value}" for name, value in values.items())
            print(f"limits of organization {args.org_id}: {shown} (0 = default)")
        elif args.command == "seed-demo":
            org, key = await ensure_demo(conn)
            print(f"organization: {org}\nAPI key: {key}")
            if args.env_file:
                path = Path(args.env_file)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"API_URL={args.api_url}\nAPI_KEY={key}\n")
                print(f"wrote {path}")
    finally:
        await conn.close()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labels-admin", description="Label-export administration")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply pending schema migrations")
    p = sub.add_parser("create-org", help="create an organization; prints its id")
    p.add_argument("name")
    p = sub.add_parser("create-key", help="create an API key; prints it once")
    p.add_argument("org_id", type=uuid.UUID)
    p.add_argument("--name", default="")
    p.add_argument("--expires-days", type=int, default=None)
    p = sub.add_parser("revoke-key", help="deactivate an API key")
    p.add_argument("key_id", type=uuid.UUID)
    p = sub.add_parser("set-limits", help="per-key rate limits (0 = service default)")
    p.add_argument("key_id", type=uuid.UUID)
    p.add_argument("--per-minute", type=int, default=0)
    p.add_argument("--per-day", type=int, default=0)
    p = sub.add_parser("set-org-limits", help="per-organization limits on work (0 = service default)")
    p.add_argument("org_id", type=uuid.UUID)
    for name in ORG_LIMITS:
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=0)
    p = sub.add_parser("seed-demo", help="create a demo organization with catalog data and a key")
    p.add_argument("--env-file", default=None)
    p.add_argument("--api-url", default="http://127.0.0.1:8080")
    p = sub.add_parser("export-schemas", help="write the JSON Schemas of every event")
    p.add_argument("dir", nargs="?", default="schemas/events")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    sys.exit(asyncio.run(_run(args)))


if __name__ == "__main__":
    main()
