"""Server-side SVG charts of the cockpit: a progress bar per indicator, projects by stage (stacked by tier) and the
twelve-month trends; and the two drawings every chart of the app is made of (`bar_rows`, `line_chart`), which the
month's analysis (app.meetings.analysis_charts) uses too.

Plain markup embedded in the page (no script, no external file, no `style` attribute, so the CSP allows it),
colours and fonts as presentation attributes, role="img" named by a <title> and a <desc> stating every value for
screen readers. Drawn from the cockpit dict alone, so a frozen cockpit draws the same charts.

Full width with readable text at any width: a chart is `width="100%"` of its container with a height in pixels,
and deliberately has no viewBox, because a viewBox scales the text with the drawing (a 640-unit chart drawn 358 px
wide on a phone shrank 12-px labels to 6.7 px). Horizontal positions are percentages of the width and text keeps
its own size in CSS pixels (12–13 px on a phone and on a desktop alike); a category's name sits on its own line
above its bars, so long Chinese names get the whole width (abbreviated past `LABEL_MAX` characters, the full name
in a <title>).
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
LABEL_SIZE = 13  # px: category names and the legend
VALUE_SIZE = 12  # px: values and axis ticks — the smallest text of a chart
LABEL_MAX = 24  # characters of a category name on a 358-px phone line (13 px each); longer ones end in "…"
LEGEND_WIDTH = 330  # px: the legend wraps to a new line before this, to fit a phone
PLOT_END = 86  # % of the width the longest bar reaches, leaving room for its value


def nice_max(value) -> float:
    """The smallest 1, 2 or 5 × 10^k not below `value` (at least 1), for round axis ticks."""
    top = max(float(value or 0), 1.0)  # a float, so axis_ticks may divide it
    step = 1.0
    while step * 10 < top:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= top:
            return step * factor
    return step * 10


def _open(height, chart_id, title, described, css_class):
    """The <svg> of a chart: the container's full width, `height` px tall, named for screen readers."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="{css_class}" font-family="{FONT}" '
        f'font-size="{VALUE_SIZE}" data-chart="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
        '<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
    ]


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _short(label: str, limit=LABEL_MAX) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _text_width(text: str, size: int) -> float:
    """Roughly how wide `text` is at `size` px: a CJK character is one em, a digit or Latin letter about 0.6."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in str(text))


def _legend(parts, items, y):
    """Coloured squares with their names from the left; a new line when the next would pass LEGEND_WIDTH.
    Returns the y below the legend."""
    x = 0
    for name, colour in items:
        width = 18 + _text_width(name, LABEL_SIZE) + 16
        if x and x + width > LEGEND_WIDTH:
            x, y = 0, y + 20
        parts.append(f'<rect x="{x}" y="{y - 6}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 17}" y="{y}" dominant-baseline="middle" font-size="{LABEL_SIZE}" '
                     f'fill="{TEXT}">{escape(name)}</text>')
        x += width
    return y + 16


def axis_ticks(maximum) -> list:
    """Round tick values from 0 to `maximum` (a nice_max), whole numbers only: five steps, else four, two, one."""
    for steps in (5, 4, 2, 1):
        if (maximum / steps).is_integer():
            return [maximum * k / steps for k in range(steps + 1)]
    return [0, maximum]


def _pct(value, maximum, span=PLOT_END):
    return f"{span * value / maximum:.2f}%"


def bar_rows(categories, series, *, title, described, chart_id, css_class, stacked=False, total_of=None,
             maximum=None) -> Markup:
    """Horizontal bars, one block per category: its name on a line of its own (the whole width, so long names
    stay readable), then one bar per series (grouped) or one bar of all series (stacked), each with its value at
    its end; an axis of round values at the bottom. `series`: [(name, values, colour)], values non-negative
    numbers, one per category; `maximum` the axis' end (default: nice_max of the longest bar)."""
    stacked_totals = [sum(s[1][i] for s in series) for i in range(len(categories))]
    top_value = max(stacked_totals if stacked else [v for s in series for v in s[1]], default=0)
    maximum = maximum or nice_max(top_value)
    bar, gap = (16, 12) if stacked else (11, 12)
    parts = []
    y = _legend(parts, [(name, colour) for name, _, colour in series], 10) + 4
    rows_top = y
    for index, label in enumerate(categories):
        y += LABEL_SIZE + 2
        short = _short(label)
        full = f"<title>{escape(label)}</title>" if short != label else ""
        parts.append(f'<text x="0" y="{y}" font-size="{LABEL_SIZE}" fill="{TEXT}">{escape(short)}{full}</text>')
        y += 5
        if stacked:
            start = 0
            for name, values, colour in series:
                value = values[index]
                if value:
                    parts.append(f'<rect x="{_pct(start, maximum)}" y="{y}" width="{_pct(value, maximum)}" '
                                 f'height="{bar}" fill="{colour}"><title>{escape(label)} {escape(name)}：'
                                 f'{_fmt(value)}</title></rect>')
                start += value
            total = total_of(index) if total_of else start
            parts.append(f'<text x="{_pct(start, maximum)}" dx="4" y="{y + bar / 2 + 1}" dominant-baseline="middle" '
                         f'fill="{MUTED}">{_fmt(total)}</text>')
            y += bar
        else:
            for name, values, colour in series:
                value = values[index]
                parts.append(f'<rect x="0" y="{y}" width="{_pct(value, maximum)}" height="{bar - 1}" fill="{colour}">'
                             f'<title>{escape(label)} {escape(name)}：{_fmt(value)}</title></rect>')
                parts.append(f'<text x="{_pct(value, maximum)}" dx="4" y="{y + bar / 2}" dominant-baseline="middle" '
                             f'fill="{MUTED}">{_fmt(value)}</text>')
                y += bar + 1
        y += gap
    if not categories:
        y += 24
        parts.append(f'<text x="50%" y="{y - 6}" text-anchor="middle" fill="#6c757d">无数据</text>')
    bottom = y
    ticks = axis_ticks(maximum)
    for k, tick in enumerate(ticks):
        x = _pct(tick, maximum)
        parts.append(f'<line x1="{x}" y1="{rows_top}" x2="{x}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>')
        anchor = "start" if k == 0 else "middle"
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="{anchor}" fill="{MUTED}">{tick:,.0f}</text>')
    parts.append(f'<line x1="0" y1="{rows_top}" x2="0" y2="{bottom}" stroke="{AXIS}" stroke-width="2"/>')
    height = bottom + 24
    # the grid goes under the bars: drawn last, moved first
    grid = parts[-(2 * len(ticks) + 1):]
    parts = _open(height, chart_id, title, described, css_class) + grid + parts[:-(2 * len(ticks) + 1)]
    parts.append("</svg>")
    return Markup("".join(parts))


def _month_labels(keys):
    """("4月", "2026年") per month key "2026-04": the year only under the first month and under each January,
    so twelve labels fit a phone's width."""
    out = []
    for i, key in enumerate(keys):
        year, _, month = str(key).partition("-")
        out.append((f"{int(month)}月" if month.isdigit() else str(key),
                    f"{year}年" if month.isdigit() and (i == 0 or int(month) == 1) else ""))
    return out


def line_chart(keys, series, *, title, described, chart_id, css_class, height=240, maximum=None) -> Markup:
    """Lines by month (`keys` "2026-04"), a point per month with its value in its <title>; months without a
    figure (None) are gaps. The y axis from 0 to a round number, its values inside the plot above their grid
    lines so no margin is needed. `series`: [(name, values, colour)]."""
    values_all = [v for _, values, _ in series for v in values if v is not None]
    maximum = maximum or nice_max(max(values_all, default=0))
    parts = []
    # room above the plot for the top axis value, which sits above its grid line
    top = (_legend(parts, [(name, colour) for name, _, colour in series], 10) if len(series) > 1 else 0) + 20
    bottom = height - 34
    count = max(len(keys), 1)

    def x_at(i):
        return f"{2 + 96 * (2 * i + 1) / (2 * count):.2f}%"

    def y_at(v):
        return top + (bottom - top) * (maximum - v) / maximum

    grid = []
    for k, tick in enumerate(axis_ticks(maximum)):
        y = y_at(tick)
        grid.append(f'<line x1="0" y1="{y:.1f}" x2="100%" y2="{y:.1f}" stroke="{GRID if k else AXIS}"/>')
        if k:
            grid.append(f'<text x="0" y="{y - 4:.1f}" fill="{MUTED}">{tick:,.0f}</text>')
    for i, (month, year) in enumerate(_month_labels(keys)):
        parts.append(f'<text x="{x_at(i)}" y="{bottom + 16}" text-anchor="middle" fill="{TEXT}">{escape(month)}</text>')
        if year:  # the first month's year starts at its month, so it is not cut at the left edge
            anchor = "start" if i == 0 else "middle"
            parts.append(f'<text x="{x_at(i)}" dx="{-8 if i == 0 else 0}" y="{bottom + 30}" text-anchor="{anchor}" '
                         f'fill="{MUTED}">'
                         f'{escape(year)}</text>')
    for name, values, colour in series:
        for i in range(len(values) - 1):
            a, b = values[i], values[i + 1]
            if a is not None and b is not None:
                parts.append(f'<line x1="{x_at(i)}" y1="{y_at(a):.1f}" x2="{x_at(i + 1)}" y2="{y_at(b):.1f}" '
                             f'stroke="{colour}" stroke-width="2.5"/>')
        for i, v in enumerate(values):
            if v is not None:
                parts.append(f'<circle cx="{x_at(i)}" cy="{y_at(v):.1f}" r="3.5" fill="{colour}">'
                             f'<title>{escape(name)} {escape(keys[i])}：{_fmt(v)}</title></circle>')
    if not values_all:
        parts.append(f'<text x="50%" y="{(top + bottom) // 2}" text-anchor="middle" fill="#6c757d">无数据</text>')
    parts = _open(height, chart_id, title, described, css_class) + grid + parts
    parts.append("</svg>")
    return Markup("".join(parts))


# --- the cockpit ------------------------------------------------------------------------------------------

def progress_bar(share, expected, light, *, label, chart_id) -> Markup:
    """A bar of the share reached (0–100 %, longer shares stop at the end with their number), a mark at the
    expected share, coloured by the light. No text inside: stretched to the card's width (no aspect ratio kept)."""
    width, height = 200, 22
    reached = min(max(share or 0, 0), 100)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'width="100%" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'class="cockpit-bar">',
        f'<title id="{chart_id}-title">{escape(label)}进度</title>',
        f'<desc id="{chart_id}-desc">完成 {_fmt(share)}%，应达进度 {_fmt(expected)}%</desc>',
    ]
    parts.append(f'<rect x="0" y="5" width="{width}" height="12" rx="3" fill="#e9ecef"/>')
    parts.append(f'<rect x="0" y="5" width="{width * reached / 100:.1f}" height="12" rx="3" '
                 f'fill="{LIGHT_COLOURS.get(light, LIGHT_COLOURS["grey"])}"/>')
    if expected is not None:
        x = width * min(max(expected, 0), 100) / 100
        parts.append(f'<line x1="{x:.1f}" y1="1" x2="{x:.1f}" y2="21" stroke="{TEXT}" stroke-width="2" '
                     f'vector-effect="non-scaling-stroke"><title>应达进度 {_fmt(expected)}%</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stage_chart(projects: dict, *, chart_id="cockpit-stages") -> Markup:
    """Horizontal bars, one per stage, stacked by investment tier, the stage's total at the end."""
    stages, tiers = projects["stages"], projects["tiers"]
    described = "；".join(
        f"{s['label']}：" + "，".join(f"{t['label']}{c['count']}" for t, c in zip(tiers, s["cells"], strict=True))
        for s in stages)
    series = [(t["label"], [s["cells"][k]["count"] for s in stages], TIER_COLOURS.get(t["tier"]))
              for k, t in enumerate(tiers)]
    return bar_rows([s["label"] for s in stages], series, title="项目按阶段和投资规模", described=described,
                    chart_id=chart_id, css_class="ledger-chart", stacked=True,
                    total_of=lambda i: stages[i]["total"])


def trend_chart(points, key, name, unit, *, chart_id) -> Markup:
    """One line by month (年初至本月累计), a point per month with its value; months without figures are gaps."""
    values = [p.get(key) for p in points]
    described = "；".join(f"{p['key']}：{_fmt(v)}{unit}" for p, v in zip(points, values, strict=True))
    return line_chart([p["key"] for p in points], [(f"{name}（{unit}）", values, TREND_COLOURS.get(key, "#1c7ed6"))],
                      title=f"{name}（{unit}，年初至本月累计）近12个月", described=described, chart_id=chart_id,
                      css_class="ledger-chart", height=220)


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
