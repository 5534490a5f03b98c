"""Issue #11, 6: the one-line fields of accounts and tokens refuse control characters (a name with CR LF breaks
every header and Excel cell it reaches), in the services (API, CLI) and on the pages, and change nothing."""

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import ApiToken, Role, User
from app.core.errors import ServiceError
from app.extensions import db

BAD = ["联络员\r\n", "联络\n员", "联络员\x00", "联络\t员", "联络\u2028员"]


@pytest.mark.parametrize("value", BAD)
def test_an_account_display_name_with_a_control_character_is_refused_by_the_service(user, value):
    admin, staff = user("admin"), user("gxj")
    with pytest.raises(ServiceError) as refused:
        services.update_user(admin, staff, value, staff.role, staff.unit, staff.person, staff.email, staff.phone)
    assert refused.value.message == "“姓名”不能包含换行符或其他控制字符。"
    assert refused.value.field == "display_name"
    db.session.rollback()
    assert db.session.get(User, staff.id).display_name == "市工信局联络员"


@pytest.mark.parametrize(("field", "label"), [("email", "电子邮箱"), ("phone", "电话")])
def test_an_accounts_email_or_phone_with_a_line_break_is_refused(user, field, label):
    admin, staff = user("admin"), user("gxj")
    values = {"email": staff.email, "phone": staff.phone, field: "0731\r\nBcc: x@example.com"}
    with pytest.raises(ServiceError) as refused:
        services.update_user(admin, staff, staff.display_name, staff.role, staff.unit, staff.person,
                             values["email"], values["phone"])
    assert refused.value.message == f"“{label}”不能包含换行符或其他控制字符。"


def test_a_new_account_with_a_line_break_in_its_name_is_not_created(user):
    with pytest.raises(ServiceError, match="不能包含换行符"):
        services.create_user(user("admin"), "newobserver", "观察员\r\n", "a-long-and-rare-passphrase-7",
                             Role.observer)
    assert db.session.scalar(sa.select(User.id).where(User.username == "newobserver")) is None


@pytest.mark.parametrize("value", BAD)
def test_a_token_name_with_a_control_character_is_refused(user, value):
    staff = user("gxj")
    with pytest.raises(ServiceError) as refused:
        services.create_token(staff, staff, value)
    assert refused.value.message == "“令牌用途”不能包含换行符或其他控制字符。"
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(ApiToken.user_id == staff.id)) == 0


def test_the_user_form_shows_the_message_on_the_field_and_changes_nothing(client, login_as, user):
    login_as("admin")
    staff = user("gxj")
    page = client.post(f"/auth/users/{staff.id}", data={
        "display_name": "联络员\r\n", "role": "staff", "unit_id": str(staff.unit_id), "person_id": "",
        "email": "", "phone": ""})
    assert page.status_code == 400
    assert "“姓名”不能包含换行符或其他控制字符。" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, staff.id).display_name == "市工信局联络员"


def test_the_token_form_refuses_a_name_with_a_line_break(client, login_as, user):
    login_as("gxj")
    page = client.post("/auth/tokens", data={"name": "同步\r\n", "scope": "read", "expires_in_days": "90"},
                       follow_redirects=True)
    assert "“令牌用途”不能包含换行符或其他控制字符。" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(ApiToken.user_id == user("gxj").id)) == 0
