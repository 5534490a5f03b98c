"""Text typed by people: one-line fields, multi-line texts with their limits, and names of downloaded files.

- A one-line field (a unit's, person's or chain's name, a task's title, a place, a short note) holds no control
  character at all: no CR, LF or TAB, no NUL, none of the other C0/C1 controls (Unicode category Cc) and no line or
  paragraph separator (U+2028/U+2029). A name with CR LF once reached the database and every Excel download naming
  it answered 500 (a header cannot hold a line break). TAB counts too: in a one-line field it is never meant and
  shows as an unpredictable gap.
- A multi-line text keeps its line breaks (CR LF and CR become LF) and TABs, refuses the other controls, and has a
  length limit stated on its form (TEXT_LIMITS, the one place they are set).
- A download's file name is cleaned wherever it is built (`download_name`): old rows may predate these checks.

Services call `one_line` / `multi_line` (the pages, the API and the CLI all pass through them); forms use the
validators in app/core/forms.py built on the same checks, so a page shows the message on its field.
"""

import re
import unicodedata

from app.core.errors import ServiceError

# Multi-line texts, in characters (PostgreSQL TEXT columns hold any of them). A progress report of 15,000
# characters printed on seven pages of the dispatch list: a follow-up is a report of what was done, not a document
# (attach the document as evidence).
FOLLOW_UP_MAX = 2000  # 进展情况
TASK_CONTENT_MAX = 5000  # 具体内容和要求
SUMMARY_MAX = 3000  # 办结情况
REASON_MAX = 1000  # 延期理由、退回理由、撤销理由、审核意见、催办说明
ITEM_TEXT_MAX = 2000  # a meeting's decision, instruction, visit note or explanation
MINUTES_MAX = 20000  # 会议纪要 / 述职报告正文 (a 述职报告 is a document of its own)
COMMENTS_MAX = 5000  # 领导讲评
ATTENDEES_MAX = 2000  # 参会人员
TOPICS_MAX = 2000  # 议题

LIMIT_NOTE = "最多 {n} 字"

_SEPARATORS = {"\u2028", "\u2029", "\u0085"}  # line/paragraph separators and NEL (also Cc)


def _is_control(ch):
    return unicodedata.category(ch) == "Cc" or ch in _SEPARATORS


def has_control(value: str) -> bool:
    """Whether a one-line value holds any control character (CR, LF, TAB, NUL, other C0/C1, U+2028/2029)."""
    return any(_is_control(ch) for ch in value)


def has_bad_multi_line_control(value: str) -> bool:
    """Whether a multi-line value holds a control character other than a line break or TAB."""
    return any(_is_control(ch) and ch not in "\n\r\t" for ch in value)


def one_line_message(label):
    return f"“{label}”不能包含换行符或其他控制字符。"


def multi_line_message(label):
    return f"“{label}”不能包含控制字符（换行和制表符除外），请删除后重新提交。"


def too_long_message(label, max_length, length):
    return f"{label}不能超过 {max_length} 个字符（当前 {length} 个）。"


def one_line(value, label, max_length, *, required=False, field=None):
    """A one-line value, stripped; refused (400, Chinese, naming the field) with any control character or when
    too long, and when blank if `required`. `field` names the form field or JSON key the message belongs to."""
    value = "" if value is None else str(value)
    if has_control(value):
        raise ServiceError(one_line_message(label), field=field, code="bad_input", status=400)
    value = value.strip()
    if required and not value:
        raise ServiceError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ServiceError(too_long_message(label, max_length, len(value)), field=field)
    return value


def multi_line(value, label, max_length, *, required=False, field=None):
    """A multi-line value: line breaks as LF, stripped; refused with a control character other than a line break
    or TAB, when longer than `max_length`, and when blank if `required`."""
    value = "" if value is None else str(value)
    if has_bad_multi_line_control(value):
        raise ServiceError(multi_line_message(label), field=field, code="bad_input", status=400)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise ServiceError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ServiceError(too_long_message(label, max_length, len(value)), field=field)
    return value


# --- download names ------------------------------------------------------------------------------------------

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?<>|]')  # path separators and what Windows refuses in a name
_QUOTES = re.compile(r'["\'`]')
NAME_MAX = 120


def download_name(name, fallback="下载文件"):
    """A file name safe for Content-Disposition and for any file system: no control or format characters
    (line breaks, NUL, bidirectional overrides), no quotes, path separators or characters Windows refuses
    (replaced by _), no leading dots, at most NAME_MAX characters keeping the extension. When nothing usable is
    left, `fallback` (given with the same extension) is used."""
    name = "" if name is None else str(name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")
                   and ch not in _SEPARATORS)
    name = _QUOTES.sub("", _UNSAFE_IN_NAME.sub("_", name))
    name = re.sub(r"\s+", " ", name).strip()
    stem, dot, ext = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", ext):
        stem, ext = name, ""
    stem = stem.strip(" ._")
    if not stem:
        fallback_ext = fallback.rpartition(".")[2] if "." in fallback else ""
        return fallback if fallback_ext or not ext else f"{fallback}.{ext}"
    suffix = f".{ext}" if ext else ""
    return stem[:NAME_MAX - len(suffix)] + suffix


def is_email_address(text) -> bool:
    """Whether `text` is a well-formed e-mail address (its syntax only: no DNS). email_validator is imported on the
    first check, not with this module: it builds large patterns at import, which every process start would pay."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
