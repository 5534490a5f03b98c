def test_home_redirects_anonymous_users_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_home_shows_the_unit_profile_for_unit_staff(client, login_as):
    login_as("gxj")
    response = client.get("/")
    assert response.status_code == 200
    assert "市工信局" in response.text
