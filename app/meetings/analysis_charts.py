"""Server-side SVG charts of the month's analysis: grouped bars (by group, by plan) and the twelve-month trend.

Drawn with the app's two chart drawings (app.ledger.charts: `bar_rows`, `line_chart`): plain markup the page
embeds (no script, no external file, no `style` attribute, so the CSP allows it), the container's full width with
text at its own size on a phone and on a desktop, a category's name on its own line above its bars (long plan
names abbreviated, the full name in a <title>), role="img" named by a <title> and a <desc> stating every value for
screen readers; the page shows the same numbers as tables. The charts are drawn from the analysis dict alone, so a
frozen record draws the same charts.
"""

from dataclasses import dataclass

from markupsafe import Markup

from app.ledger import charts as drawing

COLOURS = {"assigned": "#1c7ed6", "completed": "#2b8a3e", "overdue": "#c92a2a"}
SERIES = (("assigned", "新交办"), ("completed", "办结"), ("overdue", "逾期未办结"))
CSS_CLASS = "analysis-chart"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple  # non-negative integers, one per category
    colour: str


def nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k not below `value` (at least 5), so the axis ticks are round numbers."""
    top = max(int(value), 5)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= top:
                return step * factor
        step *= 10


def _describe(categories, series):
    return "；".join(f"{label}：" + "，".join(f"{s.name}{s.values[i]}" for s in series)
                    for i, label in enumerate(categories))


def _axis_end(series):
    return nice_max(max((v for s in series for v in s.values), default=0))


def _plain(series):
    return [(s.name, list(s.values), s.colour) for s in series]


def bar_chart(categories, series, *, title, chart_id) -> Markup:
    """Horizontal grouped bars: per category its name on its own line, then one bar per series with its value at
    the end."""
    return drawing.bar_rows(list(categories), _plain(series), title=title, described=_describe(categories, series),
                            chart_id=chart_id, css_class=CSS_CLASS, maximum=_axis_end(series))


def line_chart(keys, x_labels, series, *, title, chart_id) -> Markup:
    """Lines by month (`keys` "2026-03"; `x_labels` name them in the description) with a point per month."""
    return drawing.line_chart(list(keys), _plain(series), title=title, described=_describe(x_labels, series),
                              chart_id=chart_id, css_class=CSS_CLASS, height=260, maximum=_axis_end(series))


def _series(rows):
    return [Series(label, tuple(int(r[key]) for r in rows), COLOURS[key]) for key, label in SERIES]


def analysis_charts(a: dict) -> dict:
    """The three charts of an analysis dict (live or frozen): by group, by plan, and the twelve-month trend."""
    plans = [r for r in a["by_plan"] if any(r[key] for key, _ in SERIES)] or a["by_plan"]
    return {
        "by_group": bar_chart([r["label"] for r in a["by_group"]], _series(a["by_group"]),
                              title=f"{a['label']}各考评组交办事项", chart_id=f"group-{a['key']}"),
        "by_plan": bar_chart([r["label"] for r in plans], _series(plans),
                             title=f"{a['label']}各计划举措交办事项", chart_id=f"plan-{a['key']}"),
        "trend": line_chart([r["key"] for r in a["trend"]], [r["label"] for r in a["trend"]], _series(a["trend"]),
                            title=f"截至{a['label']}近{len(a['trend'])}个月走势", chart_id=f"trend-{a['key']}"),
    }
