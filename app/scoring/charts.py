"""Server-side SVG charts for the result pages: no script, no external file, no inline style.

The page embeds the markup directly (an <svg> element is markup, not script, so the CSP allows it) and the same
chart is served as an image at `/scoring/units/<id>/trend.svg`. Colours and fonts are SVG presentation attributes,
not `style` attributes, which `default-src 'self'` would block. Coordinates are computed in Decimal and written
with one decimal; the scores themselves are printed as the two-place strings of the report.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 24, 44, 40
FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"
UNIT_COLOUR = "#a4161a"
AVERAGE_COLOUR = "#6c757d"
GRID_COLOUR = "#dee2e6"
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple  # Decimal or None per x label (None: no score yet, the line breaks there)
    colour: str = UNIT_COLOUR
    dashed: bool = False
    labelled: bool = True  # print each value above its point


def _n(value: Decimal) -> str:
    """A coordinate with one decimal ("12.5"), never in scientific notation."""
    return f"{value.quantize(TENTH):f}"


def _score(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _y_range(series, full_marks: Decimal):
    values = [v for s in series for v in s.values if v is not None]
    if not values:
        return Decimal(0), full_marks
    low = min(values) - 5
    low = (low / 10).to_integral_value(rounding=ROUND_FLOOR) * 10
    return max(Decimal(0), min(low, full_marks - 10)), full_marks


def trend_svg(series, x_labels, *, title, full_marks=Decimal(100), standalone=False, chart_id="trend") -> Markup:
    """A line chart of scores by quarter: one polyline per series, broken where a value is missing, the y axis
    from a round number below the lowest score up to full marks, a legend, and a <title>/<desc> that state
    every value for screen readers."""
    low, high = _y_range(series, Decimal(full_marks))
    plot_w = Decimal(WIDTH - LEFT - RIGHT)
    plot_h = Decimal(HEIGHT - TOP - BOTTOM)
    count = max(len(x_labels), 1)

    def x_at(index):
        return Decimal(LEFT) + plot_w * (2 * index + 1) / (2 * count)

    def y_at(value):
        clamped = min(max(value, low), high)
        return Decimal(TOP) + plot_h * (high - clamped) / (high - low)

    parts = []
    size = f' width="{WIDTH}" height="{HEIGHT}"' if standalone else ' width="100%"'
    described = "；".join(
        f"{s.name}：" + "，".join(f"{label}{_score(v) if v is not None else '暂无'}"
                                 for label, v in zip(x_labels, s.values, strict=True))
        for s in series)
    parts.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"{size} role="img" '
                 f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="trend-chart" '
                 f'font-family="{FONT}" font-size="12">')
    parts.append(f'<title id="{chart_id}-title">{escape(title)}</title>')
    parts.append(f'<desc id="{chart_id}-desc">{escape(described)}</desc>')
    parts.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>')

    step = Decimal(10) if high - low > 30 else Decimal(5)
    tick = low
    while tick <= high:
        y = _n(y_at(tick))
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID_COLOUR}" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="#495057">{_n(tick).removesuffix(".0")}</text>')
        tick += step
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#adb5bd"/>')
    for index, label in enumerate(x_labels):
        parts.append(f'<text x="{_n(x_at(index))}" y="{HEIGHT - BOTTOM + 22}" text-anchor="middle" '
                     f'fill="#212529">{escape(label)}</text>')

    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        segment = []
        for index, value in enumerate(list(s.values) + [None]):
            if value is not None:
                segment.append(f"{_n(x_at(index))},{_n(y_at(value))}")
                continue
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{s.colour}" '
                             f'stroke-width="2.5"{dash}/>')
            segment = []
        for index, value in enumerate(s.values):
            if value is None:
                continue
            x, y = _n(x_at(index)), _n(y_at(value))
            parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{s.colour}"><title>{escape(s.name)} '
                         f'{escape(x_labels[index])}：{_score(value)}</title></circle>')
            if s.labelled:
                # below a dip, above otherwise, so the label does not sit on the line; a white halo keeps it
                # readable where it crosses the other series
                known = [v for v in (s.values[index - 1] if index else None,
                                     s.values[index + 1] if index + 1 < len(s.values) else None) if v is not None]
                below = bool(known) and all(value < v for v in known)
                label_y = y_at(value) + 20 if below else y_at(value) - 10
                parts.append(f'<text x="{x}" y="{_n(label_y)}" text-anchor="middle" fill="{s.colour}" '
                             f'font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                             f'{_score(value)}</text>')

    legend_x = LEFT
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        parts.append(f'<line x1="{legend_x}" y1="18" x2="{legend_x + 28}" y2="18" stroke="{s.colour}" '
                     f'stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{legend_x + 34}" y="18" dominant-baseline="middle" fill="#212529">'
                     f'{escape(s.name)}</text>')
        legend_x += 48 + 13 * len(s.name)
    if not any(v is not None for s in series for v in s.values):
        parts.append(f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle" fill="#6c757d">'
                     '本年度尚无季度得分</text>')
    parts.append("</svg>")
    markup = "".join(parts)
    if standalone:
        markup = '<?xml version="1.0" encoding="UTF-8"?>\n' + markup
    return Markup(markup)
