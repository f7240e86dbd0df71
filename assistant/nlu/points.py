"""What a person asks of the service points they look for: a kind (零工市场) and days (周末).

The words are in ``points.yaml``; a day said relative to today (今天, 明天) is the weekday
of the day the conversation takes as today.
"""

from __future__ import annotations

from datetime import date, timedelta

from assistant.nlu.lexicon import PointLexicon
from assistant.nlu.models import PointQuery

__all__ = ["PointReader"]


class PointReader:
    def __init__(self, lexicon: PointLexicon) -> None:
        self._lexicon = lexicon

    def read(self, text: str, *, today: date) -> PointQuery:
        """The kinds and weekdays named in ``text`` (each in the order first said)."""
        lexicon = self._lexicon
        kinds: dict[str, None] = {}
        for match in lexicon.kinds.finditer(text):
            kinds.update(dict.fromkeys(lexicon.kinds_of[match.group()]))
        days: set[int] = set()
        for match in lexicon.days.finditer(text):
            days.update(lexicon.days_of[match.group()])
        for match in lexicon.relative_days.finditer(text):
            day = today + timedelta(days=lexicon.offset_of[match.group()])
            days.add(day.isoweekday())
        return PointQuery(kinds=list(kinds), open_on=sorted(days))
