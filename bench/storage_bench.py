"""Storage benchmark: the everyday reads and a publish on a big database.

10,000 members across 500 rotations (one of them 200 people), five years of served days
(about 400,000 assignments). Timed, as medians over repeated runs:

- "my next days" for one person (across their rotations),
- "who is on today" for one rotation,
- loading a rotation's ledger (the fairness report over five years of history),
- publishing a 200-person quarter (plan, diff, write, commit).

Targets: single-person and single-day queries under 5 ms; ledger under 100 ms; publish
under 500 ms. SQLite always; PostgreSQL when TEST_DATABASE_URL is set or --pg is given.

    python bench/storage_bench.py [--pg postgresql://...] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

import bot.usecases as uc  # noqa: E402
from storage import migrate, queries  # noqa: E402
from storage.db import make_engine, normalize_url  # noqa: E402
from storage.models import Assignment, Member, Rotation, Workspace  # noqa: E402

TEAM = "TBENCH"
NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # Monday, 09:00 in Berlin
TODAY = NOW.date()
HISTORY_START = date(2022, 1, 3)
BIG = "big"  # the 200-person rotation
BIG_SIZE, BIG_SLOTS = 200, 3
TARGETS_MS = {
    "next days": 5,
    "on today": 5,
    "ledger": 100,
    "ledger (200 people)": 100,
    "publish": 500,
}


def working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed(engine: Engine, *, rotations: int, members: int, per_rotation_days: int) -> dict[str, int]:
    """Fill the database quickly with core inserts; returns row counts."""
    rng = random.Random(7)
    history_days = working_days(HISTORY_START, TODAY - timedelta(days=1))
    with Session(engine) as session:
        workspace = Workspace(team_id=TEAM, name="Bench", created_at=NOW)
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        rows = [
            {
                "workspace_id": workspace.id,
                "name": BIG if r == 0 else f"team-{r:03d}",
                "timezone": "Europe/Berlin",
                "country": None,
                "subdivision": None,
                "workdays": "MO TU WE TH FR",
                "slots_per_day": BIG_SLOTS if r == 0 else 1,
                "quarter_start_month": 1,
                "reminders_enabled": True,
                "reminder_time": "09:00",
                "reminder_days_before": 1,
                "published_version": 0,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for r in range(rotations)
        ]
        session.execute(insert(Rotation), rows)
        rotation_ids = [
            rid for (rid,) in session.execute(text("SELECT id FROM rotations ORDER BY id"))
        ]
        sizes = [BIG_SIZE] + [0] * (rotations - 1)
        rest = members - BIG_SIZE
        for i in range(1, rotations):
            sizes[i] = rest // (rotations - 1) + (1 if i <= rest % (rotations - 1) else 0)
        member_rows = []
        user = 0
        for rotation_id, size in zip(rotation_ids, sizes, strict=True):
            for k in range(size):
                user += 1
                member_rows.append(
                    {
                        "rotation_id": rotation_id,
                        "user_id": f"U{user:06d}",
                        "display_name": f"Person {user}",
                        "email": None,
                        "timezone": None,
                        "weight": 1.0,
                        "joined": None,
                        "left": None,
                        "role": "admin" if k == 0 else "member",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        session.execute(insert(Member), member_rows)
        by_rotation: dict[int, list[int]] = {rid: [] for rid in rotation_ids}
        for member_id, rotation_id in session.execute(
            text("SELECT id, rotation_id FROM members ORDER BY id")
        ):
            by_rotation[rotation_id].append(member_id)
        total = 0
        batch: list[dict[str, object]] = []
        for rotation_id, slots in zip(
            rotation_ids, [BIG_SLOTS] + [1] * (rotations - 1), strict=True
        ):
            people = by_rotation[rotation_id]
            days = sorted(rng.sample(history_days, min(per_rotation_days, len(history_days))))
            turn = 0
            for day in days:
                for _ in range(slots):
                    batch.append(
                        {
                            "rotation_id": rotation_id,
                            "day": day,
                            "member_id": people[turn % len(people)],
                            "state": "done",
                            "origin": "plan",
                            "revision": 2,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
                    turn += 1
            if len(batch) >= 20_000:
                session.execute(insert(Assignment), batch)
                total += len(batch)
                batch = []
        session.execute(insert(Assignment), batch)
        total += len(batch)
        session.commit()
    return {"rotations": rotations, "members": len(member_rows), "assignments": total}


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each run, after one warm-up run."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(engine: Engine, *, quick: bool) -> dict[str, list[float]]:
    rng = random.Random(11)
    repeat = 20 if quick else 100
    results: dict[str, list[float]] = {}
    with Session(engine, expire_on_commit=False) as session:
        workspace = queries.workspace_by_team(session, team_id=TEAM)
        assert workspace is not None and workspace.id is not None
        workspace_id = workspace.id
        rotation_ids = [r.id for r in queries.rotations_of(session, workspace_id=workspace_id)]
        session.rollback()
        big = [
            name
            for (name,) in session.execute(
                text("SELECT name FROM rotations WHERE name = :n"), {"n": BIG}
            )
        ]
        assert big == [BIG]
        session.rollback()
        # First, publish this quarter everywhere we look, so "next days" and "on today" have
        # something ahead: the big rotation's publish is one of the measurements.
        publish_times = []
        quarters = [
            (date(2027, 1, 1), date(2027, 3, 31)),
            (date(2027, 4, 1), date(2027, 6, 30)),
            (date(2027, 1, 1), date(2027, 3, 31)),
        ]
        for version, (start, end) in enumerate(quarters[: 2 if quick else 3]):
            t0 = time.perf_counter()
            result = uc.publish_plan(
                session,
                team_id=TEAM,
                rotation=BIG,
                actor=uc.SYSTEM,
                now=NOW,
                start=start,
                end=end,
                expected_version=version,
            )
            publish_times.append((time.perf_counter() - t0) * 1000)
            assert result.version == version + 1
        results["publish"] = publish_times
        for name in ("team-001", "team-002"):
            uc.publish_plan(
                session,
                team_id=TEAM,
                rotation=name,
                actor=uc.SYSTEM,
                now=NOW,
                start=date(2027, 1, 1),
                end=date(2027, 3, 31),
                expected_version=0,
            )
        users = [f"U{rng.randint(1, 10_000):06d}" for _ in range(repeat + 1)]
        users_iter = iter(users * 2)

        def next_days() -> object:
            rows = queries.next_days_of_user(
                session, workspace_id=workspace_id, user_id=next(users_iter), today=TODAY
            )
            session.rollback()
            return rows

        rotations_iter = iter([rng.choice(rotation_ids) for _ in range(repeat * 2 + 2)])

        def on_today() -> object:
            rotation_id = next(rotations_iter)
            assert rotation_id is not None
            rows = queries.on_duty(session, rotation_id=rotation_id, day=TODAY)
            session.rollback()
            return rows

        results["next days"] = timed(next_days, repeat)
        results["on today"] = timed(on_today, repeat)
        ledger_repeat = max(5, repeat // 5)
        results["ledger"] = timed(
            lambda: uc.fairness_report(session, team_id=TEAM, rotation="team-001", now=NOW),
            ledger_repeat,
        )
        results["ledger (200 people)"] = timed(
            lambda: uc.fairness_report(session, team_id=TEAM, rotation=BIG, now=NOW), ledger_repeat
        )
    return results


def report(
    label: str, counts: dict[str, int], seconds: float, results: dict[str, list[float]]
) -> bool:
    print(
        f"\n{label}: {counts['members']:,} members, {counts['rotations']} rotations, "
        f"{counts['assignments']:,} assignments (seeded in {seconds:.1f} s)"
    )
    print(f"  {'operation':<22}{'median':>10}{'p95':>10}{'target':>10}")
    ok = True
    for name, times in results.items():
        ordered = sorted(times)
        median = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        target = TARGETS_MS[name]
        mark = "" if median < target else "  OVER TARGET"
        ok = ok and median < target
        print(f"  {name:<22}{median:>8.2f}ms{p95:>8.2f}ms{target:>8}ms{mark}")
    return ok


def run(label: str, engine: Engine, args: argparse.Namespace) -> bool:
    migrate.upgrade(engine)
    start = time.perf_counter()
    counts = seed(
        engine, rotations=args.rotations, members=args.members, per_rotation_days=args.days
    )
    seconds = time.perf_counter() - start
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
        else:
            connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return report(label, counts, seconds, measure(engine, quick=args.quick))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL URL (default: TEST_DATABASE_URL)")
    parser.add_argument("--quick", action="store_true", help="a smaller database, fewer runs")
    args = parser.parse_args()
    args.rotations, args.members, args.days = (50, 1_000, 300) if args.quick else (500, 10_000, 800)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        ok &= run("SQLite (file, WAL)", engine, args)
        engine.dispose()
    pg_url = args.pg or os.environ.get("TEST_DATABASE_URL")
    if pg_url:
        url = normalize_url(pg_url).render_as_string(hide_password=False)
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
            ok &= run("PostgreSQL", engine, args)
            engine.dispose()
        finally:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    else:
        print("\nPostgreSQL: skipped (set TEST_DATABASE_URL or pass --pg URL)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
