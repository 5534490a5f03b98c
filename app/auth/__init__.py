"""Users, roles, sign-in with throttling, and API tokens."""
