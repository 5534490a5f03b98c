"""Server-side SVG charts of the cockpit: a progress bar per indicator, projects by stage (stacked by tier) and the
twelve-month trends.

As in the month's analysis: plain markup embedded in the page (no script, no external file, no `style`
attribute, so the CSP allows it), colours and fonts as presentation attributes, and a <title>/<desc> stating
every value for screen readers. Drawn from the cockpit dict alone, so a frozen cockpit draws the same charts.
"""

from markupsafe import Markup, escape

FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"
GRID = "#dee2e6"
AXIS = "#adb5bd"
TEXT = "#212529"
MUTED = "#495057"
LIGHT_COLOURS = {"green": "#2b8a3e", "yellow": "#e8a100", "red": "#c92a2a", "grey": "#adb5bd"}
TIER_COLOURS = {100: "#862e9c", 10: "#1c7ed6", 1: "#66a80f", None: "#adb5bd"}
TREND_COLOURS = {"revenue": "#1c7ed6", "invested": "#e8590c", "chain_scale": "#2b8a3e"}


def nice_max(value) -> float:
    """The smallest 1, 2 or 5 × 10^k not below `value` (at least 1), for round axis ticks."""
    top = max(float(value or 0), 1.0)
    step = 1.0
    while step * 10 < top:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= top:
            return step * factor
    return step * 10


def _open(width, height, chart_id, title, described, css_class="cockpit-chart"):
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="{css_class}" font-family="{FONT}" '
        'font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def progress_bar(share, expected, light, *, label, chart_id) -> Markup:
    """A bar of the share reached (0–100 %, longer shares stop at the end with their number), a mark at the
    expected share, coloured by the light."""
    width, height = 200, 22
    reached = min(max(share or 0, 0), 100)
    parts = _open(width, height, chart_id, f"{label}进度",
                  f"完成 {_fmt(share)}%，应达进度 {_fmt(expected)}%", "cockpit-bar")
    parts.append(f'<rect x="0" y="5" width="{width}" height="12" rx="3" fill="#e9ecef"/>')
    parts.append(f'<rect x="0" y="5" width="{width * reached / 100:.1f}" height="12" rx="3" '
                 f'fill="{LIGHT_COLOURS.get(light, LIGHT_COLOURS["grey"])}"/>')
    if expected is not None:
        x = width * min(max(expected, 0), 100) / 100
        parts.append(f'<line x1="{x:.1f}" y1="1" x2="{x:.1f}" y2="21" stroke="{TEXT}" stroke-width="2">'
                     f'<title>应达进度 {_fmt(expected)}%</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stage_chart(projects: dict, *, chart_id="cockpit-stages") -> Markup:
    """Horizontal bars, one per stage, stacked by investment tier."""
    stages, tiers = projects["stages"], projects["tiers"]
    width, left, right, top, row_h = 640, 60, 40, 34, 26
    height = top + row_h * len(stages) + 10
    maximum = nice_max(max((s["total"] for s in stages), default=0))
    plot_w = width - left - right
    described = "；".join(
        f"{s['label']}：" + "，".join(f"{t['label']}{c['count']}" for t, c in zip(tiers, s["cells"], strict=True))
        for s in stages)
    parts = _open(width, height, chart_id, "项目按阶段和投资规模", described)
    x = left
    for t in tiers:
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{TIER_COLOURS.get(t["tier"])}"/>')
        parts.append(f'<text x="{x + 16}" y="14" dominant-baseline="middle" fill="{TEXT}">{escape(t["label"])}</text>')
        x += 30 + 13 * len(t["label"])
    for index, s in enumerate(stages):
        y = top + index * row_h
        parts.append(f'<text x="{left - 8}" y="{y + 9}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="{TEXT}">{escape(s["label"])}</text>')
        x = float(left)
        for t, c in zip(tiers, s["cells"], strict=True):
            w = plot_w * c["count"] / maximum
            if w > 0:
                colour = TIER_COLOURS.get(t["tier"])
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" fill="{colour}">'
                             f'<title>{escape(s["label"])} {escape(t["label"])}：{c["count"]}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 9}" dominant-baseline="middle" fill="{MUTED}">{s["total"]}</text>')
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 8}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points, key, name, unit, *, chart_id) -> Markup:
    """One line by month (年初至本月累计), a point per month with its value; months without figures are gaps."""
    width, height, left, right, top, bottom = 640, 220, 70, 16, 20, 36
    values = [p.get(key) for p in points]
    maximum = nice_max(max((v for v in values if v is not None), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(points), 1)

    def x_at(i):
        return left + plot_w * (2 * i + 1) / (2 * count)

    def y_at(v):
        return top + plot_h * (maximum - v) / maximum

    described = "；".join(f"{p['key']}：{_fmt(v)}{unit}" for p, v in zip(points, values, strict=True))
    parts = _open(width, height, chart_id, f"{name}（{unit}，年初至本月累计）近12个月", described)
    for k in range(5):
        tick = maximum * k / 4
        y = y_at(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="{MUTED}">{tick:,.0f}</text>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{AXIS}"/>')
    for i, p in enumerate(points):
        parts.append(f'<text x="{x_at(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="10" '
                     f'fill="{TEXT}">{escape(p["label"])}</text>')
    colour = TREND_COLOURS.get(key, "#1c7ed6")
    segment = []
    for i, v in enumerate(values + [None]):
        if v is not None:
            segment.append(f"{x_at(i):.1f},{y_at(v):.1f}")
        elif segment:
            parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            segment = []
    for i, v in enumerate(values):
        if v is not None:
            parts.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="3.5" fill="{colour}">'
                         f'<title>{escape(points[i]["key"])}：{_fmt(v)}{escape(unit)}</title></circle>')
    if all(v is None for v in values):
        parts.append(f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#6c757d">无数据</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def cockpit_charts(c: dict) -> dict:
    """The charts of a cockpit dict (live or frozen): per-indicator bars (by code), the stage chart, the trends."""
    return {
        "bars": {row["code"]: progress_bar(row["share"], row["expected"], row["light"], label=row["text"],
                                           chart_id=f"bar-{row['code']}") for row in c["indicators"]},
        "stages": stage_chart(c["projects"]),
        "trends": [trend_chart(c["trend"], "revenue", "企业营业收入", "万元", chart_id="trend-revenue"),
                   trend_chart(c["trend"], "invested", "项目完成投资", "万元", chart_id="trend-invested"),
                   trend_chart(c["trend"], "chain_scale", "产业链规模", "亿元", chart_id="trend-chains")],
    }
