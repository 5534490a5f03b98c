"""The ledger's stress data set: 20,000 enterprises and 5,000 projects, with 48 months of figures, for the benchmarks.

`seed_stress_ledger(today)` runs the demo ledger's generator (app.demo.ledger.seed_ledger) at the issue's "Speed"
scale: 20,000 enterprises over the 13 counties and parks (about 430 at 10亿 or more, about 13,000 规上, the
registries and the listing pipeline in proportion), 5,000 projects with their milestones, year plans and monthly
figures while they are built, the chains' scale, the indicators, the reporting calendar and its submissions —
figures for the 48 months up to last month (2022-12 .. 2026-11 when run in December 2026). Deterministic for a
given seed. Rows are written as the task stress set writes them (benchmarks/stress_data.py): Core executemany on
SQLite, COPY on PostgreSQL (without per-row foreign-key triggers when the role may), then ANALYZE. It does not
commit. Skipped when the ledger holds that many enterprises already.

Its users: benchmarks/bench.py (the `ledger_*` rows, through bench_ledger.ensure_ledger) and
`flask demo --scale stress`, which lays it on top of the demo ledger (the demo's chain figures, indicator values and
submissions are kept; the stress set adds its enterprises and projects).
"""

import time

import sqlalchemy as sa

from app.demo.ledger import ORDER, last_month, month_index, month_of, seed_ledger
from app.extensions import db
from app.ledger.models import Enterprise
from benchmarks.stress_data import _bulk_session, _copy

STRESS_ENTERPRISES = 20_000
STRESS_PROJECTS = 5_000
STRESS_MONTHS = 48


def seed_stress_ledger(today, enterprises=STRESS_ENTERPRISES, projects=STRESS_PROJECTS, months=STRESS_MONTHS,
                       seed=20261207, echo=print):
    """Returns the counts (and the seconds), or {"skipped": True} when `enterprises` enterprises exist."""
    say = echo or (lambda *_: None)
    started = time.perf_counter()
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))
    if existing >= enterprises:
        say(f"已有 {existing} 家企业，跳过压测台账。")
        return {"skipped": True, "seconds": 0.0}
    first = month_of(month_index(last_month(today)) - months + 1)
    dialect = db.session.get_bind().dialect.name
    write = None
    with _bulk_session(say):
        if dialect == "postgresql":
            connection = db.session.connection().connection.driver_connection

            def write(table, rows):
                _copy(connection, table, rows)
        counts = seed_ledger(today, enterprises=enterprises, projects=projects, first_month=first, seed=seed,
                             write=write, chunk=2000, say=say)
    if dialect == "postgresql":
        for model in ORDER:
            db.session.execute(sa.text(f"ANALYZE {model.__tablename__}"))
    counts["seconds"] = round(time.perf_counter() - started, 1)
    say(f"压测台账完成：{counts}")
    return counts
