"""Server-side SVG charts of the month's analysis: grouped bars (by group, by plan) and the twelve-month trend.

As in `app.scoring.charts`: plain markup the page embeds (no script, no external file, no `style` attribute, so
the CSP allows it), colours and fonts as presentation attributes, a <title>/<desc> stating every value for
screen readers. The charts are drawn from the analysis dict alone, so a frozen record draws the same charts.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"
GRID = "#dee2e6"
AXIS = "#adb5bd"
TEXT = "#212529"
MUTED = "#495057"
COLOURS = {"assigned": "#1c7ed6", "completed": "#2b8a3e", "overdue": "#c92a2a"}
SERIES = (("assigned", "新交办"), ("completed", "办结"), ("overdue", "逾期未办结"))
LABEL_MAX = 12


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


def _ticks(top: int):
    step = top // 5 if top % 5 == 0 else top // 4
    return list(range(0, top + 1, max(step, 1)))


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def _open(width, height, chart_id, title, described, css_class):
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="{css_class}" font-family="{FONT}" '
        'font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _legend(parts, series, x, y):
    for s in series:
        parts.append(f'<rect x="{x}" y="{y - 6}" width="12" height="12" fill="{s.colour}"/>')
        parts.append(f'<text x="{x + 17}" y="{y}" dominant-baseline="middle" fill="{TEXT}">{escape(s.name)}</text>')
        x += 36 + 13 * len(s.name)


def _describe(categories, series):
    return "；".join(f"{label}：" + "，".join(f"{s.name}{s.values[i]}" for s in series)
                    for i, label in enumerate(categories))


def bar_chart(categories, series, *, title, chart_id) -> Markup:
    """Horizontal grouped bars: one row per category (long plan names fit on the left), one bar per series
    with its value at the end."""
    width, left, right, top = 720, 170, 48, 44
    bar, gap = 9, 12
    row_h = bar * len(series) + gap
    height = top + row_h * max(len(categories), 1) + 28
    maximum = nice_max(max((v for s in series for v in s.values), default=0))
    plot_w = width - left - right

    def x_at(value):
        return left + plot_w * value / maximum

    parts = _open(width, height, chart_id, title, _describe(categories, series), "analysis-chart")
    _legend(parts, series, left, 18)
    bottom = height - 28
    for tick in _ticks(maximum):
        x = f"{x_at(tick):.1f}"
        parts.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}">{tick}</text>')
    parts.append(f'<line x1="{left}" y1="{top - 6}" x2="{left}" y2="{bottom}" stroke="{AXIS}"/>')
    for index, label in enumerate(categories):
        y0 = top + index * row_h
        parts.append(f'<text x="{left - 8}" y="{y0 + bar * len(series) / 2:.1f}" text-anchor="end" '
                     f'dominant-baseline="middle" fill="{TEXT}">{escape(_short(label))}<title>{escape(label)}</title>'
                     '</text>')
        for k, s in enumerate(series):
            value = s.values[index]
            y = y0 + k * bar
            parts.append(f'<rect x="{left}" y="{y}" width="{x_at(value) - left:.1f}" height="{bar - 1}" '
                         f'fill="{s.colour}"><title>{escape(label)} {escape(s.name)}：{value}</title></rect>')
            parts.append(f'<text x="{x_at(value) + 4:.1f}" y="{y + bar / 2:.1f}" dominant-baseline="middle" '
                         f'font-size="10" fill="{MUTED}">{value}</text>')
    if not categories:
        parts.append(f'<text x="{width // 2}" y="{top + 10}" text-anchor="middle" fill="#6c757d">无数据</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(x_labels, series, *, title, chart_id) -> Markup:
    """Lines by month with a point and its value at each month; the y axis from 0 to a round number."""
    width, height, left, right, top, bottom = 720, 300, 48, 24, 44, 40
    maximum = nice_max(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(x_labels), 1)

    def x_at(index):
        return left + plot_w * (2 * index + 1) / (2 * count)

    def y_at(value):
        return top + plot_h * (maximum - value) / maximum

    parts = _open(width, height, chart_id, title, _describe(x_labels, series), "analysis-chart")
    _legend(parts, series, left, 18)
    for tick in _ticks(maximum):
        y = f"{y_at(tick):.1f}"
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 8}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="{MUTED}">{tick}</text>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{AXIS}"/>')
    for index, label in enumerate(x_labels):
        parts.append(f'<text x="{x_at(index):.1f}" y="{height - bottom + 22}" text-anchor="middle" '
                     f'fill="{TEXT}">{escape(label)}</text>')
    for s in series:
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{s.colour}" stroke-width="2.5"/>')
        for i, v in enumerate(s.values):
            parts.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="3.5" fill="{s.colour}">'
                         f'<title>{escape(s.name)} {escape(x_labels[i])}：{v}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


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
        "trend": line_chart([r["label"] for r in a["trend"]], _series(a["trend"]),
                            title=f"截至{a['label']}近{len(a['trend'])}个月走势", chart_id=f"trend-{a['key']}"),
    }
