"""The text encodings a CSV may be read in, and what its byte-order mark says.

Python's codec registry holds more than text encodings: ``idna``, ``punycode``, ``undefined``,
``unicode_escape``, ``raw_unicode_escape`` and ``utf-7`` (whose decoders turn plain ASCII into
other characters) must never read an upload, nor must a name with a NUL byte reach the
registry. A job's ``character_encoding`` is looked up only among ``TEXT_ENCODINGS``: the
encodings of the WHATWG Encoding Standard (what browsers read text in) that Python has, plus
UTF-32, ASCII and ISO-8859-1.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

#: Python's canonical names (``codecs.lookup(x).name``) of the encodings a CSV may be read in.
TEXT_ENCODINGS: Final = frozenset(
    {
        "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
        "utf-32-be", "ascii", "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
        "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-11", "iso8859-13",
        "iso8859-14", "iso8859-15", "iso8859-16", "cp1250", "cp1251", "cp1252", "cp1253",
        "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "cp866", "cp437", "cp850",
        "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "gbk", "gb2312", "gb18030", "big5",
        "big5hkscs", "euc_jp", "iso2022_jp", "shift_jis", "cp932", "euc_kr", "cp949",
    }
)  # fmt: skip
#: WHATWG labels Python's registry does not know.
_ALIASES: Final = {"windows-874": "cp874", "x-mac-cyrillic": "mac-cyrillic", "x-sjis": "shift_jis"}
#: What a name may look like before it is looked up at all.
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}")
#: Encodings that do not name a byte order: the file must start with a byte-order mark.
BOM_REQUIRED: Final = frozenset({"utf-16", "utf-32"})
#: Byte-order marks and the codec that reads past them, longest first: a UTF-32-LE mark
#: begins with the UTF-16-LE one.
_MARKS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Encodings of a fixed byte order whose mark may start a file: that mark, and the BOM-aware
#: codec that reads past it.
_WITH_MARK: Final = {
    "utf-8": (codecs.BOM_UTF8, "utf-8-sig"),
    "utf-16-le": (codecs.BOM_UTF16_LE, "utf-16"),
    "utf-16-be": (codecs.BOM_UTF16_BE, "utf-16"),
    "utf-32-le": (codecs.BOM_UTF32_LE, "utf-32"),
    "utf-32-be": (codecs.BOM_UTF32_BE, "utf-32"),
}


def text_encoding(name: object) -> str:
    """Python's name of the text encoding ``name`` (``"UTF-8"`` → ``"utf-8"``); ``LookupError``
    for a name that is not one of ``TEXT_ENCODINGS``."""
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise LookupError(f"{name!r} is not an encoding name")
    codec = codecs.lookup(_ALIASES.get(name.lower(), name)).name
    if codec not in TEXT_ENCODINGS:
        raise LookupError(f"{name!r} is not a text encoding a CSV may be read in")
    return codec


def byte_order_mark(head: bytes) -> tuple[bytes, str]:
    """The byte-order mark ``head`` starts with and its BOM-aware codec; ``(b"", "")`` if none."""
    for mark, codec in _MARKS:
        if head.startswith(mark):
            return mark, codec
    return b"", ""


def bom_codec(head: bytes) -> str | None:
    """The BOM-aware codec of the byte-order mark ``head`` starts with, if any."""
    return byte_order_mark(head)[1] or None


def with_bom(codec: str, head: bytes) -> str:
    """``codec``, or its BOM-aware twin when ``head`` starts with the mark of ``codec``'s own
    byte order (so the mark never leaks into the first header)."""
    mark, aware = _WITH_MARK.get(codec, (b"", codec))
    return aware if mark and head.startswith(mark) and bom_codec(head) == aware else codec
