"""Fixtures shared by the API tests."""

import pytest

from tests.helpers import bearer


@pytest.fixture
def tokens(api_token):
    """tokens['gxj'] → bearer headers for that demo user (one token per user and test, made when first asked for)."""
    cache = {}

    class Tokens:
        def __getitem__(self, username):
            if username not in cache:
                cache[username] = bearer(api_token(username))
            return cache[username]

    return Tokens()
