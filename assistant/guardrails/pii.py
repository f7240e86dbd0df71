"""Personal data in free text replaced by placeholders before anything is stored or sent on.

Callers on hotlines and WeChat type their ID number, phone or bank card into the chat as a
matter of course; none of it is needed to answer a policy question, so it is masked on the
way in. The patterns and placeholders are data (``pii.yaml``); this module holds the checks
that keep amounts, dates and article numbers from being mistaken for personal data: the
GB 11643 check character for ID numbers and the Luhn digit for bank cards.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict

__all__ = ["MaskedText", "mask_pii"]

PII_FILE = Path(__file__).with_name("pii.yaml")

# GB 11643-1999: weights 2^(17-i) mod 11 for the 17 body digits; the check character is
# picked by the weighted sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class MaskedText(NamedTuple):
    """The text with personal data replaced, and the kinds found in order of appearance."""

    text: str
    kinds: tuple[str, ...]


class _PiiKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    mask: str
    check: Literal["none", "resident_id", "luhn"]
    patterns: list[str]


class _Match(NamedTuple):
    start: int
    end: int
    kind: _PiiKind


@lru_cache(maxsize=1)
def _kinds() -> tuple[tuple[_PiiKind, tuple[re.Pattern[str], ...]], ...]:
    data = yaml.safe_load(PII_FILE.read_text(encoding="utf-8"))
    kinds = [_PiiKind.model_validate(item) for item in data["kinds"]]
    return tuple((k, tuple(re.compile(p, re.ASCII) for p in k.patterns)) for k in kinds)


def mask_pii(text: str, *, keep: str = "") -> MaskedText:
    """``text`` with ID numbers, mobiles, landlines, bank cards and e-mails masked.

    A match that occurs in ``keep`` is left as it is: on the way out, a public number a
    tool returned (a service point's phone) is not personal data."""
    folded = _fold_width(text)
    accepted: list[_Match] = []
    for kind, patterns in _kinds():
        for pattern in patterns:
            for found in pattern.finditer(folded):
                if not _passes(kind.check, found.group()) or (keep and found.group() in keep):
                    continue
                if any(found.start() < m.end and m.start < found.end() for m in accepted):
                    continue
                accepted.append(_Match(found.start(), found.end(), kind))
    accepted.sort()
    out: list[str] = []
    position = 0
    for match in accepted:
        out.append(text[position : match.start])
        out.append(match.kind.mask)
        position = match.end
    out.append(text[position:])
    kinds = tuple(dict.fromkeys(m.kind.kind for m in accepted))
    return MaskedText("".join(out), kinds)


def _fold_width(text: str) -> str:
    """NFKC one character at a time, keeping a character whose form would change length,
    so positions in the folded copy are positions in ``text``."""
    return "".join(_fold_char(ch) for ch in text)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def _passes(check: str, candidate: str) -> bool:
    digits = re.sub(r"[^0-9Xx]", "", candidate).upper()
    if check == "resident_id":
        return _resident_id_valid(digits)
    if check == "luhn":
        return _luhn_valid(digits)
    return True


def _resident_id_valid(number: str) -> bool:
    if len(number) == 18:
        body = number[:17]
        if not body.isdigit() or number[0] == "0":
            return False
        check = _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
        return number[17] == check and _is_birth_date(number[6:14])
    if len(number) == 15 and number.isdigit() and number[0] != "0":
        return _is_birth_date("19" + number[6:12])
    return False


def _is_birth_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch)
        if i % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
