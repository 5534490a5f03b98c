"""The cockpit (驾驶舱) of the ledger: every indicator with its actual, target, share reached, the share expected by
the month and a light, and whose it is; enterprises by tier against their targets; projects by stage and tier;
the rates by county / park; the 12 chains' scale against their tier; the last 12 months' trends.

`cockpit(year, month, on)` returns a plain dict (numbers, strings, lists: JSON-serialisable), so the monthly
analysis can freeze it into the month's record and draw the same page from it later. Every figure carries the
address of the list behind it.

Rules (documented on the page too):
- share reached = actual / target (the year's IndicatorTarget, else the indicator's value).
- expected share by the month: for 每年 targets the months elapsed / 12 (the chosen month counts as elapsed);
  for 2025 targets a straight line from the programme's start (2022-01, baseline 0: the ledger holds nothing
  before the programme) to 2025-12: months elapsed / 48, at most 100 % (from 2026 on, the full target is due);
  for targets in % (a rate or a share the city must hold: 增速, 占比, 覆盖率) the full target is expected at any
  time, since a rate does not accumulate.
- light: grey without an actual or a target; green when share ≥ expected; yellow when share ≥ 80 % of expected;
  red below.

Speed: computing it aggregates the whole ledger (60–140 ms on 20,000 enterprises and 5,000 projects), so what was
computed is kept per state of the ledger — LedgerStamp, renewed by database triggers on every write to a table it
reads — and a view while nothing changed costs one statement (see `cockpit`).
"""

import copy
import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, has_request_context, request, url_for
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.ledger.measures import (
    Snapshot,
    UnitRates,
    is_known,
    monthly_trend,
)
from app.ledger.models import PROJECT_TIERS, LedgerStamp, LedgerWrite, ProjectStage, tier_label
from app.org.models import Target

PROGRAMME_START = (2022, 1)
PROGRAMME_END = (2025, 12)
YELLOW_RATIO = Decimal("0.8")
LIGHTS = {"green": "达到进度", "yellow": "略慢于进度", "red": "落后于进度", "grey": "无数据"}
ENTERPRISE_TIERS = (100, 50, 20, 10)


# --- rules ----------------------------------------------------------------------------------------------------

def expected_share(period: str | None, unit_label: str | None, year: int, month: int) -> Decimal:
    """The share of the target expected by the end of (year, month), 0..1 (see the module's docstring)."""
    if unit_label == "%":
        return Decimal(1)
    if period == "每年":
        return Decimal(month) / 12
    start = PROGRAMME_START[0] * 12 + PROGRAMME_START[1] - 1
    end = PROGRAMME_END[0] * 12 + PROGRAMME_END[1] - 1
    elapsed = year * 12 + month - 1 - start + 1
    return min(max(Decimal(elapsed) / (end - start + 1), Decimal(0)), Decimal(1))


def share_of(actual, target) -> Decimal | None:
    if actual is None or target is None or Decimal(target) == 0:
        return None
    return Decimal(actual) / Decimal(target)


def light_of(share, expected) -> str:
    """green: share ≥ expected; yellow: ≥ 80 % of expected; red below; grey: no share."""
    if share is None or expected is None:
        return "grey"
    if share >= expected:
        return "green"
    if share >= expected * YELLOW_RATIO:
        return "yellow"
    return "red"


# --- links ----------------------------------------------------------------------------------------------------

def link(endpoint: str, path: str, **params) -> str:
    """The address of a list: url_for when the endpoint exists, else the path with the query string (the other
    parts of the ledger may land later, and outside a request, e.g. when a record freezes the cockpit, there is no
    URL adapter). None values are left out; list values repeat the parameter."""
    params = {k: v for k, v in params.items() if v is not None}
    if has_request_context() and endpoint in current_app.view_functions:
        return url_for(endpoint, **params)
    query = urlencode(params, doseq=True)
    return path + ("?" + query if query else "")


def enterprises_url(**params):
    return link("ledger.enterprises", "/ledger/enterprises", **params)


def projects_url(**params):
    return link("ledger.projects", "/ledger/projects", **params)


def chain_url(chain_id):
    if has_request_context() and "ledger.chain" in current_app.view_functions:
        return url_for("ledger.chain", chain_id=chain_id)
    return f"/ledger/chains/{chain_id}"


def indicator_url(target):
    """The page of an entered indicator (its values), where the indicators part provides one."""
    if has_request_context() and "ledger.indicator" in current_app.view_functions:
        return url_for("ledger.indicator", code=target.code)
    return None


# The project list's filter for "started" (stage 开工 or later); the list reads one stage value, so it needs to
# know this word (requested from the projects part; until then it shows the tier's projects of every stage).
STARTED = "begun"


def measure_url(measure: str, year: int, unit_id=None):
    """The list behind a computed indicator's figure (per unit when `unit_id`)."""
    name, _, arg = measure.partition(":")
    if name in ("chains_at_tier", "chains_reporting"):
        return "#chains"
    if name == "parks_at_thousand_billion":
        return "#units"
    if name == "enterprises_at_tier":
        return enterprises_url(tier=arg, unit=unit_id)
    if name == "projects_at_tier":
        return projects_url(tier=arg, stage=STARTED, unit=unit_id, year=year)
    if name == "above_scale_count":
        return enterprises_url(above_scale=1, unit=unit_id)
    if name == "above_scale_net_new":  # those that entered 规上 in the year (the ones that left are counted off)
        return enterprises_url(above_scale=1, scale_year=year, unit=unit_id)
    if name == "high_tech_count":
        return enterprises_url(registry="high_tech", unit=unit_id)
    if name == "specialized_new":
        return enterprises_url(registry="specialized", level=arg, registry_year=year, unit=unit_id)
    if name == "specialized_count":
        return enterprises_url(registry="specialized", level=arg, unit=unit_id)
    if name == "listed_count":
        return enterprises_url(listing="listed", unit=unit_id)
    if name == "liaison_coverage":
        return enterprises_url(above_scale=1, liaison=1, unit=unit_id)
    return None


# --- the cockpit ----------------------------------------------------------------------------------------------

def number(value):
    """A Decimal as an int when whole, else a float with two decimals; None stays None (JSON-friendly)."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 2))


def percent(share):
    return None if share is None else float(round(Decimal(share) * 100, 1))


def load_indicators():
    """The indicators (targets with a code) in the document's order: city goals, then each plan's."""
    targets = db.session.scalars(
        sa.select(Target).where(Target.code.is_not(None))
        .options(joinedload(Target.responsible_unit), joinedload(Target.plan))).unique().all()
    return sorted(targets, key=lambda t: (t.plan.sort_order if t.plan else -1, t.sort_order, t.id))


def _figure(actual, target, expected, url):
    share = share_of(actual, target)
    light = light_of(share, expected)
    return {"actual": number(actual), "target": number(target), "share": percent(share),
            "light": light, "light_label": LIGHTS[light], "url": url}


def _indicator(t, snap, units, expected):
    computed = is_known(t.measure)
    actual = snap.actual(t.measure) if computed else snap.entered_actual(t.id)
    target = snap.target_of(t)
    url = measure_url(t.measure, snap.year) if computed else indicator_url(t)
    row = {"id": t.id, "code": t.code, "text": t.text, "plan": t.plan.code if t.plan else None,
           "measure": t.measure, "computed": computed, "unit_label": t.unit_label or "", "period": t.period or "",
           "yearly": t.is_yearly, "expected": percent(expected),
           "whose": t.responsible_unit.short_name if t.responsible_unit else "—",
           "whose_id": t.responsible_unit_id, "source": "台账计算" if computed else "单位填报",
           **_figure(actual.city, target, expected, url), "breakdown": []}
    if not computed:
        source = snap.entered_source(t.id)
        if source:
            row["source"] = f"单位填报：{source[0]}（{source[1].year}年{source[1].month}月）"
    if t.breaks_down:
        for u in units:
            unit_target = snap.target_of(t, u.id)
            unit_url = measure_url(t.measure, snap.year, u.id) if computed else url
            row["breakdown"].append({"unit_id": u.id, "unit": u.short_name,
                                     **_figure(actual.by_unit.get(u.id), unit_target, expected, unit_url)})
    return row


# What the cockpit computed, by (the ledger's stamp, database, year, month, evaluation day, script root): the
# database gives LedgerStamp a new random stamp on every write to a table the cockpit reads (migration
# 5e55a0000010), so an entry is reused only while nothing it was computed from has changed, in any process.
_computed = OrderedDict()
_computed_lock = threading.Lock()  # a threaded server's requests share it
_KEEP = 24


def ledger_state():
    """The ledger's state, in one statement, or None when a kept cockpit may not be used: the stamp (renewed by
    SQLite's triggers) with the count and highest id of the write log (PostgreSQL's triggers add one row per
    writing transaction, which others see once it commits). On PostgreSQL a transaction that has written anything
    (it has a transaction id) computes afresh: its own later writes add no row to the log."""
    count = sa.select(sa.func.count()).select_from(LedgerWrite).scalar_subquery()
    highest = sa.select(sa.func.max(LedgerWrite.id)).scalar_subquery()
    columns = [LedgerStamp.stamp, count, highest]
    if db.session.get_bind().dialect.name == "postgresql":
        columns.append(sa.func.txid_current_if_assigned())
    row = db.session.execute(sa.select(*columns).where(LedgerStamp.id == 1)).first()
    if row is None or (len(row) > 3 and row[3] is not None):
        return None
    return f"{row[0]}:{row[1]}:{row[2] or 0}"


def prune_writes(now):
    """The scheduler's daily job: keep only the newest row of the write log (the next cockpit is computed once
    again). Flushes; the job runner commits."""
    highest = db.session.scalar(sa.select(sa.func.max(LedgerWrite.id)))
    if highest is None:
        return {"writes": 0}
    deleted = db.session.execute(sa.delete(LedgerWrite).where(LedgerWrite.id < highest)
                                 .execution_options(synchronize_session=False)).rowcount
    return {"writes": deleted}


def cockpit(year: int, month: int, on: date) -> dict:
    """The cockpit for (year, month) evaluated on `on`: a JSON-serialisable dict (see the module's docstring).
    Computed once per state of the ledger (LedgerStamp): while no table it reads has changed, a copy of the same
    dict, for one statement."""
    stamp = ledger_state()
    key = (stamp, str(db.engine.url), year, month, on, request.script_root if has_request_context() else None)
    with _computed_lock:
        kept = _computed.get(key) if stamp is not None else None
        if kept is not None:
            _computed.move_to_end(key)
    if kept is not None:
        return copy.deepcopy(kept)
    result = _compute(year, month, on)
    if stamp is not None:
        with _computed_lock:
            _computed[key] = copy.deepcopy(result)
            while len(_computed) > _KEEP:
                _computed.popitem(last=False)
    return result


_snapshots = OrderedDict()


def kept_snapshot(year: int, month: int) -> Snapshot:
    """The ledger's Snapshot of a month's end (measures.Snapshot.load), shared while the ledger's state is the same
    (as the cockpit is): the assessment's indicator grid and a unit's indicator page read the ledger's actuals of a
    quarter on every request. Callers read it and never change it."""
    stamp = ledger_state()
    key = (stamp, str(db.engine.url), year, month)
    if stamp is not None:
        with _computed_lock:
            snap = _snapshots.get(key)
            if snap is not None:
                _snapshots.move_to_end(key)
                return snap
    snap = Snapshot.load(year, month)
    if stamp is not None:
        with _computed_lock:
            _snapshots[key] = snap
            while len(_snapshots) > _KEEP:
                _snapshots.popitem(last=False)
    return snap


def _compute(year: int, month: int, on: date) -> dict:
    snap = Snapshot.load(year, month, on)
    units = snap.units
    unit_names = {u.id: u.short_name for u in units}

    indicators = [_indicator(t, snap, units, expected_share(t.period, t.unit_label, year, month))
                  for t in load_indicators()]
    lights = {key: 0 for key in LIGHTS}
    for row in indicators:
        lights[row["light"]] += 1

    # enterprises by tier, against the first indicator counting that tier (G05..G08)
    by_measure = {}
    for row in indicators:
        by_measure.setdefault(row["measure"], row)
    tiers = []
    for tier in ENTERPRISE_TIERS:
        row = by_measure.get(f"enterprises_at_tier:{tier}")
        actual = snap.actual(f"enterprises_at_tier:{tier}").city
        tiers.append({"tier": tier, "label": tier_label(tier), "count": number(actual),
                      "target": row["target"] if row else None, "share": row["share"] if row else None,
                      "expected": row["expected"] if row else None, "light": row["light"] if row else "grey",
                      "url": enterprises_url(tier=tier)})

    # projects by stage and tier
    project_tiers = [*PROJECT_TIERS, None]
    counts = {(s, t): 0 for s in ProjectStage for t in project_tiers}
    for _uid, stage, tier, n in snap.project_rows:
        key = (stage, tier if tier in PROJECT_TIERS else None)
        counts[key] += n
    stage_rows = []
    for s in ProjectStage:
        cells = [{"tier": t, "count": counts[(s, t)],
                  "url": projects_url(stage=s.value, tier=t if t else 0, year=year)} for t in project_tiers]
        stage_rows.append({"stage": s.value, "label": s.label, "cells": cells,
                           "total": sum(c["count"] for c in cells), "url": projects_url(stage=s.value, year=year)})
    projects = {"tiers": [{"tier": t, "label": tier_label(t, "project") if t else "亿元以下",
                           "url": projects_url(tier=t if t else 0, year=year)} for t in project_tiers],
                "stages": stage_rows, "total": sum(r["total"] for r in stage_rows), "url": projects_url(year=year)}

    # rates by county / park
    rate_rows = []
    for uid in snap.unit_ids:
        r = snap.rates[uid]
        rate_rows.append({
            "unit_id": uid, "unit": unit_names[uid],
            "start_planned": r.start_planned, "start_reached": r.start_reached, "start_rate": number(r.start_rate),
            "invested": number(r.invested), "planned": number(r.planned), "invest_rate": number(r.invest_rate),
            "funds": number(r.funds), "funds_rate": number(r.funds_rate),
            "output_yi": number(round(r.output / 10000, 2)),
            "projects_url": projects_url(unit=uid, year=year), "enterprises_url": enterprises_url(unit=uid)})
    totals = {key: sum(getattr(snap.rates[uid], key) for uid in snap.unit_ids)
              for key in ("start_planned", "start_reached", "invested", "funds", "planned")}
    total = UnitRates(0, **totals)
    rate_total = {"start_planned": total.start_planned, "start_reached": total.start_reached,
                  "start_rate": number(total.start_rate), "invested": number(total.invested),
                  "planned": number(total.planned), "invest_rate": number(total.invest_rate),
                  "funds": number(total.funds), "funds_rate": number(total.funds_rate),
                  "projects_url": projects_url(year=year)}

    # chains against their tier (a 2025 target: the linear path)
    chain_expected = expected_share("2025年", "亿元", year, month)
    chains = []
    for c in snap.chains:
        share = share_of(c.scale, c.tier)
        light = light_of(share, chain_expected)
        chains.append({"id": c.chain_id, "name": c.name, "tier": c.tier, "tier_label": f"{c.tier}亿级",
                       "scale": number(c.scale), "band": c.band,
                       "band_label": f"{c.band}亿级" if c.band else "200亿以下",
                       "figure_month": f"{c.month.year}年{c.month.month}月" if c.month else None,
                       "full_year": c.full_year, "share": percent(share), "light": light,
                       "light_label": LIGHTS[light], "url": chain_url(c.chain_id)})

    return {
        "key": f"{year}-{month:02d}", "label": f"{year}年{month}月", "year": year, "month": month,
        "evaluated_on": on.isoformat(), "as_of": snap.on.isoformat(),
        "expected_yearly": percent(expected_share("每年", "", year, month)),
        "expected_2025": percent(chain_expected),
        "indicators": indicators, "lights": lights, "enterprise_tiers": tiers, "projects": projects,
        "units": rate_rows, "units_total": rate_total, "chains": chains,
        "trend": [{**p, **{k: number(p[k]) for k in ("revenue", "invested", "chain_scale")}}
                  for p in monthly_trend(year, month)],
        "lists": {"enterprises": enterprises_url(), "projects": projects_url()},
    }


# --- Excel ----------------------------------------------------------------------------------------------------

def cockpit_workbook(c: dict) -> bytes:
    """The cockpit's tables as .xlsx bytes (from the dict, live or frozen). Texts go through write_cell, so a name
    that begins with "=" stays text."""
    from app.core.excel import (
        BODY,
        BORDER,
        LEFT_WRAP,
        TABLE_HEADER_ROW,
        WRAP_CENTER,
        WRAP_TOP,
        merge_cells,
        new_workbook,
        save_workbook,
        sheet_title,
        table_header,
        table_print_setup,
        title_rows,
        write_cell,
    )

    title = f"湘潭市产业强市“千百十”工程驾驶舱（{c['label']}）"
    subtitle = (f"数据截至 {c['as_of']}　评价日 {c['evaluated_on']}　应达进度：每年目标 {c['expected_yearly']}%，"
                f"2025年目标 {c['expected_2025']}%（2022年1月起按月线性推进）")
    wb = new_workbook(title)
    used = set()

    def table(name, labels, widths, rows):
        ws = wb.create_sheet(sheet_title(name, used))
        title_rows(ws, title, subtitle, len(labels))
        table_header(ws, labels, widths)
        row_no = TABLE_HEADER_ROW
        for values in rows:
            row_no += 1
            for column, value in enumerate(values, start=1):
                write_cell(ws, row_no, column, "—" if value is None else value, font=BODY, border=BORDER,
                           alignment=WRAP_TOP if isinstance(value, str) else WRAP_CENTER)
        if not rows:
            row_no += 1
            merge_cells(ws, row_no, 1, len(labels), "无数据。", font=BODY, alignment=LEFT_WRAP)
        table_print_setup(ws, len(labels), row_no)

    table("指标", ["序号", "编号", "指标", "单位", "期限", "目标", "实际", "完成率(%)", "应达进度(%)", "亮灯",
                  "责任单位", "数据来源"], [6, 8, 36, 7, 8, 10, 10, 10, 11, 10, 14, 24],
          [[n, r["code"], r["text"], r["unit_label"], r["period"], r["target"], r["actual"], r["share"],
            r["expected"], r["light_label"], r["whose"], r["source"]] for n, r in enumerate(c["indicators"], 1)])
    table("指标分解", ["编号", "指标", "县市区/园区", "目标", "实际", "完成率(%)", "应达进度(%)", "亮灯"],
          [8, 36, 14, 10, 10, 10, 11, 10],
          [[r["code"], r["text"], b["unit"], b["target"], b["actual"], b["share"], r["expected"], b["light_label"]]
           for r in c["indicators"] for b in r["breakdown"]])
    table("企业分级", ["规模", "企业数", "目标", "完成率(%)", "应达进度(%)"], [12, 10, 10, 10, 11],
          [[t["label"], t["count"], t["target"], t["share"], t["expected"]] for t in c["enterprise_tiers"]])
    p = c["projects"]
    table("项目阶段", ["阶段", *[t["label"] for t in p["tiers"]], "合计"], [10, *[10] * len(p["tiers"]), 10],
          [[s["label"], *[cell["count"] for cell in s["cells"]], s["total"]] for s in p["stages"]]
          + [["合计", *[sum(s["cells"][k]["count"] for s in p["stages"]) for k in range(len(p["tiers"]))],
              p["total"]]])
    t = c["units_total"]
    table("县市区园区", ["县市区/园区", "应开工", "已开工", "开工率(%)", "年度计划投资(万元)", "完成投资(万元)",
                      "投资完成率(%)", "到位资金(万元)", "资金到位率(%)", "上年工业产值(亿元)"],
          [14, 9, 9, 10, 14, 14, 11, 14, 11, 14],
          [[u["unit"], u["start_planned"], u["start_reached"], u["start_rate"], u["planned"], u["invested"],
            u["invest_rate"], u["funds"], u["funds_rate"], u["output_yi"]] for u in c["units"]]
          + [["合计", t["start_planned"], t["start_reached"], t["start_rate"], t["planned"], t["invested"],
              t["invest_rate"], t["funds"], t["funds_rate"], None]])
    table("产业链", ["产业链", "目标规模", "规模(亿元)", "数据月份", "所在档次", "完成率(%)", "亮灯"],
          [22, 10, 12, 12, 12, 10, 10],
          [[ch["name"], ch["tier_label"], ch["scale"], ch["figure_month"], ch["band_label"], ch["share"],
            ch["light_label"]] for ch in c["chains"]])
    table("月度走势", ["月份", "企业营业收入(万元)", "项目完成投资(万元)", "产业链规模(亿元)"], [10, 18, 18, 16],
          [[pt["key"], pt["revenue"], pt["invested"], pt["chain_scale"]] for pt in c["trend"]])
    return save_workbook(wb)
