"""The date resolver: time expressions in a prediction become concrete datetimes in the user's timezone.

Dates are not left to a model's arithmetic. Rules cover what people say about the future (tonight, this
weekend, next Friday, in three weeks, end of the month, Q2 2027, next spring, Christmas Day); dateparser
covers explicit dates ("March 15, 2027", "12/3", "2027-01-15"). Each expression resolves to the span of
time it names; a call is checked at the end of that span (the deadline, for "by" and "before").

Modules: `spans` (what an expression resolved to, local clock arithmetic), `rules` (the patterns),
`resolver` (rules, then dateparser). Names and holidays come from `agents.calendar`.

Conventions (docs/eval.md has the full list):
- numeric dates follow the timezone's region: US zones read 12/3 as December 3 (MDY), others as
  3 December (DMY); `Settings.date_order` overrides it;
- seasons are meteorological and follow the timezone's hemisphere (spring is Sep-Nov in Sydney);
- "next Friday" is the Friday of next week when this week's Friday is still ahead, else the coming one;
  "this/on/by Friday" is the coming Friday, today included;
- a day ends at 23:59:59; "tonight" and "this evening" run from 18:00.
"""

from calledit.agents.calendar import DateOrder, date_order_for, southern_hemisphere
from calledit.agents.dates.resolver import primary, resolve_dates, warm_in_background
from calledit.agents.dates.spans import TimeExpression

__all__ = [
    "DateOrder",
    "TimeExpression",
    "date_order_for",
    "primary",
    "resolve_dates",
    "southern_hemisphere",
    "warm_in_background",
]
