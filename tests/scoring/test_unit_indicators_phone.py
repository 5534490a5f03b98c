"""A unit's indicator page on a phone (政务微信 at 390 px): one line per indicator with the points given and what was
lost first, then actual, target and completion — the table, whose points and reasons sat off-screen to the right, is
for wider screens. Both show the same indicators."""

import re

from app.extensions import db
from tests.factories import account, unit
from tests.scoring.matrix_criteria_entry import publish


def test_the_phone_list_shows_every_indicator_of_the_table_with_its_points(client, login_as, clock):
    publish(account("admin"), 2026, "miit")
    db.session.commit()
    login_as("xtx")
    county = unit("湘潭县人民政府")
    page = client.get(f"/scoring/units/{county.id}/2026/q1/indicators").get_data(as_text=True)
    table_rows = re.findall(r'<tr class="[^"]*" data-assessor="miit" data-code="(\w+)"', page)
    phone = page[page.index('indicator-list'):]
    phone = phone[:phone.index('</ul>')]
    items = re.findall(r'<li class="list-group-item', phone)
    assert len(table_rows) >= 8 and len(items) == len(table_rows) + 1  # and the 合计 line
    for name in ("产业链建设", "规模工业企业培育", "企业精准帮扶"):
        assert name in phone
    assert "未确认" in phone and "/ 4 分" in phone and "合计" in phone
    assert 'class="table-responsive d-none d-md-block"' in page
