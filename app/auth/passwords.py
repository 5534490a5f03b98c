"""The password policy (OWASP ASVS 5.0, V6.2): length, a list of common passwords, the user name, the demo password.

No composition rules (V6.2.5): "correcthorsebatterystaple" is a better password than "Passw0rd!", and rules of
the kind "letters and digits" only make people write the latter. What is refused:

- fewer than 10 or more than 128 characters (V6.2.1, V6.2.9);
- a password from the list of common passwords shipped in ``data/common_passwords.txt``, compared
  case-insensitively (V6.2.4). The list is the 30,000 passwords ranked by frequency of the "passwords" list in
  ``zxcvbn/frequency_lists.py`` of the PyPI package zxcvbn 4.5.0 (MIT licence; the list comes from Dropbox's
  zxcvbn, MIT too). zxcvbn is not a dependency: the file is copied once and shipped with the app;
- a password containing the user name, in any case (V6.2.11); user names shorter than 3 characters are not
  checked, or "a" would refuse every password holding the letter a;
- the published demo password (README, `flask demo`) anywhere but the demo's own accounts: `flask demo` passes
  ``allow_demo=True`` explicitly.

A password set before this policy keeps working; at sign-in, when the plain password is known, one that breaks
the policy marks the account ``must_change_password`` (see app.auth.views).
"""

from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_CHECKED_USERNAME = 3
DEMO_PASSWORD = "Demo2026qbs"  # published in the README; the demo accounts of `flask demo` use it
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common_passwords.txt"

TOO_SHORT = f"密码至少需要 {MIN_LENGTH} 个字符。"
TOO_LONG = f"密码不能超过 {MAX_LENGTH} 个字符。"
TOO_COMMON = "该密码过于常见，容易被猜中，请换一个。"
HAS_USERNAME = "密码不能包含用户名。"
IS_DEMO = "该密码是公开的演示密码，请换一个。"
RULES_HINT = (f"密码至少 {MIN_LENGTH} 个字符（最多 {MAX_LENGTH} 个），不要求字母数字组合，推荐用一句好记的长句；"
              "不能是常见密码，不能包含用户名。")


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords, lower case; read from the data file once per process."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def problem(password, username="", allow_demo=False):
    """The Chinese message saying what to fix, or None when the password meets the policy."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if password == DEMO_PASSWORD and not allow_demo:
        return IS_DEMO
    lowered = password.lower()
    if lowered in common_passwords():
        return TOO_COMMON
    username = (username or "").strip().lower()
    if len(username) >= MIN_CHECKED_USERNAME and username in lowered:
        return HAS_USERNAME
    return None
