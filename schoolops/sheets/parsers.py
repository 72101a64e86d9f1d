"""Cell parsers: each takes a raw cell (str, int, float, date, datetime or None) and returns
a clean value or raises ``CellError`` with a message for the person who typed the file.

Blank cells never reach a parser (the engine gives the column's default), except through
``normalize``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

EXCEL_EPOCH = dt.date(1899, 12, 30)
_SPACES = re.compile(r"\s+")


def _error(message: str) -> Exception:
    from schoolops.sheets.base import CellError

    return CellError(message)


def normalize(value: Any) -> Any:
    """Full-width to half-width (（１）→ (1), ：→ :, 　→ space), spaces trimmed and collapsed."""
    if isinstance(value, str):
        if not value.isascii():
            value = unicodedata.normalize("NFKC", value)
        if "  " in value or not value.isprintable():
            value = _SPACES.sub(" ", value)
        value = value.strip()
    return value


def normalize_header(value: Any) -> str:
    """Headers compare without any spaces, colons or required-field stars."""
    text = normalize("" if value is None else str(value))
    return re.sub(r"[\s:*]", "", text)


def _shown(value: Any) -> str:
    """A cell's value as an error message quotes it: at most 30 characters."""
    value = str(value)
    return value if len(value) <= 30 else value[:30] + "…"


def is_blank(value: Any) -> bool:
    # str.strip() removes every Unicode space, the full-width 　 included.
    return value is None or (isinstance(value, str) and not value.strip())


def _float_to_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise _error(_("This is not a number."))
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _refuse_formula_text(value: str) -> str:
    # Text that Excel would run as a formula when the roster is opened or exported again.
    if value.startswith("="):
        raise _error(_("A cell cannot start with “=”: type the value, not a formula."))
    return value


def text(value: Any) -> str:
    """Any cell as text; Excel numbers lose their ``.0``; a leading "=" is refused."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return _float_to_text(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return _refuse_formula_text(normalize(str(value)))


# The dots typed between the parts of a name (迪丽娜尔·艾尼瓦尔) by other keyboards and systems.
_NAME_DOTS = re.compile(r"[・•‧∙⋅.]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


def name(value: Any) -> str:
    """A person's name without any spaces (张 三 → 张三, full-width and invisible ones too); the
    middle dot of a name such as 迪丽娜尔·艾尼瓦尔 is kept, and ・•‧ written for it become ·."""
    result = _INVISIBLE.sub("", text(value)).replace(" ", "")
    result = _NAME_DOTS.sub("·", result)
    if len(result) > 50:
        raise _error(_("This name is longer than 50 characters."))
    return result


def text_id(value: Any) -> str:
    """An identifier kept as text: 学籍号, 工号.

    A number typed in Excel keeps its digits without ``.0``. A number of 16 or more digits has
    already lost its last digits in Excel (it keeps 15 significant digits), so it is refused.
    """
    if isinstance(value, bool):
        raise _error(_("This is not an identifier."))
    if isinstance(value, float):
        if not value.is_integer():
            raise _error(_("An identifier cannot have a decimal part."))
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        if len(digits.lstrip("-")) >= 16:
            raise _error(_too_long_number())
        return digits
    result = _refuse_formula_text(normalize(str(value)).replace(" ", ""))
    if re.fullmatch(r"\d+\.0+", result):
        result = result.split(".")[0]
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", result):
        raise _error(_too_long_number())
    if len(result) > 30:
        raise _error(_("This identifier is longer than 30 characters."))
    return result


def _too_long_number() -> str:
    return _(
        "Excel has turned this number of 16 or more digits into a rounded number, so its "
        "last digits are lost. Format the column as text in Excel and type the number again."
    )


def parse_date(value: Any) -> dt.date:
    """An Excel date, or text as 2012-03-05, 2012/3/5, 2012.3.5, 2012年3月5日 or 20120305."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _error(_("This is not a date."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if 19000101 <= value <= 21001231:
            value = str(value)
        elif 1 <= value <= 2958465:
            return EXCEL_EPOCH + dt.timedelta(days=value)
        else:
            raise _error(_("This is not a date."))
    if isinstance(value, float):
        raise _error(_("This is not a date."))
    raw = normalize(str(value)).replace(" ", "")
    match = re.fullmatch(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:T?\d{1,2}:\d{2}(?::\d{2})?)?", raw
    )
    if match is None:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw)
    if match is None:
        raise _error(
            _("Write the date as 2012-03-05, 2012/3/5, 2012.3.5 or 20120305, or as an Excel date.")
        )
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _error(_("There is no such date: %(value)s.") % {"value": _shown(raw)}) from None


def birth_date(value: Any) -> dt.date:
    """A date of birth: a date in the past, within the last 100 years."""
    day = parse_date(value)
    today = dt.date.today()
    if day > today or day.year < today.year - 100:
        raise _error(_("This date of birth is impossible: %(date)s.") % {"date": day.isoformat()})
    return day


_GENDERS = {
    "男": "M",
    "男性": "M",
    "男生": "M",
    "m": "M",
    "male": "M",
    "女": "F",
    "女性": "F",
    "女生": "F",
    "f": "F",
    "female": "F",
}


def gender(value: Any) -> str:
    """男/女, also M/F, male/female: returns ``Gender`` values ("M" / "F")."""
    key = text(value).replace(" ", "").lower()
    if key not in _GENDERS:
        raise _error(_("Write 男 or 女 (or M / F)."))
    return _GENDERS[key]


def _phone_text(value: Any) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return text(value)
    return normalize(str(value))


def _mobile(raw: str) -> str | None:
    """The 11 digits of a mainland mobile number written with dashes, spaces or +86."""
    digits = re.sub(r"[\s\-()./]", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if re.fullmatch(r"1\d{10}", digits) else None


def phone(value: Any) -> str:
    """A mainland mobile number as 11 digits: accepts numbers, dashes, spaces and +86."""
    digits = _mobile(_phone_text(value))
    if digits is None:
        raise _error(_("A mobile phone number has 11 digits starting with 1."))
    return digits


# 区号-号码: 010 and 02x have three digits, the other area codes four; local numbers start
# with 2-9 and have 7 or 8 digits; an extension follows a dash, 转 or 分机.
_LANDLINE = re.compile(
    r"(0(?:10|2\d)|0[3-9]\d\d)-?([2-9]\d{6,7})(?:(?:-|转|分机|ext\.?|x|#)(\d{1,6}))?",
    re.IGNORECASE,
)


def contact_phone(value: Any) -> str:
    """A mobile (kept as its 11 digits) or a landline with its area code, kept as
    0571-88000008 (0571-88000008转123 with an extension): 057188000008, 0571 8800 0008,
    (0571)88000008 and +86 571 88000008 are the same number."""
    raw = _phone_text(value)
    mobile = _mobile(raw)
    if mobile is not None:
        return mobile
    raw = re.sub(r"[\s()]", "", raw.replace("—", "-").replace("–", "-"))
    raw = re.sub(r"^(?:\+|00)86-?(?=[1-9])", "0", raw)
    match = _LANDLINE.fullmatch(raw)
    if match is None:
        raise _error(
            _(
                "Write a mobile number of 11 digits starting with 1, or a landline with its "
                "area code, such as 0571-88000008."
            )
        )
    area, number, extension = match.groups()
    return f"{area}-{number}" + (f"转{extension}" if extension else "")


_YES = {"是", "y", "yes", "1", "√", "✓", "true", "对"}
_NO = {"否", "n", "no", "0", "×", "✗", "false", "不是"}


def yes_no(value: Any) -> bool:
    """是/否 (also Y/N, yes/no, 1/0, √/×)."""
    key = text(value).replace(" ", "").lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _error(_("Write 是 or 否."))


_NATIONAL_STUDENT_NO = re.compile(r"G\d{17}[\dX]|J\d{18}|L[0-9A-Z]{18}")


def national_student_no(value: Any) -> str:
    """A 全国学籍号: 19 characters, G and the 18-character ID number (its last may be X), J and
    18 digits, or L and 18 characters. Letters are upper-cased."""
    number = text_id(value).upper()
    if _NATIONAL_STUDENT_NO.fullmatch(number) is not None:
        return number
    if len(number) != 19:
        raise _error(
            _(
                "A 全国学籍号 has 19 characters, this one %(count)s: G and the 18-character ID "
                "number (the last may be X), J and 18 digits, or L and 18 letters or digits."
            )
            % {"count": len(number)}
        )
    raise _error(
        _(
            "A 全国学籍号 is G and the 18-character ID number (the last may be X), J and 18 "
            "digits, or L and 18 letters or digits."
        )
    )


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(value: str) -> int | None:
    """1-99 written with digits or with Chinese numerals (十二, 二十一)."""
    if value.isdigit():
        return int(value)
    if value == "十":
        return 10
    if "十" in value:
        tens, _sep, units = value.partition("十")
        tens_value = _CN_DIGITS.get(tens, 0) if tens else 1
        units_value = _CN_DIGITS.get(units, 0) if units else 0
        if (tens and not tens_value) or (units and not units_value):
            return None
        return tens_value * 10 + units_value
    return _CN_DIGITS.get(value) if len(value) == 1 else None


_GRADE_PREFIX = {"初": 6, "高": 9}
_GRADE_RE = re.compile(
    r"^(?:(初中|初|高中|高|小学)?([一二三四五六七八九十]+|\d{1,2})(?:年级|级部|级)?)$"
)


def grade_level(value: Any) -> int:
    """A grade as its level: 七年级 / 初一 / 7年级 / 7 → 7; 八年级 / 初二 → 8; 高一 → 10."""
    raw = text(value).replace(" ", "")
    match = _GRADE_RE.match(raw)
    level = None
    if match is not None:
        prefix, number = match.groups()
        level = chinese_number(number)
        if level is not None and prefix:
            if prefix.startswith("初") and 1 <= level <= 3:
                level += 6
            elif prefix.startswith("高") and 1 <= level <= 3:
                level += 9
            elif prefix.startswith("初") or prefix.startswith("高"):
                level = None
    if level is None or not 1 <= level <= 12:
        raise _error(_("Write the grade as 七年级 or 初一: %(value)s.") % {"value": _shown(raw)})
    return level


class Cohort(NamedTuple):
    """The students who entered the school in ``year`` (2025级): a grade that moves on each
    school year (``Lookups.cohort_level``)."""

    year: int


class ClassName(NamedTuple):
    # The grade written in the class cell (七年级1班), if any; a ``Cohort`` only from
    # ``class_in_cohort`` (2025级3班).
    level: int | Cohort | None
    number: int


_CLASS_RE = re.compile(r"^(.*?)\(?([一二三四五六七八九十]+|\d{1,2})\)?班?$")


# The class, grade and score parsers are pure: a sheet repeats the same few dozen classes
# and scores thousands of times, so their answers are remembered (a refusal is not: its
# message is in the language of the moment).
remembered = lru_cache(maxsize=4096, typed=True)  # typed: True is not 1


@remembered
def class_name(value: Any) -> ClassName:
    """A class: 1班, (1)班, （1）班, １班, 1, 七年级1班, 七年级(1)班, 七(1)班, 初一1班 or 701
    (the grade, then the class in two digits)."""
    raw = text(value).replace(" ", "")
    match = _CLASS_RE.match(raw)
    number = None
    level = None
    if match is not None:
        prefix, digits = match.groups()
        number = chinese_number(digits)
        if prefix:
            try:
                level = grade_level(prefix)
            except Exception:
                number = None
    if not number:
        raise _error(_("Write the class as 1班 or (1)班: %(value)s.") % {"value": _shown(raw)})
    return ClassName(level, number)


_COHORT_RE = re.compile(r"(\d{4})级")


def _cohort(raw: str) -> Cohort | None:
    match = _COHORT_RE.fullmatch(raw)
    if match is None or not 1990 <= int(match.group(1)) <= 2100:
        return None
    return Cohort(int(match.group(1)))


def grade_or_cohort(value: Any) -> int | Cohort:
    """A grade (七年级, 初一, 7) or the year its students entered (2025级)."""
    cohort = _cohort(text(value).replace(" ", ""))
    return grade_level(value) if cohort is None else cohort


@remembered
def class_in_cohort(value: Any) -> ClassName:
    """A class as ``class_name`` reads it (also 703: grade 7, class 3), or in its cohort:
    2025级3班, 2025级(3)班."""
    raw = text(value).replace(" ", "")
    match = _CLASS_RE.match(raw)
    if match is not None and match.group(1):
        cohort = _cohort(match.group(1))
        number = chinese_number(match.group(2))
        if cohort is not None and number:
            return ClassName(cohort, number)
    return class_name(value)


def decimal(value: Any, places: int = 1) -> Decimal:
    """A number such as a score (one decimal place by default)."""
    if isinstance(value, bool):
        raise _error(_("This is not a number."))
    raw = text(value).replace(" ", "") if not isinstance(value, int | float) else value
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise _error(_("This is not a number: %(value)s.") % {"value": _shown(raw)}) from None
    if not number.is_finite():
        raise _error(_("This is not a number: %(value)s.") % {"value": _shown(raw)})
    return number.quantize(Decimal(1).scaleb(-places))


@remembered
def score(value: Any) -> Decimal:
    """An exam score: a number from 0 to 1000 with at most one decimal place."""
    number = decimal(value)
    if not Decimal(0) <= number <= Decimal(1000):
        raise _error(_("A score is between 0 and 1000."))
    return number


def integer(value: Any) -> int:
    number = decimal(value, places=0)
    return int(number)


def split_list(value: Any) -> list[str]:
    """Several values in one cell, joined by 、 ， , ; ； / or spaces."""
    return [part for part in re.split(r"[、,;/\s]+", text(value)) if part]


def mask(value: str) -> str:
    """138****1111: enough to recognise a mobile number, not to call it."""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    landline = re.fullmatch(r"(0\d{2,3})-(\d+)(\D.*)?", value)
    if landline:  # 0571-****0008: the area and the last digits, never the extension
        area, number, _extension = landline.groups()
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    return value[:1] + "*" * (len(value) - 1)


def display(value: Any) -> str:
    """A cleaned value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ClassName):
        return f"({value.number})班"
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(display(v) for v in value)
    return str(value)
