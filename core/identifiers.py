"""Check characters of Chinese identifiers, as pure functions (no database, no settings).

- **统一社会信用代码** (unified social credit code, GB 32100-2015): 18 characters from 31 (digits and capital
  letters without I, O, Z, S, V). 1: registration authority (登记管理部门代码), 2: organisation category,
  3–8: the GB/T 2260 region of registration, 9–17: the organisation code, 18: a check character, weights
  3^i mod 31 over the first 17 characters' values in the charset.
- **公民身份号码** (resident ID number, GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence,
  and a check character by ISO 7064 MOD 11-2 (weights 2^(17−i) mod 11; a value of 10 is written X).

`validate_*` raise django's ValidationError with a Chinese message (attached as field validators, so forms,
the API and imports all use them); `*_check_character` compute the check character (factories use them).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.formatting import listing

# ---------------------------------------------------------------- 统一社会信用代码 (GB 32100-2015)

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# 登记管理部门代码 (GB 32100-2015, table 1; the first character).
CREDIT_CODE_AUTHORITIES = {
    "1": _("机构编制"),
    "2": _("外交"),
    "3": _("司法行政"),
    "4": _("文化"),
    "5": _("民政"),
    "6": _("旅游"),
    "7": _("宗教"),
    "8": _("工会"),
    "9": _("市场监督管理（工商）"),
    "A": _("中央军委改革和编制办公室"),
    "N": _("农业"),
    "Y": _("其他"),
}


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 characters are given."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return _("统一社会信用代码应为18位（现为%(n)d位）。") % {"n": len(code)}
    wrong = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if wrong:
        return _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。") % {
            "chars": listing(wrong)
        }
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        return _("统一社会信用代码第1位（登记管理部门代码）“%(c)s”不存在。") % {"c": code[0]}
    if not code[2:8].isdigit():
        return _("统一社会信用代码第3至8位应为行政区划代码（6位数字）。")
    if credit_code_check_character(code[:17]) != code[17]:
        return _("统一社会信用代码校验位不正确，请核对是否抄错。")
    return None


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem, code="credit_code")


# ---------------------------------------------------------------- 公民身份号码 (GB 11643-1999)

ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK = "10X98765432"  # indexed by Σ(digit × weight) mod 11
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def id_number_check_character(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are given."""
    return ID_NUMBER_CHECK[sum(int(c) * w for c, w in zip(first17, ID_NUMBER_WEIGHTS, strict=True)) % 11]


def id_number_birth_date(number: str) -> datetime.date | None:
    """The birth date written in characters 7–14, or None when it is no date."""
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_number_problem(number: str, today: datetime.date | None = None) -> str | None:
    """Why `number` is not a valid 18-character resident ID number, or None when it is."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return _("身份证号应为18位（前17位为数字，最后一位为数字或X）。")
    birth = id_number_birth_date(number)
    today = today or datetime.date.today()
    if birth is None or not EARLIEST_BIRTH <= birth <= today:
        return _("身份证号第7至14位（出生日期）不是有效日期。")
    if id_number_check_character(number[:17]) != number[17]:
        return _("身份证号校验位不正确，请核对是否抄错。")
    return None


def validate_id_number(value: str) -> None:
    problem = id_number_problem(value.strip().upper())
    if problem:
        raise ValidationError(problem, code="id_number")
