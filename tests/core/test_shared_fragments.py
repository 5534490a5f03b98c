"""The menu and the links to static files are rendered once and reused (app/core/templating.py): the menu once per
set of the reader's permissions, so each reader still sees only the entries his permissions give, whatever page or
reader came before him."""

import re
from pathlib import Path

from app.core.templating import NAV_PERMISSIONS

# (username, entries the menu must show, entries it must not)
READERS = [
    ("admin", {"事项总览", "交办事项", "管理", "导入交办事项", "本单位事项"}, set()),
    ("gxj", {"本单位事项", "会议", "月度报送"}, {"事项总览", "交办事项", "管理", "导入交办事项", "旬调度清单"}),
    ("guancha", {"事项总览", "旬调度清单", "驾驶舱"}, {"交办事项", "管理", "本单位事项"}),
    ("fushizhang", {"事项总览", "旬调度清单", "交办事项"}, {"管理", "本单位事项"}),
]


def menu_entries(html):
    menu = html[html.index('<ul class="navbar-nav me-auto">'):html.index('<ul class="navbar-nav">')]
    return {text.strip() for text in re.findall(r'class="(?:nav-link|dropdown-item)[^"]*"[^>]*>([^<]+)<', menu)}


def test_each_reader_sees_the_menu_of_his_permissions_in_any_order_of_readers(app, client, login_as):
    app.extensions.pop("shared_fragments", None)
    for _ in range(2):  # the second round reads the menus made in the first
        for username, shown, hidden in READERS + READERS[::-1]:
            login_as(username)
            entries = menu_entries(client.get("/").get_data(as_text=True))
            assert shown <= entries and not hidden & entries, (username, entries)
    menus = [key for key in app.extensions["shared_fragments"] if key[0] == "_nav_menu.html"]
    assert 1 < len(menus) <= len(READERS)  # one per set of permissions, not one per request
    assert all(set(key[2]) <= set(NAV_PERMISSIONS) for key in menus)


def test_the_static_files_of_every_page_are_linked_once_rendered(app, client, login_as):
    login_as("gxj")
    html = client.get("/tasks/inbox").get_data(as_text=True)
    head = html[:html.index("</head>")]
    assert re.search(r'<link rel="stylesheet" href="/static/css/app\.css', head)
    assert "bootstrap" in head and "tom-select.bootstrap5.min.css" in head
    assert html.count("js/confirm.js") == 1 and "tom-select.complete.min.js" in html
    assert ("_assets_head.html", "", ()) in app.extensions["shared_fragments"]


def test_every_permission_the_menu_asks_about_is_part_of_its_cache_key():
    """The shared menu is keyed by the answers to NAV_PERMISSIONS: a `can('…')` in _nav_menu.html outside that list
    would be answered "no" for everyone, silently."""
    source = (Path(__file__).parents[2] / "app/templates/_nav_menu.html").read_text(encoding="utf-8")
    asked = set(re.findall(r"can\('(\w+)'\)", source))
    assert asked and asked <= set(NAV_PERMISSIONS), asked - set(NAV_PERMISSIONS)
