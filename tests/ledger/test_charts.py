"""The app's SVG charts (app.ledger.charts, also drawing the month's analysis): the container's full width with
text at its own size (no viewBox, which would shrink the labels with the drawing on a phone), an image named by
its title with every value in its description, long names abbreviated with the full name kept in a <title>, round
axis values, no style attribute or script (the CSP). The rendered sizes at 390 and 1440 px are measured in the
browser by tests/e2e/test_journey_glance_charts.py."""

import re

import pytest

from app.ledger.charts import LABEL_MAX, axis_ticks, bar_rows, line_chart, nice_max, progress_bar, stage_chart

LONG = "P12 产业链供应链韧性和安全水平提升暨重点企业培育壮大专项行动计划"


def _svg_tag(svg):
    return re.match(r"<svg[^>]*>", str(svg)).group(0)


def _font_sizes(svg):
    return [int(size) for size in re.findall(r'font-size="(\d+)"', str(svg))]


def test_a_bar_chart_fills_the_width_with_text_of_its_own_size_and_names_itself():
    svg = bar_rows(["县市区组", LONG], [("新交办", [3, 12], "#1c7ed6"), ("办结", [1, 0], "#2b8a3e")],
                   title="各考评组交办事项", described="县市区组：新交办3，办结1", chart_id="g", css_class="c")
    tag = _svg_tag(svg)
    assert 'width="100%"' in tag and "viewBox" not in tag  # full width, text not scaled with the drawing
    assert 'role="img"' in tag and 'aria-labelledby="g-title g-desc"' in tag
    assert '<title id="g-title">各考评组交办事项</title>' in svg
    assert '<desc id="g-desc">县市区组：新交办3，办结1</desc>' in svg
    assert min(_font_sizes(svg)) >= 12
    # a long name is cut to LABEL_MAX characters on its own line; the whole name is its <title>
    assert f">{LONG[:LABEL_MAX - 1]}…<title>{LONG}</title></text>" in svg
    # positions across are shares of the width: the longest bar (12 of an axis of 20) reaches 86 % × 12/20
    assert 'width="51.60%"' in svg
    assert "style=" not in svg and "<script" not in svg


def test_a_line_chart_labels_months_short_with_the_year_under_january():
    keys = [f"2025-{m:02d}" for m in range(5, 13)] + [f"2026-{m:02d}" for m in range(1, 5)]
    svg = line_chart(keys, [("新交办", list(range(12)), "#1c7ed6"), ("办结", [None] * 6 + [1] * 6, "#2b8a3e")],
                     title="走势", described="…", chart_id="t", css_class="c")
    assert "viewBox" not in _svg_tag(svg) and min(_font_sizes(svg)) >= 12
    labels = re.findall(r'text-anchor="middle" fill="#212529">([^<]+)<', str(svg))
    assert labels == ["5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月", "4月"]
    assert ">2025年<" in svg and ">2026年<" in svg
    # a month without a figure is a gap: 12 points of the first line, 6 of the second, 11 + 5 segments
    assert svg.count("<circle") == 18 and svg.count('stroke-width="2.5"') == 16


def test_the_stage_chart_stacks_tiers_and_states_every_count():
    projects = {"tiers": [{"tier": 100, "label": "百亿级"}, {"tier": 10, "label": "十亿级"}],
                "stages": [{"label": "在建", "total": 5, "cells": [{"count": 2}, {"count": 3}]},
                           {"label": "前期", "total": 0, "cells": [{"count": 0}, {"count": 0}]}]}
    svg = stage_chart(projects)
    assert "在建：百亿级2，十亿级3；前期：百亿级0，十亿级0" in svg
    assert "<title>在建 十亿级：3</title>" in svg and 'class="ledger-chart"' in svg


def test_the_progress_bar_stretches_to_the_card():
    tag = _svg_tag(progress_bar(40, 50, "red", label="G01", chart_id="bar-G01"))
    assert 'preserveAspectRatio="none"' in tag and 'width="100%"' in tag


@pytest.mark.parametrize(("top", "ticks"), [(1, [0, 1]), (2, [0, 1, 2]), (5, [0, 1, 2, 3, 4, 5]),
                                            (20, [0, 4, 8, 12, 16, 20]), (200, [0, 40, 80, 120, 160, 200])])
def test_axis_values_are_whole_round_numbers(top, ticks):
    assert axis_ticks(nice_max(top)) == ticks
