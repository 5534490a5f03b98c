"""Accessible to everyone (WCAG 2.1 AA, which GB/T 37668-2019 follows; issue #16, section 6), checked on the HTML
the app serves: the base layout's skip link and main landmark, and form errors tied to their fields
(aria-invalid, aria-describedby naming ids that exist, a summary with role="alert" linking each error to its field),
for text inputs, selects and checkboxes. The browser journeys add axe-core on every page they visit
(tests/e2e/helpers.py) and tests/e2e/test_journey_accessibility.py checks the phone width and the focus ring."""

from html.parser import HTMLParser

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import options

FOCUSABLE = {"a", "button", "input", "select", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Elements(HTMLParser):
    """Every start tag of a page in document order, as (tag, attributes)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.texts = {}  # id -> text directly inside the element with that id
        self._open_ids = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag not in VOID:
            self._open_ids.append((tag, attributes.get("id")))

    def handle_endtag(self, tag):
        while self._open_ids:
            if self._open_ids.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open_ids:
            if element_id:
                self.texts[element_id] = self.texts.get(element_id, "") + data

    def by_id(self, element_id):
        return next(((tag, attrs) for tag, attrs in self.elements if attrs.get("id") == element_id), None)

    def first_focusable_in_body(self):
        body = [i for i, (tag, _) in enumerate(self.elements) if tag == "body"][0]
        for tag, attrs in self.elements[body:]:
            if tag in FOCUSABLE and attrs.get("type") != "hidden" and attrs.get("tabindex") != "-1":
                return tag, attrs
        return None


def assert_skip_link_and_main(html):
    page = Elements(html)
    tag, attrs = page.first_focusable_in_body()
    assert (tag, attrs.get("href")) == ("a", "#main"), f"the first thing Tab reaches is {tag} {attrs}"
    assert "skip-link" in attrs.get("class", "") and "visually-hidden-focusable" in attrs.get("class", "")
    main = page.by_id("main")
    assert main is not None and main[0] == "main" and main[1].get("tabindex") == "-1"
    return page


def test_every_page_starts_with_a_skip_link_to_the_main_landmark(client, login_as):
    login_page = client.get("/auth/login")
    assert "跳到正文" in login_page.get_data(as_text=True)
    assert_skip_link_and_main(login_page.get_data(as_text=True))

    for username, path in [("gxj", "/"), ("gxj", "/tasks/inbox"), ("admin", "/auth/users/new")]:
        login_as(username)
        response = client.get(path)
        assert response.status_code == 200, path
        assert_skip_link_and_main(response.get_data(as_text=True))


def test_the_brand_has_a_short_name_for_narrow_screens_and_keeps_the_full_name(client):
    html = client.get("/auth/login").get_data(as_text=True)

    assert '<span class="brand-full">湘潭市产业强市“千百十”工程督考系统</span>' in html
    assert '<span class="brand-short" aria-hidden="true">千百十督考</span>' in html


def test_the_form_errors_script_is_loaded_from_a_file_not_inline(client):
    html = client.get("/auth/login").get_data(as_text=True)

    assert 'src="/static/js/form_errors.js"' in html
    script = client.get("/static/js/form_errors.js")
    assert script.status_code == 200 and b"aria-invalid" in script.data
    script.close()


def assert_tied_to_errors(page, field_id, messages):
    """The field is aria-invalid and its aria-describedby names elements that exist and hold `messages`."""
    tag, attrs = page.by_id(field_id)
    assert attrs.get("aria-invalid") == "true", f"{field_id} is not marked invalid: {attrs}"
    described = attrs.get("aria-describedby", "").split()
    assert described, f"{field_id} names no description"
    for element_id in described:
        assert page.by_id(element_id) is not None, f"{field_id} points at a missing #{element_id}"
    texts = [page.texts.get(element_id, "").strip() for element_id in described]
    for message in messages:
        assert any(message in text for text in texts), f"{message!r} is not in {field_id}'s descriptions {texts}"
    return texts


def error_summary_links(page):
    summary = [i for i, (_, attrs) in enumerate(page.elements) if "data-form-errors" in attrs]
    assert len(summary) == 1, "no error summary (or more than one)"
    tag, attrs = page.elements[summary[0]]
    assert attrs.get("role") == "alert"
    return [attrs["href"] for tag, attrs in page.elements[summary[0]:] if tag == "a" and "alert-link" in
            attrs.get("class", "")]


def test_a_refused_form_ties_each_error_to_its_field_and_lists_them_with_links(client, login_as):
    login_as("admin")
    response = client.post("/auth/users/new", data={
        "username": "坏 名字", "display_name": "", "role": "emperor", "email": "not-an-address"})
    assert response.status_code in (200, 400, 422)
    page = Elements(response.get_data(as_text=True))

    assert_tied_to_errors(page, "username", ["用户名只能包含英文字母、数字、下划线、点和减号。"])
    assert_tied_to_errors(page, "role", ["请从列表中选择有效的角色。"])  # a select
    assert_tied_to_errors(page, "email", ["电子邮箱格式不正确。"])
    display = page.by_id("display_name")[1]
    assert display.get("aria-invalid") == "true"
    links = error_summary_links(page)
    assert {"#username", "#display_name", "#role", "#email"} <= set(links)
    # A field without errors is not marked, and its help text is still tied to it.
    password = page.by_id("password")[1]
    assert "aria-invalid" not in password
    assert password.get("aria-describedby") == "password-help" and page.by_id("password-help") is not None


class _Checks(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("名称", validators=[DataRequired(message="请填写名称。"), Length(max=3, message="名称太长。")],
                       description="不超过三个字。")
    kind = SelectField("类别", choices=options([("a", "甲"), ("b", "乙")]))
    agree = BooleanField("已核对", validators=[DataRequired(message="请勾选已核对。")])


def test_the_field_macro_marks_checkboxes_selects_and_help_text_with_prefixed_ids(app):
    with app.test_request_context(method="POST", data={"name": "太长的名称", "kind": "z"}):
        form = _Checks()
        assert not form.validate()
        html = render_template_string(
            '{% from "_macros.html" import field, form_errors %}'
            '{{ form_errors(form) }}{{ field(form.name) }}{{ field(form.kind) }}{{ field(form.agree) }}', form=form)
        prefixed = Elements(render_template_string(
            '{% from "_macros.html" import field %}{{ field(form.name, id_prefix="p-") }}', form=form))
    page = Elements(html)

    texts = assert_tied_to_errors(page, "name", ["名称太长。"])
    assert "不超过三个字。" in texts  # the help text is part of the description too
    assert_tied_to_errors(page, "kind", form.kind.errors)  # a select
    assert_tied_to_errors(page, "agree", ["请勾选已核对。"])  # a checkbox
    assert set(error_summary_links(page)) == {"#name", "#kind", "#agree"}
    assert_tied_to_errors(prefixed, "p-name", ["名称太长。"])  # ids stay unique with a prefix


def test_a_form_without_errors_renders_no_summary_and_no_invalid_marks(app):
    with app.test_request_context():
        form = _Checks()
        html = render_template_string(
            '{% from "_macros.html" import field, form_errors %}{{ form_errors(form) }}{{ field(form.name) }}'
            '{{ field(form.agree) }}', form=form)

    assert "data-form-errors" not in html and "aria-invalid" not in html
    assert 'aria-describedby="name-help"' in html


def test_every_select_field_is_styled_as_a_select_whatever_its_class(app):
    """An IdSelectField (e.g. 所属单位 on the user form) was styled as a text box (form-control): the macro looked
    for the class name '_IdSelect'. Any field drawn by WTForms' Select widget is a form-select."""
    from flask import render_template_string
    from flask_wtf import FlaskForm
    from wtforms import SelectMultipleField

    from app.core.forms import IdSelectField, options

    class Form(FlaskForm):
        class Meta:
            csrf = False

        unit_id = IdSelectField("所属单位", choices=options([(1, "市工信局")]))
        unit_ids = SelectMultipleField("配合单位", choices=options([("1", "市工信局")]))

    with app.test_request_context():
        html = render_template_string('{% from "_macros.html" import field %}{{ field(form.unit_id) }}'
                                      '{{ field(form.unit_ids) }}', form=Form())
    assert html.count('class="form-select"') == 2 and "form-control" not in html
