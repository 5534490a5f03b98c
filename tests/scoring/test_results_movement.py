"""Rank movement on the quarter's results against the previous quarter (issue 16, section 4): per unit "↑2",
"↓1", "—" or "新" with the words a screen reader says, computed by the service (app.scoring.reports), shown on the
page and in its Excel, with a constant number of statements. Q1 compares with the previous year's Q4 when that
quarter was scored, else shows nothing.

Hand-made data (counties, 市工信局 of 25, every other cell full marks, no tasks so 千百十办 is full):
  2025 Q4: 湘潭县 25, 湘乡市 24, 韶山市 23, 雨湖区 22, 岳塘区 21 → ranks 1 2 3 4 5
  2026 Q1: 湘潭县 21, 湘乡市 25, 韶山市 23, 雨湖区 24, 岳塘区 22 → 湘乡市 1, 雨湖区 2, 韶山市 3, 岳塘区 4, 湘潭县 5
  so 湘乡市 ↑1, 雨湖区 ↑2, 韶山市 —, 岳塘区 ↑1, 湘潭县 ↓4.
"""

import io
from datetime import date, datetime

from openpyxl import load_workbook

from app.scoring.engine import Assessor
from app.scoring.reports import previous_quarter, previous_quarter_report, quarter_report, rank_movements
from app.scoring.year_rules import assessed_units, load_year_rules
from tests.scoring.test_results_views import fill_entries, parse, row_of

Q4_2025 = {("湘潭县人民政府", "miit"): 25, ("湘乡市人民政府", "miit"): 24, ("韶山市人民政府", "miit"): 23,
           ("雨湖区人民政府", "miit"): 22, ("岳塘区人民政府", "miit"): 21}
Q1_2026 = {("湘潭县人民政府", "miit"): 21, ("湘乡市人民政府", "miit"): 25, ("韶山市人民政府", "miit"): 23,
           ("雨湖区人民政府", "miit"): 24, ("岳塘区人民政府", "miit"): 22}
EXPECTED = {"湘乡市人民政府": ("1", "↑1", "较上季度上升 1 位"), "雨湖区人民政府": ("2", "↑2", "较上季度上升 2 位"),
            "韶山市人民政府": ("3", "—", "与上季度名次相同"), "岳塘区人民政府": ("4", "↑1", "较上季度上升 1 位"),
            "湘潭县人民政府": ("5", "↓4", "较上季度下降 4 位")}


def _row(unit_id, group, rank):
    return {"unit_id": unit_id, "group": group, "rank": rank}


def test_movement_is_up_down_same_or_new_by_hand():
    previous = {"units": [_row(1, "county", 1), _row(2, "county", 2), _row(3, "county", 3), _row(4, "park1", 1)]}
    report = {"units": [_row(1, "county", 3), _row(2, "county", 1), _row(3, "county", 3), _row(4, "county", 2),
                        _row(5, "county", 5)]}
    moves = rank_movements(report, previous)
    assert (moves[1]["kind"], moves[1]["text"], moves[1]["label"]) == ("down", "↓2", "较上季度下降 2 位")
    assert (moves[2]["kind"], moves[2]["text"], moves[2]["label"]) == ("up", "↑1", "较上季度上升 1 位")
    assert (moves[3]["kind"], moves[3]["text"], moves[3]["label"]) == ("same", "—", "与上季度名次相同")
    # another group last quarter, or not ranked at all: new in this group's ranking
    assert moves[4]["text"] == moves[5]["text"] == "新"
    assert moves[5]["label"] == "上季度未参加本组排名"
    assert rank_movements(report, None) == {}


def test_q1_looks_back_to_the_previous_years_q4():
    assert previous_quarter(2026, 1) == (2025, 4)
    assert previous_quarter(2026, 3) == (2026, 2)


def test_q1_without_a_scored_previous_q4_shows_no_movement(client, login_as, clock):
    fill_entries(2026, 1, values=Q1_2026)
    assert previous_quarter_report(2026, 1, date(2026, 3, 10)) is None
    login_as("admin")
    html = client.get("/scoring/2026/q1").text
    assert "较上季度" not in html and "data-movement" not in html
    assert row_of(html, "湘乡市人民政府")[11] == "1"


def test_q1_compares_with_last_years_q4_on_the_page(client, login_as, clock):
    fill_entries(2025, 4, values=Q4_2025)
    fill_entries(2026, 1, values=Q1_2026)
    login_as("shizhang")
    response = client.get("/scoring/2026/q1")
    assert response.status_code == 200
    header = next(r for r in parse(response.text).rows if r and r[0] == "单位")
    assert header[-3:] == ["排名", "较上季度（与2025年第四季度相比）", "备注"]
    for name, (rank, text, label) in EXPECTED.items():
        row = row_of(response.text, name)
        assert row[11] == rank, name
        assert row[12] == f"{text}{label}", name  # the arrow for the eye, the words for a screen reader
    assert 'title="较上季度下降 4 位"' in response.text
    assert "名次变化与2025年第四季度本组名次相比" in response.text


def test_q2_compares_with_q1_of_the_same_year(client, login_as, clock):
    fill_entries(2026, 1, values=Q4_2025)
    clock.set(datetime(2026, 6, 10, 9, 0))
    fill_entries(2026, 2, values=Q1_2026)
    report = quarter_report(2026, 2, date(2026, 6, 10))
    moves = rank_movements(report, previous_quarter_report(2026, 2, date(2026, 6, 10)))
    names = {row["unit_id"]: row["name"] for row in report["units"]}
    got = {names[uid]: m["text"] for uid, m in moves.items() if names[uid] in EXPECTED}
    assert got == {name: text for name, (_, text, _) in EXPECTED.items()}


def test_the_quarter_excel_has_the_movement_column(client, login_as, clock):
    fill_entries(2025, 4, values=Q4_2025)
    fill_entries(2026, 1, values=Q1_2026)
    login_as("admin")
    response = client.get("/scoring/2026/q1.xlsx")
    ws = load_workbook(io.BytesIO(response.data))["县市区组"]
    header = [ws.cell(row=3, column=c).value for c in range(1, ws.max_column + 1)]
    at = header.index("较上季度")
    assert header[at - 1] == "排名" and header[at + 1] == "备注"
    rows = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=at + 1).value for r in range(4, 9)}
    assert rows == {name: text for name, (_, text, _) in EXPECTED.items()}


def test_the_movement_adds_a_constant_number_of_statements(client, login_as, clock, count_queries):
    """The previous quarter's ranks come from the same few aggregate queries however many units were scored."""
    counties = {name for name, _ in Q4_2025}
    others = {(unit.name, assessor) for unit in assessed_units() if unit.name not in counties
              for assessor, _, _, _ in load_year_rules(2025).entry_cells(unit.id)}
    fill_entries(2026, 1, values=Q1_2026)
    fill_entries(2025, 4, values=Q4_2025, skip=others)  # five units scored last quarter
    login_as("admin")
    client.get("/scoring/2026/q1")
    with count_queries() as few:
        assert "较上季度" in client.get("/scoring/2026/q1").text
    fill_entries(2025, 4, skip={(name, a.value) for name in counties for a in Assessor})
    with count_queries() as many:
        assert "较上季度" in client.get("/scoring/2026/q1").text
    assert many.count == few.count


def test_a_quarter_not_yet_begun_shows_no_movement(client, login_as, clock):
    fill_entries(2026, 1, values=Q1_2026)
    assert previous_quarter_report(2026, 2, date(2026, 3, 10)) is None
    login_as("admin")
    assert "data-movement" not in client.get("/scoring/2026/q2").text
