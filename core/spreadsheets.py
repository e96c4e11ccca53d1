"""The one way the portal reads and writes .xlsx files (openpyxl).

Reading (`read_table`): an upload is checked as a file first — empty, too large, not an .xlsx at all
(a renamed PDF, a CSV, an old .xls), a zip bomb (sizes declared in the zip directory are summed *before*
openpyxl opens anything) — then its header is matched against the declared `Column`s (one or two header
rows; merged group titles allowed there), then every data row is parsed. Problems are collected, not raised
one at a time: the caller gets every problem of the file at once in `WorkbookError.problems`, each naming the
Excel row, column letter, value and a reason in plain Chinese (translated through gettext).

The sheet is read with `read_only=True` (bounded memory) and `data_only=False` so formulas are seen as
formulas and refused. Read-only mode does not expose merged cells, so their `<mergeCell ref=…>` elements are
read from the sheet's XML with a streaming expat parser.

Writing (`write_workbook`, `problems_workbook`, `xlsx_response`): write-only workbooks, bold frozen headers
with an autofilter, numbers (negatives too) and dates kept as numbers and dates, and every string — only
strings — neutralised so nothing a user typed can run as a formula in the recipient's Excel. With an `About`,
a last sheet "说明" says what the export is: sources, as-of moment, filters, exporter and time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import io
import math
import os
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from queue import Full, Queue
from typing import Any
from urllib.parse import quote
from xml.parsers import expat

from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel

from core.formatting import listing

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
DEFAULT_MAX_ROWS = 100_000
#: Zip-bomb guards, checked on the zip directory before openpyxl reads anything.
MAX_UNCOMPRESSED_BYTES = 100 * MB
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM_BYTES = 1 * MB  # tiny members may compress absurdly well without harm
MAX_ZIP_MEMBERS = 10_000
#: Memory budget of one upload. openpyxl holds a workbook's whole shared-string table in memory (every text
#: cell of every sheet, once per distinct text), so it is measured on the zip directory and by a streaming
#: count before openpyxl opens the file. A 100,000-row roster needs about a tenth of these.
MAX_SHARED_STRINGS_BYTES = 24 * MB  # xl/sharedStrings.xml, uncompressed
MAX_SHARED_STRINGS = 1_000_000  # distinct texts
MAX_SHARED_TEXT_CHARS = 12_000_000  # their characters, in total
#: Title rows (a caption, "附件1", a unit line) looked through above the header when it is found by itself.
MAX_TITLE_ROWS = 10
#: Default ceilings for numbers: far above any real count of slots, children or yuan, far below overflow.
INTEGER_MAX = 10_000_000
DECIMAL_MAX = Decimal(10) ** 12
#: Integers from this size on are written as text: beyond 15 digits Excel rounds (an ID number would change).
INT_AS_NUMBER_MAX = 10**15
#: Excel's limit for the text of one cell.
CELL_TEXT_MAX = 32_767
DEFAULT_MAX_PROBLEMS = 1000

# Locale-dependent built-in number formats that Chinese Excel/WPS uses for dates (ECMA-376 §18.8.30, zh-CN):
# openpyxl does not know them and would hand back the bare serial number.
CJK_DATE_FORMAT_IDS = frozenset({27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58})

FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")
CHINESE_NUMERALS = frozenset("零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟萬億")
#: A number as people type it into a text cell (after NFKC: full-width digits, signs and commas folded):
#: optional sign, digits with or without thousands separators in groups of three, optional decimals.
NUMBER_TEXT_RE = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", re.ASCII)
NUMERIC_TEXT_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?%?|[+-]?\.\d+")
NUMBER_WITH_UNIT_RE = re.compile(r"[+-]?\d+(?:\.\d+)?\s*[^\d\s.,]+")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")


# --------------------------------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file. `row` is the Excel row number and `column` the column letter;
    both are None for problems of the whole file. `header` is the column's title, when known."""

    row: int | None
    column: str | None
    value: Any
    reason: str
    header: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("第%(row)d行") % {"row": self.row})
        if self.column:
            where.append(_("%(column)s列") % {"column": self.column})
        if self.header:
            where.append(_("（%(header)s）") % {"header": self.header})
        if not where or self.reason.startswith(where[0]):
            return self.reason
        return f"{''.join(where)}：{self.reason}"


class WorkbookError(Exception):
    """The file cannot be imported; `problems` lists every problem found (file-level ones have no row)."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = str(self.problems[0])
        else:
            message = _("发现 %(count)d 个问题，第一个：%(first)s") % {
                "count": len(self.problems),
                "first": self.problems[0] if self.problems else "",
            }
        super().__init__(message)


def _file_error(reason: str) -> WorkbookError:
    return WorkbookError([Problem(None, None, None, reason)])


# ---------------------------------------------------------------------------------------------- value display


def _show(value: Any, limit: int = 30) -> str:
    """A cell value as a user would recognise it in a message."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = getattr(value, "text", None)  # openpyxl ArrayFormula
    text = text if isinstance(text, str) else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------------------------------------------- parsers

Parser = Callable[[Any], Any]


def _not_a_number(value: Any) -> ValueError:
    """The right message for a cell that should hold a number and does not."""
    shown = _show(value)
    if isinstance(value, bool):
        return ValueError(_("收到逻辑值 %(value)s，此列应填写数字") % {"value": shown})
    if isinstance(value, dt.date | dt.time):
        return ValueError(_("收到日期/时间“%(value)s”，此列应填写数字") % {"value": shown})
    if isinstance(value, str):
        stripped = unicodedata.normalize("NFKC", value).strip()
        if any(ch in CHINESE_NUMERALS for ch in stripped) and all(
            ch in CHINESE_NUMERALS or (ch.isascii() and (ch.isdigit() or ch == ".")) for ch in stripped
        ):
            return ValueError(_("“%(value)s”使用了中文数字，请改为阿拉伯数字（如 120）") % {"value": shown})
        if re.fullmatch(r"\d+\s*/\s*\d+", stripped):
            return ValueError(_("“%(value)s”是分数，此列应填写数字（如 120）") % {"value": shown})
        if stripped.endswith("%") and NUMERIC_TEXT_RE.fullmatch(stripped):
            return ValueError(_("“%(value)s”是百分数，此列应填写数字（如 120）") % {"value": shown})
        if NUMERIC_TEXT_RE.fullmatch(stripped):
            return ValueError(
                _("“%(value)s”不是规范的数字：请只写数字，千位分隔符每三位一个（如 1,200 或 1200）")
                % {"value": shown}
            )
        if NUMBER_WITH_UNIT_RE.fullmatch(stripped):
            return ValueError(_("“%(value)s”不是数字：请只填写数字，不要带单位或文字") % {"value": shown})
    return ValueError(_("“%(value)s”不是数字") % {"value": shown})


def number_from_text(value: str) -> int | Decimal | None:
    """The number a text spells as people type it: surrounding (also full-width) spaces, full-width digits
    and signs, thousands separators in groups of three ("1,200", "１２０", " 300 "). None when it spells no
    plain number (Chinese numerals, units, fractions, percentages, formulas: the caller says why). The one
    reading of number text: spreadsheet cells use it, and forms and the API may."""
    folded = unicodedata.normalize("NFKC", value).strip()
    match = NUMBER_TEXT_RE.fullmatch(folded)
    if match is None:
        return None
    sign, digits, decimals = match.groups()
    digits = digits.replace(",", "")
    if decimals:
        return Decimal(f"{sign}{digits}{decimals}")
    return int(f"{sign}{digits}")


def _as_number(value: Any) -> int | float | Decimal:
    if isinstance(value, str):
        number = number_from_text(value)
        if number is None:
            raise _not_a_number(value)
        return number
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _not_a_number(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _not_a_number(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise _not_a_number(value)
    return value


def _check_range(number: int | Decimal, value: Any, min_value, max_value) -> None:
    if min_value is not None and number < min_value:
        if min_value == 0:
            raise ValueError(_("“%(value)s”是负数，此列不能为负数") % {"value": _show(value)})
        raise ValueError(
            _("“%(value)s”小于下限 %(limit)s") % {"value": _show(value), "limit": _show(min_value)}
        )
    if max_value is not None and number > max_value:
        raise ValueError(
            _("“%(value)s”超过上限 %(limit)s，请核对是否多填了数字")
            % {"value": _show(value), "limit": _show(max_value)}
        )


def integer(min_value: int | None = 0, max_value: int | None = INTEGER_MAX) -> Parser:
    """A whole number stored as a number, within [min_value, max_value] (None: no bound)."""

    def parse(value: Any) -> int:
        number = _as_number(value)
        if number != int(number):
            raise ValueError(_("“%(value)s”不是整数，此列只能填写整数") % {"value": _show(value)})
        whole = int(number)
        _check_range(whole, value, min_value, max_value)
        return whole

    return parse


def decimal(
    places: int = 2, min_value: Decimal | int | None = 0, max_value: Decimal | int | None = DECIMAL_MAX
) -> Parser:
    """A number with at most `places` decimal places, returned as Decimal (money, areas, ratios).

    Binary noise from Excel (12.300000000000001) is rounded away; a real third decimal is refused."""
    step = Decimal(1).scaleb(-places)

    def parse(value: Any) -> Decimal:
        number = _as_number(value)
        exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
        _check_range(exact, value, min_value, max_value)
        try:
            rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError(_("“%(value)s”太大，请核对") % {"value": _show(value)}) from None
        if abs(exact - rounded) > Decimal("1e-9"):
            if places == 0:
                raise ValueError(_("“%(value)s”不能有小数") % {"value": _show(value)})
            raise ValueError(
                _("“%(value)s”的小数超过 %(places)d 位") % {"value": _show(value), "places": places}
            )
        return rounded

    return parse


def text(max_length: int = 200) -> Parser:
    """Text, stripped of surrounding white space. Numbers are accepted as their digits (a code or a telephone
    number typed into a General cell becomes a number in Excel), so "120" and 120 both give "120"."""

    def parse(value: Any) -> str:
        if isinstance(value, bool):
            raise ValueError(_("收到逻辑值 %(value)s，此列应填写文字") % {"value": _show(value)})
        if isinstance(value, dt.date | dt.time):
            raise ValueError(
                _("收到日期/时间“%(value)s”，此列应填写文字（请把单元格设为文本格式后重新输入）")
                % {"value": _show(value)}
            )
        if isinstance(value, int | float | Decimal):
            string = _show(_as_number(value), limit=CELL_TEXT_MAX)
        elif isinstance(value, str):
            string = value.strip()
        else:
            string = _show(value, limit=CELL_TEXT_MAX).strip()
        if len(string) > max_length:
            raise ValueError(
                _("“%(value)s”共 %(length)d 个字，超过上限 %(limit)d 个字")
                % {"value": _show(string, limit=20), "length": len(string), "limit": max_length}
            )
        return string

    return parse


def date(min_value: dt.date | None = None, max_value: dt.date | None = None) -> Parser:
    """A date stored as an Excel date (a datetime is cut to its date)."""

    def parse(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            raise ValueError(
                _(
                    "日期须为Excel日期格式，收到文本“%(value)s”；"
                    "请输入如 2025-03-01 的日期，并确认单元格格式为“日期”"
                )
                % {"value": _show(value)}
            )
        elif isinstance(value, bool):
            raise ValueError(_("收到逻辑值 %(value)s，此列应填写日期") % {"value": _show(value)})
        elif isinstance(value, int | float | Decimal):
            raise ValueError(
                _("日期须为Excel日期格式，收到数字 %(value)s；请把单元格格式设为“日期”")
                % {"value": _show(value)}
            )
        else:
            raise ValueError(_("“%(value)s”不是日期") % {"value": _show(value)})
        if min_value is not None and day < min_value:
            raise ValueError(
                _("日期 %(value)s 早于 %(limit)s")
                % {"value": day.isoformat(), "limit": min_value.isoformat()}
            )
        if max_value is not None and day > max_value:
            raise ValueError(
                _("日期 %(value)s 晚于 %(limit)s")
                % {"value": day.isoformat(), "limit": max_value.isoformat()}
            )
        return day

    return parse


def _choice_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).casefold()


def choice(mapping: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> Parser:
    """One of a fixed set: accepts the Chinese label or the code and returns the code.

    `mapping` is code → label (a dict, or Django-style `choices` pairs)."""
    pairs = list(mapping.items() if isinstance(mapping, Mapping) else mapping)
    lookup: dict[str, Any] = {}
    for code, label in pairs:
        lookup.setdefault(_choice_key(label), code)
    for code, _label in pairs:
        lookup.setdefault(_choice_key(code), code)
    labels = [str(label) for _code, label in pairs]
    shown_labels = listing(labels[:12]) + ("等" if len(labels) > 12 else "")

    def parse(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(
                _("收到逻辑值 %(value)s；可选：%(choices)s")
                % {"value": _show(value), "choices": shown_labels}
            )
        try:
            return lookup[_choice_key(value)]
        except KeyError:
            raise ValueError(
                _("“%(value)s”不是可选的值；可选：%(choices)s")
                % {"value": _show(value), "choices": shown_labels}
            ) from None

    return parse


TRUE_WORDS = frozenset({"是", "true", "1", "yes", "y"})
FALSE_WORDS = frozenset({"否", "false", "0", "no", "n"})


def boolean() -> Parser:
    """是/否, TRUE/FALSE (logical cells or text), 1/0."""

    def parse(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().casefold()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise ValueError(_("“%(value)s”不是“是”或“否”，请填写“是”或“否”") % {"value": _show(value)})

    return parse


# ---------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Column:
    """A column expected in an uploaded sheet.

    `header` is the title as printed, or with two header rows a `(group, title)` tuple; white space is ignored
    when comparing. `parse` turns a non-empty cell value into a Python value or raises ValueError(message);
    empty cells give None, or the problem “不能为空” when `required`."""

    key: str
    header: str | tuple[str, ...]
    parse: Parser
    required: bool = False

    @property
    def path(self) -> tuple[str, ...]:
        parts = (self.header,) if isinstance(self.header, str) else tuple(self.header)
        return tuple(p for p in (_normalise_header(part) for part in parts) if p)

    @property
    def title(self) -> str:
        return _header_display(self.path)

    @property
    def keys(self) -> tuple[str, ...]:
        """The header as compared with a file's (see `header_key`)."""
        return tuple(header_key(part) for part in self.path)


@dataclass
class Row:
    """A data row: `number` is the Excel row number, `values` maps Column.key to the parsed value (None for an
    empty cell or one with a problem)."""

    number: int
    values: dict[str, Any]
    valid: bool = True  # False when a cell of the row had a problem (see TableReader)
    bad: frozenset[str] = frozenset()  # the keys of the cells with a problem

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


@dataclass
class Table:
    """What `read_table` returns: the rows, the sheet they came from, and the column letter of every key."""

    rows: list[Row]
    sheet_name: str
    letters: dict[str, str] = field(default_factory=dict)
    #: With `collect_problems`: every problem of the header and the cells, for the caller to report with its
    #: own checks of the rows (which then see the readable rows of a file that has problems too).
    problems: list[Problem] = field(default_factory=list)
    #: The Excel row number of the (first) header row.
    header_row: int = 1

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _normalise_header(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", str(value))


#: A unit or note in brackets after a header: "（个）", "(个)", "（家）", "（元/月）", "【必填】".
HEADER_BRACKETS_RE = re.compile(r"[(\[【〔][^()\[\]【】〔〕]{0,12}[)\]】〕]")
#: "其中：" (of which) before a sub-column, a required-field star, a trailing colon.
HEADER_PREFIX_RE = re.compile(r"^(?:[*]+|其中[:,、]?)+")


def header_key(value: Any) -> str:
    """A header as compared: what people really type folded away — full-width forms (NFKC), white space and
    line breaks, units and notes in brackets, a “其中：” prefix, a required-field star, a trailing colon —
    and case. "2024年底线目标（个）" matches "2024年底线目标"; "其中：普惠托位数" matches "普惠托位数"."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _normalise_header(value)))
    stripped = HEADER_BRACKETS_RE.sub("", folded)
    stripped = HEADER_PREFIX_RE.sub("", stripped).rstrip(":*")
    return (stripped or folded).casefold()


def _header_display(path: Sequence[str]) -> str:
    return " / ".join(path)


def _size(size: int) -> str:
    """A limit as people say it: "10 MB", "1.5 MB", or "500 KB" below one megabyte."""
    if size < MB:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / MB:.1f}".removesuffix(".0") + " MB"


def _read_bytes(file: Any, max_bytes: int) -> bytes:
    too_big = _("文件超过 %(limit)s 的大小上限，请删除多余的内容或拆成几个文件分批上传") % {
        "limit": _size(max_bytes)
    }
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        if path.stat().st_size > max_bytes:
            raise _file_error(too_big)
        data = path.read_bytes()
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise _file_error(too_big)
        if hasattr(file, "seek"):
            with contextlib.suppress(OSError, ValueError):
                file.seek(0)
        data = file.read(max_bytes + 1)
    if not data:
        raise _file_error(_("上传的文件是空的（0 字节），请重新选择要上传的Excel文件"))
    if len(data) > max_bytes:
        raise _file_error(too_big)
    return data


def _looks_like_text(data: bytes) -> bool:
    chunk = data[:4096]
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 text, as Excel's "Unicode text" export writes
    if b"\x00" in chunk:
        return False
    if len(data) > len(chunk) and b"\n" in chunk:
        chunk = chunk[: chunk.rindex(b"\n")]
    for encoding in ("utf-8", "gb18030"):
        try:
            chunk.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _not_an_xlsx(data: bytes) -> WorkbookError:
    save_as = _("请在Excel或WPS中打开它，“另存为 → Excel工作簿(*.xlsx)”后再上传")
    if data.startswith(b"%PDF"):
        kind = _("这是PDF文件，不是Excel表格。")
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = _("这是旧版Excel(.xls)文件或设置了打开密码的文件，只能读取 .xlsx 格式；若有密码请先取消。")
    elif _looks_like_text(data):
        start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")):
            kind = _("这是网页(HTML)或XML文件，不是真正的Excel工作簿（有些系统导出的“.xls”其实是网页）。")
        else:
            kind = _("这是CSV或纯文本文件，不是Excel工作簿。")
    else:
        kind = _("无法识别的文件格式，不是Excel工作簿(.xlsx)。")
    return _file_error(kind + save_as)


def _check_container(data: bytes, max_uncompressed_bytes: int) -> None:
    """Refuse anything that is not a sane .xlsx zip, reading only the zip directory (no decompression)."""
    if not data.startswith(b"PK\x03\x04"):
        raise _not_an_xlsx(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _file_error(
            _("文件已损坏或不完整，无法作为Excel工作簿(.xlsx)打开；请重新导出或另存为 .xlsx 后再上传")
        ) from None
    bomb = _(
        "文件解压后超过 %(limit)s 或压缩比异常（疑似“压缩炸弹”），为安全起见已拒绝读取；"
        "请确认文件来源，或把表格内容复制到新的Excel工作簿中保存后再上传"
    ) % {"limit": _size(max_uncompressed_bytes)}
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _file_error(bomb)
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise _file_error(_("文件已加密，无法读取；请取消密码保护后另存为 .xlsx 再上传"))
            total += member.file_size
            if member.file_size > RATIO_CHECK_FROM_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
                member.compress_size, 1
            ):
                raise _file_error(bomb)
        if total > max_uncompressed_bytes:
            raise _file_error(bomb)
        names = set(archive.namelist())
        for member in members:
            if member.filename.lower().endswith("sharedstrings.xml"):
                _check_shared_strings(archive, member)
    if "xl/workbook.bin" in names:
        raise _file_error(
            _("这是Excel二进制工作簿(.xlsb)。请在Excel中“另存为 → Excel工作簿(*.xlsx)”后再上传")
        )
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        if "mimetype" in names:
            kind = _("这是OpenDocument(.ods等)文件，不是Excel工作簿(.xlsx)。")
        elif any(name.startswith(("word/", "ppt/")) for name in names):
            kind = _("这是Word或PowerPoint文件，不是Excel工作簿。")
        else:
            kind = _("这是压缩包，不是Excel工作簿(.xlsx)。")
        raise _file_error(kind + _("请上传Excel工作簿(*.xlsx)"))


def _too_much_text() -> WorkbookError:
    return _file_error(
        _(
            "文件中的文字内容过多（超过 %(chars)s 个字或 %(count)s 段不同的文字），超出一次导入能处理的范围；"
            "请删除无关的工作表和内容，或拆成几个文件分批上传"
        )
        % {"chars": f"{MAX_SHARED_TEXT_CHARS:,}", "count": f"{MAX_SHARED_STRINGS:,}"}
    )


def _check_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """The upload's memory budget: openpyxl keeps the whole shared-string table in memory, so its size, the
    number of its texts and their characters are checked first — the size on the zip directory (a declared
    size also bounds what zipfile will inflate), the rest by a streaming count that holds no text."""
    if member.file_size > MAX_SHARED_STRINGS_BYTES:
        raise _too_much_text()
    counts = [0, 0]  # texts, characters

    def start(name: str, _attributes: dict[str, str]) -> None:
        if name.rpartition(" ")[2] == "si":
            counts[0] += 1
            if counts[0] > MAX_SHARED_STRINGS:
                raise _too_much_text()

    def characters(data: str) -> None:
        counts[1] += len(data)
        if counts[1] > MAX_SHARED_TEXT_CHARS:
            raise _too_much_text()

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.CharacterDataHandler = characters
    try:
        with archive.open(member) as source:
            while chunk := source.read(256 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        raise _file_error(
            _("文件已损坏或不完整，无法作为Excel工作簿(.xlsx)打开；请重新导出或另存为 .xlsx 后再上传")
        ) from None


def _merged_ranges(data: bytes, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merged range in one sheet (see `_sheet_outline`)."""
    return _sheet_outline(data, sheet_path, 0)[0]


def _sheet_outline(
    data: bytes, sheet_path: str, header_end: int
) -> tuple[list[tuple[int, int, int, int]], int]:
    """The merged ranges of one sheet, (min_col, min_row, max_col, max_row) each, and how many rows its XML
    holds below row `header_end`, read from the sheet's XML by a streaming parser (read-only openpyxl does not
    report merges). Memory stays flat whatever the sheet size."""
    ranges: list[tuple[int, int, int, int]] = []
    rows = [0, 0]  # row elements seen, of which below the header

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local == "row":
            rows[0] += 1
            number = attributes.get("r")
            if (int(number) if number and number.isdigit() else rows[0]) > header_end:
                rows[1] += 1
        elif local == "mergeCell":
            ref = attributes.get("ref", "")
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                return
            if None not in (min_col, min_row, max_col, max_row) and (min_col, min_row) != (max_col, max_row):
                ranges.append((min_col, min_row, max_col, max_row))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet_path.lstrip("/")) as source:
        while chunk := source.read(256 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return ranges, rows[1]


def _pick_sheet(workbook: Any, sheet_name: str | None) -> Any:
    worksheets = list(workbook.worksheets)
    names = listing(f"“{name}”" for name in workbook.sheetnames)
    if sheet_name is not None:
        wanted = [ws for ws in workbook._sheets if ws.title == sheet_name] or [
            ws for ws in workbook._sheets if ws.title.strip() == sheet_name.strip()
        ]
        if not wanted:
            raise _file_error(
                _("找不到名为“%(name)s”的工作表；文件中的工作表有：%(names)s")
                % {"name": sheet_name, "names": names or _("（无）")}
            )
        if wanted[0] not in worksheets:
            raise _file_error(_("“%(name)s”是图表，不是数据工作表") % {"name": sheet_name})
        return wanted[0]
    active = workbook.active
    if active in worksheets and active.sheet_state == "visible":
        return active
    visible = [ws for ws in worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise _file_error(_("文件中没有可读取的工作表"))
    return visible[0]


def _safe_rows(rows: Iterator[Any]) -> Iterator[Any]:
    """openpyxl's row iterator, with a broken sheet XML turned into a friendly file-level problem."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a damaged sheet can fail in many ways inside openpyxl
            raise _file_error(
                _("工作表内容已损坏，无法读取；请在Excel中打开后另存为新的 .xlsx 再上传")
            ) from exc
        yield row


def _cell_value(cell: Any, epoch: dt.datetime) -> Any:
    value = getattr(cell, "value", None)
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and getattr(cell, "data_type", "n") == "n"
    ):
        try:
            fmt_id = cell.style_array.numFmtId
        except (AttributeError, IndexError):
            fmt_id = 0
        if fmt_id in CJK_DATE_FORMAT_IDS:
            try:
                return from_excel(value, epoch=epoch)
            except (ValueError, OverflowError):
                return value
    return value


def _header_paths(
    header_cells: dict[tuple[int, int], Any],
    header_row_numbers: range,
    merges: list[tuple[int, int, int, int]],
) -> dict[int, tuple[str, ...]]:
    grid = {key: _normalise_header(value) for key, value in header_cells.items()}
    width = max((col for _row, col in grid), default=0)
    first, last = header_row_numbers.start, header_row_numbers.stop - 1
    for min_col, min_row, max_col, max_row in merges:
        if min_row > last or max_row < first or min_row < first:
            continue
        value = grid.get((min_row, min_col), "")
        for row in range(min_row, min(max_row, last) + 1):
            for col in range(min_col, min(max_col, width) + 1):
                grid[(row, col)] = value
    paths = {}
    for col in range(1, width + 1):
        parts: list[str] = []
        for row in header_row_numbers:
            part = grid.get((row, col), "")
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        paths[col] = tuple(parts)
    return paths


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.5


def _match_headers(
    columns: Sequence[Column], paths: dict[int, tuple[str, ...]], header_row: int, allow_extra_columns: bool
) -> tuple[dict[int, Column], list[Problem]]:
    by_path: dict[tuple[str, ...], list[int]] = {}
    keys_of = {col: tuple(header_key(part) for part in path) for col, path in paths.items()}
    for col, path in paths.items():
        if path:
            by_path.setdefault(keys_of[col], []).append(col)
    found: dict[int, Column] = {}
    matched: set[int] = set()
    missing: list[Column] = []
    problems: list[Problem] = []
    for column in columns:
        keys = column.keys
        hits = by_path.get(keys, [])
        if not hits and len(keys) == 1:
            # a plain title also matches a column under a group title, when only one column has that title
            loose = [col for col, path in paths.items() if path and keys_of[col][-1] == keys[0]]
            hits = loose if len(loose) == 1 else []
        if not hits:
            missing.append(column)
            continue
        if len(hits) > 1:
            letters = listing(_("%(column)s列") % {"column": get_column_letter(col)} for col in hits)
            problems.append(
                Problem(
                    header_row,
                    get_column_letter(hits[1]),
                    column.title,
                    _("表头“%(header)s”出现了多次（%(letters)s），请只保留一列")
                    % {"header": column.title, "letters": letters},
                    column.title,
                )
            )
        found[hits[0]] = column
        matched.update(hits)
    unknown = {col: _header_display(path) for col, path in paths.items() if path and col not in matched}
    for column in missing:
        guess = next((col for col, shown in unknown.items() if _similar(shown, column.title)), None)
        if guess is None:
            reason = _("缺少列“%(header)s”，请按模板填写表头") % {"header": column.title}
        else:
            reason = _(
                "缺少列“%(header)s”（%(column)s列的“%(found)s”是否就是这一列？表头须与模板中的写法一致）"
            ) % {"header": column.title, "column": get_column_letter(guess), "found": unknown[guess]}
        problems.append(Problem(None, None, column.title, reason, column.title))
    if not allow_extra_columns:
        expected = listing(f"“{c.title}”" for c in missing)
        accepted = listing(f"“{c.title}”" for c in columns)
        for col, shown in unknown.items():
            if missing:
                reason = _(
                    "表头“%(found)s”不是模板中的列（模板缺少的列：%(expected)s；可以识别的表头：%(accepted)s）"
                ) % {"found": shown, "expected": expected, "accepted": accepted}
            else:
                reason = _("表头“%(found)s”不是模板中的列，请删除这一列（可以识别的表头：%(accepted)s）") % {
                    "found": shown,
                    "accepted": accepted,
                }
            problems.append(Problem(header_row, get_column_letter(col), shown, reason))
    return found, problems


def _find_title_rows(
    columns: Sequence[Column],
    cells: dict[tuple[int, int], Any],
    header_rows: int,
    merges: list[tuple[int, int, int, int]],
) -> int:
    """How many rows stand above the header: the first placing of the header that finds the most declared
    columns (0 when none finds any: the problems are then reported for a header in row 1)."""
    best, best_found = 0, 0
    last = max((row for row, _col in cells), default=0)
    for titles in range(0, min(MAX_TITLE_ROWS, max(last - 1, 0)) + 1):
        numbers = range(titles + 1, titles + header_rows + 1)
        header = {key: value for key, value in cells.items() if key[0] in numbers}
        if not header:
            continue
        found, _problems = _match_headers(columns, _header_paths(header, numbers, merges), numbers[-1], True)
        if len(found) > best_found:
            best, best_found = titles, len(found)
            if best_found == len(columns):
                break
    return best


#: A note under a table, in a row of its own: "注：…", "说明1.…", "填表人：…", "数据来源：…".
NOTE_RE = re.compile(
    r"(?:注|备注|附注|说明|注意|填表说明)\s*[0-9一二三四五六七八九十]*\s*[:.、]"
    r"|(?:填表人|填报人|制表人|审核人|负责人|联系人|联系电话|填报单位|制表单位|填报日期|制表日期|数据来源|资料来源)"
)


def _is_note(cells: Sequence[Any]) -> bool:
    values = [getattr(cell, "value", None) for cell in cells]
    filled = [value for value in values if not _is_blank(value)]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return False
    return NOTE_RE.match(unicodedata.normalize("NFKC", filled[0]).strip()) is not None


def _more_problems(listed: int) -> Problem:
    """The last line of a problem list cut off after `listed` problems."""
    message = _("问题较多，只列出了前 %(count)d 个；请先改正这些问题，再重新上传检查其余内容")
    return Problem(None, None, None, message % {"count": listed})


def _row_sort_key(problem: Problem) -> tuple[int, int]:
    return (problem.row or 0, 0 if problem.row is None else 1)


def _check_table_arguments(columns: Sequence[Column], header_rows: int) -> None:
    if header_rows < 1:
        raise ValueError("header_rows must be at least 1")
    keys = [column.key for column in columns]
    if len(set(keys)) != len(keys):
        raise ValueError("column keys must be unique")
    for column in columns:
        if not column.path or len(column.path) > header_rows:
            raise ValueError(
                f"column {column.key!r}: header {column.header!r} does not fit {header_rows} row(s)"
            )


def read_table(file: Any, **options: Any) -> Table:
    """Read one sheet of an uploaded .xlsx into rows of parsed values, or raise WorkbookError listing every
    problem.

    `file`: bytes, a path, or a binary file object (a Django UploadedFile). `title_rows` rows above the header
    are ignored (a table title such as “附件1 …”); None (the default) finds them: the header is where the
    declared columns are (within the first MAX_TITLE_ROWS rows). The next `header_rows` rows are the header,
    where merged cells are allowed and headers are compared through `header_key` (units in brackets,
    full-width forms, spaces, “其中：”); everything below is data. `skip_row(raw_values)` gets the
    unparsed, stripped cell values of a row by column key and returns True for rows to leave out (a 合计
    line). Completely empty rows and notes below the table (“注：…”, “填表人：…”, one cell in the row) are
    skipped. Unknown header columns are problems unless `allow_extra_columns`.

    `collect_problems`: nothing is raised for the header or the cells (problems of the file as a whole still
    are); the table's `problems` holds them, and its rows are the readable cells of the columns found, so the
    caller can add its own checks and report everything in one pass.

    Every row is kept in memory: fine for a district's towns; a file of many thousand rows is read with
    `open_table`, which hands the rows over one at a time. The keyword arguments are `open_table`'s.
    """
    collect = options.get("collect_problems", False)
    with open_table(file, **options) as reader:
        rows = list(reader)
        problems = reader.all_problems() if collect else []
        if not collect:
            reader.finish()
        return Table(
            rows=rows,
            sheet_name=reader.sheet_name,
            letters=reader.letters,
            problems=problems,
            header_row=reader.header_row,
        )


def open_table(
    file: Any,
    *,
    columns: Sequence[Column],
    header_rows: int = 1,
    sheet_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    skip_row: Callable[[dict[str, Any]], bool] | None = None,
    title_rows: int | None = None,
    allow_extra_columns: bool = False,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_problems: int = DEFAULT_MAX_PROBLEMS,
    collect_problems: bool = False,
) -> TableReader:
    """`read_table`, streamed: the file and its header are checked at once (WorkbookError as in `read_table`),
    then iterating the returned `TableReader` yields one parsed `Row` at a time, so memory does not grow with
    the number of rows. Call `finish()` after the last row: it raises WorkbookError with the cell problems
    `read_table` would raise (the same problems, in the same order). Use it as a context manager (it closes
    the workbook)."""
    _check_table_arguments(columns, header_rows)
    data = _read_bytes(file, max_bytes)
    _check_container(data, max_uncompressed_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds of errors for damaged files
        raise _file_error(
            _("无法读取该文件：它不是有效的Excel工作簿(.xlsx)或已损坏。请在Excel中打开后“另存为 .xlsx”再上传")
        ) from exc
    try:
        return TableReader(
            workbook,
            data,
            columns=columns,
            header_rows=header_rows,
            title_rows=title_rows,
            sheet_name=sheet_name,
            max_rows=max_rows,
            skip_row=skip_row,
            allow_extra_columns=allow_extra_columns,
            max_problems=max_problems,
            collect_problems=collect_problems,
        )
    except BaseException:
        workbook.close()
        raise


class TableReader:
    """The data rows of one sheet, parsed one at a time (see `open_table`).

    `letters` maps column keys to column letters, `sheet_name` is the sheet read, `estimated_rows` the number
    of data rows the sheet's XML holds (blank rows and rows left out by `skip_row` included: a progress total,
    not a count), `count` the data rows handed over so far. A row whose cells had problems is still handed
    over, with `valid` False and None for the cells in question; the problems themselves are kept (at most
    `max_problems`, then reading stops) and raised by `finish()`."""

    def __init__(
        self,
        workbook: Any,
        data: bytes,
        *,
        columns: Sequence[Column],
        header_rows: int,
        title_rows: int,
        sheet_name: str | None,
        max_rows: int,
        skip_row: Callable[[dict[str, Any]], bool] | None,
        allow_extra_columns: bool,
        max_problems: int,
        collect_problems: bool = False,
    ):
        self._workbook = workbook
        sheet = _pick_sheet(workbook, sheet_name)
        sheet.reset_dimensions()  # a wrong <dimension> would otherwise cut rows off silently
        try:
            merges, all_rows = _sheet_outline(data, sheet._worksheet_path, 0)
        except (KeyError, expat.ExpatError, zipfile.BadZipFile, OSError) as exc:
            raise _file_error(
                _("工作表内容已损坏，无法读取；请在Excel中打开后另存为新的 .xlsx 再上传")
            ) from exc

        look = (MAX_TITLE_ROWS if title_rows is None else title_rows) + header_rows
        top_cells: dict[tuple[int, int], Any] = {}
        rows_seen = 0
        for number, cells in enumerate(_safe_rows(sheet.iter_rows(min_row=1, max_row=look)), start=1):
            rows_seen = number
            for col, cell in enumerate(cells, start=1):
                if not _is_blank(getattr(cell, "value", None)):
                    top_cells[(number, col)] = cell.value
        if title_rows is None:
            title_rows = _find_title_rows(columns, top_cells, header_rows, merges)
        header_end = title_rows + header_rows
        header_row_numbers = range(title_rows + 1, header_end + 1)
        header_cells = {key: value for key, value in top_cells.items() if key[0] in header_row_numbers}
        if not header_cells:
            raise WorkbookError(
                [
                    Problem(
                        header_row_numbers.start,
                        "A",
                        None,
                        _("工作表“%(sheet)s”%(empty)s没有表头：表头应在第%(first)d行，请使用模板")
                        % {
                            "sheet": sheet.title,
                            "empty": _("是空的，") if rows_seen == 0 else "",
                            "first": header_row_numbers.start,
                        },
                    )
                ]
            )
        sheet_rows = max(all_rows - header_end, 0)  # an estimate: the header's row elements are taken off
        paths = _header_paths(header_cells, header_row_numbers, merges)
        by_col, problems = _match_headers(columns, paths, header_end, allow_extra_columns)
        if problems and not collect_problems:
            raise WorkbookError(problems)
        self.header_problems: list[Problem] = problems
        self.header_row: int = header_row_numbers.start

        self.sheet_name: str = sheet.title
        self.letters: dict[str, str] = {column.key: get_column_letter(col) for col, column in by_col.items()}
        self.estimated_rows: int = sheet_rows
        self.count = 0
        self.problems: list[Problem] = []
        self.truncated = False
        self._sheet = sheet
        self._paths = paths
        self._by_col = by_col
        self._header_end = header_end
        self._max_rows = max_rows
        self._skip_row = skip_row
        self._allow_extra_columns = allow_extra_columns
        self._max_problems = max_problems
        # merged ranges reaching below the header, by first data row: a data row inside one is a problem
        self._merges = sorted(
            (max(min_row, header_end + 1), index, max_row, min_col, min_row, max_col)
            for index, (min_col, min_row, max_col, max_row) in enumerate(merges)
            if max_row > header_end
        )
        self._merge_problems: list[tuple[int, Problem]] = []  # (index in the sheet's list, problem)
        self._started = False

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._workbook.close()

    def __iter__(self) -> Iterator[Row]:
        if self._started:
            raise RuntimeError("a TableReader can be read once")
        self._started = True
        by_col, letters, paths = self._by_col, self.letters, self._paths
        columns = [(col - 1, column, letters[column.key]) for col, column in sorted(by_col.items())]
        key_of = {letter: column.key for _index, column, letter in columns}
        skip_row, problems, allow_extra = self._skip_row, self.problems, self._allow_extra_columns
        headerless_reported: set[int] = set()
        epoch = self._workbook.epoch
        merges, next_merge, open_merges = self._merges, 0, []
        start = self._header_end + 1
        for number, cells in enumerate(_safe_rows(self._sheet.iter_rows(min_row=start)), start=start):
            if all(_is_blank(getattr(cell, "value", None)) for cell in cells) or _is_note(cells):
                continue
            width = len(cells)
            if skip_row is not None:
                raw: dict[str, Any] = {}
                for index, column, _letter in columns:
                    value = getattr(cells[index], "value", None) if index < width else None
                    raw[column.key] = value.strip() if isinstance(value, str) else value
                if skip_row(raw):
                    continue
            if self.count >= self._max_rows:
                raise _file_error(
                    _("数据超过 %(limit)d 行的上限（从第%(row)d行起超出），请拆成几个文件分批上传")
                    % {"limit": self._max_rows, "row": number}
                )
            self.count += 1
            before = len(problems)

            while next_merge < len(merges) and merges[next_merge][0] <= number:
                open_merges.append(merges[next_merge])
                next_merge += 1
            if open_merges:
                for _low, index, max_row, min_col, min_row, max_col in open_merges:
                    if max_row < number:
                        continue
                    ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
                    problem = Problem(
                        min_row,
                        get_column_letter(min_col),
                        ref,
                        _("第%(row)d行有合并单元格（%(ref)s），请取消合并，并在每一行填写完整")
                        % {"row": min_row, "ref": ref},
                    )
                    self._merge_problems.append((index, problem))
                open_merges.clear()  # reported once; ranges ending above this row hold no data row

            if not allow_extra:
                for col, cell in enumerate(cells, start=1):
                    if col in by_col or col in headerless_reported:
                        continue
                    value = getattr(cell, "value", None)
                    if _is_blank(value) or paths.get(col):
                        continue
                    headerless_reported.add(col)
                    problems.append(
                        Problem(
                            number,
                            get_column_letter(col),
                            value,
                            _("这一列没有表头，却填了内容；请删除，或只在模板的列中填写"),
                        )
                    )

            values: dict[str, Any] = {}
            for index, column, letter in columns:
                cell = cells[index] if index < width else None
                data_type = getattr(cell, "data_type", None)
                value = _cell_value(cell, epoch)
                values[column.key] = None
                if data_type == "f":
                    problems.append(
                        Problem(number, letter, value, _("单元格含公式，请粘贴为数值"), column.title)
                    )
                    continue
                if data_type == "e":
                    problems.append(
                        Problem(
                            number,
                            letter,
                            value,
                            _("单元格是错误值“%(value)s”，请改为正确的数值") % {"value": _show(value)},
                            column.title,
                        )
                    )
                    continue
                if _is_blank(value):
                    if column.required:
                        problems.append(Problem(number, letter, None, _("不能为空"), column.title))
                    continue
                try:
                    values[column.key] = column.parse(value)
                except ValueError as exc:
                    problems.append(Problem(number, letter, value, str(exc), column.title))
            bad = frozenset(key_of[p.column] for p in problems[before:] if p.column in key_of)
            yield Row(number, values, valid=len(problems) == before, bad=bad)
            if len(problems) >= self._max_problems:
                self.truncated = True
                return

    def all_problems(self) -> list[Problem]:
        """Every problem found: the header's (with `collect_problems`), then the rows read (merged data cells
        included), sorted by row; the last line says so when the list was cut off."""
        problems = self.problems + [problem for _index, problem in sorted(self._merge_problems)]
        problems.sort(key=_row_sort_key)
        problems = self.header_problems + problems
        if self.truncated:
            problems.append(_more_problems(self._max_problems))
        return problems

    def finish(self) -> None:
        """Raise WorkbookError with every problem found (see `all_problems`); nothing when the header and the
        rows were all readable."""
        problems = self.all_problems()
        if problems:
            raise WorkbookError(problems)


# ------------------------------------------------------------------------------------------- reading ahead


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


_END = object()


def read_ahead(rows: Iterator[Any], *, batch: int = 1000, depth: int = 2, using: str = DEFAULT_DB_ALIAS):
    """Iterate `rows` — a database iterator such as `queryset.values_list(…).iterator(chunk_size=…)` — in a
    helper thread that stays up to `depth` batches ahead, so PostgreSQL computes the next rows while the
    caller writes these (a large export then costs about the slower of the two, not their sum).

    The thread uses the caller's own database connection (so it sees the caller's transaction) with the
    caller's language and time zone; the caller must not use that connection until the iteration has ended
    or the generator is closed (closing stops the thread and closes the iterator). Only the rows' reading
    runs there: turn values into labels in the caller's thread."""
    from django.db import connections

    connection = connections[using]
    language, zone = translation.get_language(), timezone.get_current_timezone()
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        connections[using] = connection  # this thread's view of the alias: the caller's connection
        try:
            with translation.override(language), timezone.override(zone):
                chunk: list[Any] = []
                for row in rows:
                    chunk.append(row)
                    if len(chunk) >= batch:
                        if not put(chunk):
                            return
                        chunk = []
                if chunk and not put(chunk):
                    return
            put(_END)
        except BaseException as error:  # handed to the caller's thread, raised there
            put(_Failed(error))
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    # In a transaction, a server-side cursor is computed as it is fetched; outside one (autocommit) PostgreSQL
    # computes it whole when it is declared, and the writer would wait for all of it before the first row.
    with transaction.atomic(using=using):
        connection.inc_thread_sharing()
        thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
        thread.start()
        try:
            while True:
                item = queue.get()
                if item is _END:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield from item
        finally:
            stop.set()
            thread.join()
            connection.dec_thread_sharing()


# ---------------------------------------------------------------------------------------------------- writing


def neutralise(value: Any) -> Any:
    """Make a string safe to put in a cell (OWASP CSV/formula injection): a leading = + - @ tab or carriage
    return gets a single quote in front so spreadsheet software shows it as text. Other values are
    unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


HeaderEntry = str | tuple[str, int] | None


@dataclass
class SheetSpec:
    """One sheet to write.

    `columns`: (title, width) pairs; a width of None is worked out from the title. `rows`: an iterable of
    tuples (a generator is fine: rows are streamed). `header_rows`: extra header rows above the column
    titles, each a list of entries covering every column once: a string (one cell), `(text, span)` (one cell
    merged across `span` columns) or None (the column's own title moves up to this row and is merged down to
    the title row, the usual look of 序号 / 镇街 in an annex table)."""

    title: str
    columns: Sequence[tuple[str, float | None]]
    rows: Iterable[Sequence[Any]]
    header_rows: Sequence[Sequence[HeaderEntry]] = ()
    #: Filter buttons on the column titles over every row written.
    autofilter: bool = True


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_title(title: str, used: set[str]) -> str:
    base = SHEET_TITLE_FORBIDDEN_RE.sub("_", str(title)).strip("'").strip()[:31] or "Sheet"
    candidate, counter = base, 2
    while candidate.casefold() in used:
        suffix = f"({counter})"
        candidate, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    used.add(candidate.casefold())
    return candidate


def _clean_text(value: str) -> str:
    if not value.isprintable():  # printable text (most of it) holds no character Excel refuses
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > CELL_TEXT_MAX:
        value = value[: CELL_TEXT_MAX - 1] + "…"
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


class _DataCells:
    """Turns values into what a write-only sheet stores: numbers as numbers, dates as dates, text neutralised.

    Written once per value of a large export, so it is kept cheap: dispatch on the exact type first, and one
    shared style per number format (a Decimal with two places is shown with two places, a date as a date)
    instead of a style built for every cell."""

    def __init__(self, sheet: Any):
        self.sheet = sheet
        self.styles: dict[str, Any] = {}
        self.fast = {
            str: _clean_text,
            int: self._int,
            float: self._float,
            bool: _same_value,
            type(None): _same_value,
            Decimal: self._decimal,
            dt.date: self._date,
        }

    def __call__(self, value: Any) -> Any:
        convert = self.fast.get(type(value))
        if convert is not None:
            return convert(value)
        return self._other(value)

    def row(self, values: Iterable[Any]) -> list[Any]:
        """A row of values converted; the commonest (empty, text, a plain number) without a further call."""
        convert = self.__call__
        return [
            value
            if value is None
            else _clean_text(value)
            if type(value) is str
            else value
            if type(value) is int and -INT_AS_NUMBER_MAX < value < INT_AS_NUMBER_MAX
            else convert(value)
            for value in values
        ]

    def _styled(self, value: Any, number_format: str) -> Cell:
        style = self.styles.get(number_format)
        if style is None:
            template = WriteOnlyCell(self.sheet)
            template.number_format = number_format
            style = self.styles[number_format] = template._style
        cell = Cell(self.sheet, row=1, column=1, style_array=StyleArray(style))
        cell.value = value
        return cell

    @staticmethod
    def _int(value: int) -> Any:
        # beyond 15 digits Excel rounds (an ID number would be corrupted): keep those as text
        return value if -INT_AS_NUMBER_MAX < value < INT_AS_NUMBER_MAX else str(value)

    @staticmethod
    def _float(value: float) -> Any:
        return value if math.isfinite(value) else None

    def _decimal(self, value: Decimal) -> Any:
        if not value.is_finite():
            return None
        exponent = value.as_tuple().exponent
        places = min(-exponent, 10) if isinstance(exponent, int) and exponent < 0 else 0
        return self._styled(value, "0." + "0" * places if places else "0")

    def _date(self, value: dt.date) -> Any:
        return self._styled(value, "yyyy-mm-dd")

    def _other(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return self._int(int(value))
        if isinstance(value, float):
            return self._float(float(value))
        if isinstance(value, Decimal):
            return self._decimal(value)
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.make_naive(value)
            return self._styled(value, "yyyy-mm-dd hh:mm")
        if isinstance(value, dt.date):
            return self._date(value)
        if isinstance(value, dt.time):
            return self._styled(value.replace(tzinfo=None), "hh:mm")
        return _clean_text(str(value))


def _same_value(value: Any) -> Any:
    return value


def _data_cell(sheet: Any, value: Any) -> Any:
    """A value as it should be stored: numbers as numbers, dates as dates, text neutralised."""
    return _DataCells(sheet)(value)


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _header_cell(sheet: Any, value: Any) -> Any:
    cell = WriteOnlyCell(sheet, value=None if value is None else _clean_text(str(value)))
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell


def _header_layout(spec: SheetSpec) -> tuple[list[list[Any]], list[str]]:
    """The header rows as lists of cell texts (None = blank), and the merged ranges to declare."""
    titles = [title for title, _width in spec.columns]
    count = len(titles)
    depth = len(spec.header_rows) + 1
    grid: list[list[Any]] = [[None] * count for _ in range(depth)]
    merges: list[str] = []
    lifted: set[int] = set()
    for row_index, entries in enumerate(spec.header_rows):
        col = 0
        for entry in entries:
            if col >= count:
                raise ValueError(
                    f"sheet {spec.title!r}: header row {row_index + 1} is wider than the columns"
                )
            if entry is None:
                if col not in lifted:
                    lifted.add(col)
                    grid[row_index][col] = titles[col]
                    letter = get_column_letter(col + 1)
                    merges.append(f"{letter}{row_index + 1}:{letter}{depth}")
                col += 1
                continue
            if col in lifted:
                raise ValueError(f"sheet {spec.title!r}: column {col + 1} was merged down from above")
            text_value, span = (entry, 1) if isinstance(entry, str) else entry
            if span < 1 or col + span > count:
                raise ValueError(f"sheet {spec.title!r}: header {text_value!r} spans past the last column")
            grid[row_index][col] = text_value
            if span > 1:
                first, last = get_column_letter(col + 1), get_column_letter(col + span)
                merges.append(f"{first}{row_index + 1}:{last}{row_index + 1}")
            col += span
        if col != count:
            raise ValueError(
                f"sheet {spec.title!r}: header row {row_index + 1} covers {col} of {count} columns"
            )
    for col, title in enumerate(titles):
        if col not in lifted:
            grid[-1][col] = title
    return grid, merges


@dataclass
class About:
    """What an export is, written by `write_workbook` as a last sheet "说明" (About): what the rows are, the
    source documents they rest on, the date and time the data is as of, the filters applied (label, value),
    who exported it and when, and how many rows each data sheet holds. `notes` are further (label, text)
    lines. Labels and values come translated from the caller; the writer adds nothing but the row counts."""

    title: str
    exporter: str
    exported_at: dt.datetime
    as_of: dt.date | dt.datetime | None = None
    filters: Sequence[tuple[str, str]] = ()
    sources: Sequence[str] = ()
    notes: Sequence[tuple[str, str]] = ()

    def lines(self, counts: Sequence[tuple[str, int]]) -> list[tuple[str, Any]]:
        exported_at = timezone.localtime(self.exported_at) if timezone.is_aware(self.exported_at) else None
        shown_at = _show_moment(exported_at or self.exported_at)
        as_of = self.as_of or exported_at or self.exported_at
        if isinstance(as_of, dt.datetime) and timezone.is_aware(as_of):
            as_of = timezone.localtime(as_of)
        lines: list[tuple[str | None, Any]] = [(_("导出内容"), self.title)]
        sources = list(self.sources) or [_("本门户数据库中的记录（导出时读取）")]
        lines += [(_("数据来源") if index == 0 else None, source) for index, source in enumerate(sources)]
        lines.append((_("数据截至"), _show_moment(as_of)))
        filters = list(self.filters) or [(None, _("无（全部记录）"))]
        lines += [
            (_("筛选条件") if index == 0 else None, f"{label}：{value}" if label else value)
            for index, (label, value) in enumerate(filters)
        ]
        lines.append((_("范围"), _("仅含导出人有权查看的记录")))
        per_sheet = _("工作表“%(sheet)s”：%(count)d 行")
        lines += [
            (_("行数") if index == 0 else None, per_sheet % {"sheet": sheet, "count": count})
            for index, (sheet, count) in enumerate(counts)
        ]
        lines += list(self.notes)
        lines += [(_("导出人"), self.exporter), (_("导出时间"), shown_at)]
        return lines


def _show_moment(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _about_sheet(about: About, counts: Sequence[tuple[str, int]]) -> SheetSpec:
    return SheetSpec(
        title=pgettext("export sheet", "说明"),
        columns=[(_("项目"), 14), (_("内容"), 90)],
        rows=about.lines(counts),
        autofilter=False,
    )


class _Counted:
    """The rows of a sheet, counted as the writer streams them (for the About sheet)."""

    def __init__(self, rows: Iterable[Sequence[Any]]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def _write_sheet(workbook: Any, spec: SheetSpec, used_titles: set[str]) -> tuple[str, int]:
    sheet = workbook.create_sheet(title=_sheet_title(spec.title, used_titles))
    grid, merges = _header_layout(spec)
    for index, (title, width) in enumerate(spec.columns, start=1):
        if width is None:
            width = min(max(_display_width(str(title)) + 4, 8), 50)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{len(grid) + 1}"
    for header in grid:
        sheet.append([_header_cell(sheet, value) for value in header])
    for merged in merges:
        sheet.merged_cells.add(merged)
    convert = _DataCells(sheet).row
    rows = _Counted(spec.rows)
    for row in rows:
        sheet.append(convert(row))
    if spec.autofilter and spec.columns:
        # Filter buttons on the column titles (the last header row), over every data row; the writer puts
        # the <autoFilter> element in the sheet's tail when the workbook is saved.
        last = get_column_letter(len(spec.columns))
        sheet.auto_filter.ref = f"A{len(grid)}:{last}{len(grid) + rows.count}"
    return sheet.title, rows.count


def write_workbook(sheets: Iterable[SheetSpec], *, about: About | None = None) -> bytes:
    """Write sheets into an .xlsx (write-only mode: rows are streamed, memory stays small) and return it.

    Every sheet gets a bold header with frozen panes below it and an autofilter over its columns. With
    `about`, a last sheet "说明" says what the export is (see About), with the row count of each sheet."""
    workbook = Workbook(write_only=True)
    used_titles: set[str] = set()
    counts = [_write_sheet(workbook, spec, used_titles) for spec in sheets]
    if not counts:
        raise ValueError("write_workbook needs at least one sheet")
    if about is not None:
        _write_sheet(workbook, _about_sheet(about, counts), used_titles)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _problem_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | Decimal | dt.date | dt.time):
        return value
    return _show(value, limit=CELL_TEXT_MAX)


def problems_workbook(problems: Iterable[Problem]) -> bytes:
    """The row-by-row error report of an import (行, 列, 值, 原因) as an .xlsx, for the user to download."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for problem in problems:
            column = problem.column or ""
            if problem.header:
                column = f"{column}（{problem.header}）" if column else problem.header
            yield (problem.row, column or None, _problem_value(problem.value), problem.reason)

    spec = SheetSpec(
        title=_("问题清单"),
        columns=[(_("行"), 8), (_("列"), 24), (_("值"), 30), (_("原因"), 80)],
        rows=rows(),
    )
    return write_workbook([spec])


def _ascii_filename(filename: str) -> str:
    stem, dot, _suffix = filename.rpartition(".")
    stem = stem if dot else filename
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", unicodedata.normalize("NFKD", stem)).strip("._")
    if not re.search(r"[A-Za-z0-9]", ascii_stem):
        ascii_stem = "export"
    return f"{ascii_stem}.xlsx"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An HttpResponse downloading `content` as `filename` (Chinese names work: RFC 6266/5987 filename*)."""
    filename = re.sub(r"[\x00-\x1f\x7f/\\\"]+", "_", filename).strip() or "export.xlsx"
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{_ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------------- importing (shared parts)
# What the importers (targets.importers: the annex of slot targets; facilities.importers: the roster) share
# on top of the reader: their result, progress reports, the all-at-once problem report, name matching, the
# problem list as stored on an import job, and a look at a sheet's first rows.

PROGRESS_EVERY = 200
MAX_CHANGES_LISTED = 1000

ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    total_rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[dict] = field(default_factory=list)
    changes_omitted: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def listing(self) -> bool:
        """True while changes are still listed (at most MAX_CHANGES_LISTED; the rest are only counted)."""
        return len(self.changes) < MAX_CHANGES_LISTED

    def record(self, change: dict) -> None:
        if change["action"] == "created":
            self.created += 1
        else:
            self.updated += 1
        if self.listing:
            self.changes.append(change)
        else:
            self.changes_omitted += 1

    def as_summary(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "changes_omitted": self.changes_omitted,
            **self.extra,
        }


def canon(value: Any) -> str:
    """A header or name as compared: full-width forms folded (NFKC), white space removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


is_blank = _is_blank


def _column_order(letter: str | None) -> tuple[int, str]:
    return (len(letter or ""), letter or "")


def raise_problems(problems: list[Problem]) -> None:
    """Raise every problem at once, sorted by row and column, capped like read_table caps them."""
    if not problems:
        return
    problems.sort(key=lambda p: (p.row or 0, 0 if p.row is None else 1, _column_order(p.column)))
    if len(problems) > DEFAULT_MAX_PROBLEMS:
        problems = problems[:DEFAULT_MAX_PROBLEMS]
        problems.append(_more_problems(DEFAULT_MAX_PROBLEMS))
    raise WorkbookError(problems)


class ImportProgress:
    """Calls the callback at the start, every PROGRESS_EVERY rows and at the end. `total` may be an estimate
    (the rows a streamed sheet holds, blank ones included): a count beyond it raises it, and `end` reports the
    real count."""

    def __init__(self, callback: ProgressCallback | None, total: int):
        self.callback, self.total = callback, total
        self.last: tuple[int, int] | None = None
        if callback:
            self._report(0, total)

    def _report(self, done: int, total: int) -> None:
        self.last = (done, total)
        self.callback(done, total)

    def step(self, done: int) -> None:
        if self.callback and (done % PROGRESS_EVERY == 0 or done == self.total):
            self.total = max(self.total, done)
            self._report(done, self.total)

    def end(self, done: int) -> None:
        if self.callback and self.last != (done, done):
            self._report(done, done)


def suggest(value: str, names: Iterable[str]) -> str | None:
    """The one name `value` probably means (a prefix of it, or the closest spelling), or None."""
    names = list(names)
    key = canon(value)
    starts = [name for name in names if name.startswith(key) or key.startswith(name)]
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    return close[0] if close else None


def problem_to_json(problem: Problem) -> dict:
    value = problem.value
    if not (value is None or isinstance(value, str | int | float | bool)):
        value = _show(value, limit=CELL_TEXT_MAX)
    return {
        "row": problem.row,
        "column": problem.column,
        "value": value,
        "reason": problem.reason,
        "header": problem.header,
    }


def problem_from_json(data: dict) -> Problem:
    return Problem(
        data.get("row"), data.get("column"), data.get("value"), data.get("reason", ""), data.get("header")
    )


def header_grid(content: bytes, rows: int = 4) -> tuple[dict[tuple[int, int], Any], list, str] | None:
    """The non-blank cells ((row, column) → value) of the first `rows` rows of the sheet read_table would
    read, its merged ranges and its title — after the same file checks read_table makes (size, zip
    directory), so nothing unsafe reaches openpyxl. None when openpyxl cannot open the file: read_table then
    reports it in its own words. For importers that read their layout from the header before the table."""
    data = _read_bytes(content, DEFAULT_MAX_BYTES)
    _check_container(data, MAX_UNCOMPRESSED_BYTES)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # damaged files fail in many ways inside openpyxl
        return None
    try:
        sheet = _pick_sheet(workbook, None)
        cells: dict[tuple[int, int], Any] = {}
        for number, row in enumerate(_safe_rows(sheet.iter_rows(min_row=1, max_row=rows)), start=1):
            for col, cell in enumerate(row, start=1):
                value = getattr(cell, "value", None)
                if not _is_blank(value):
                    cells[(number, col)] = value
        try:
            merges = _merged_ranges(data, sheet._worksheet_path)
        except Exception:
            merges = []
        return cells, merges, sheet.title
    finally:
        workbook.close()


def header_paths(cells: dict[tuple[int, int], Any], numbers: range, merges) -> dict[int, tuple[str, ...]]:
    """Column → its header path over the rows `numbers`, merged group titles spread over their columns."""
    return _header_paths(cells, numbers, merges)


__all__ = [
    "CJK_DATE_FORMAT_IDS",
    "XLSX_CONTENT_TYPE",
    "About",
    "Column",
    "ImportProgress",
    "ImportResult",
    "Problem",
    "Row",
    "SheetSpec",
    "Table",
    "TableReader",
    "WorkbookError",
    "boolean",
    "canon",
    "choice",
    "date",
    "decimal",
    "header_grid",
    "header_paths",
    "integer",
    "is_blank",
    "neutralise",
    "open_table",
    "problem_from_json",
    "problem_to_json",
    "problems_workbook",
    "raise_problems",
    "read_ahead",
    "read_table",
    "suggest",
    "text",
    "write_workbook",
    "xlsx_response",
]
