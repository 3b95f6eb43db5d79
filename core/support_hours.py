"""Support hours: a session's minutes split into in-hours, out-of-hours and
holiday minutes (no ORM).

The caller computes, once per calendar and period, the calendar's working
intervals and its public holidays (Odoo's ``resource.calendar``), converts
them to plain numbers (UTC timestamps in seconds) and hands them here with
every session of that calendar. Each session's share is then a pair of
binary searches over prefix sums: no calendar computation per session.

Rules:
- holiday time is every second of a public holiday, working hours or not;
- in-hours time is working time that is not a holiday;
- out-of-hours time is the rest.
A session's total minutes (connection less pauses, plus extra minutes) are
spread over the three in proportion to the clock time of its span (pauses
and extra minutes are not placed in time), whole minutes by the largest
remainder, so the three always add up to the total. A session without span
(no end yet, or extra minutes only) counts entirely where it starts.
"""

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

IN_HOURS = "in_hours"
OUT_OF_HOURS = "out_of_hours"
HOLIDAY = "holiday"
# The order of the figures, and of ties in the largest remainder.
CATEGORIES = (IN_HOURS, OUT_OF_HOURS, HOLIDAY)


def merge(intervals):
    """Sorted, disjoint, non-empty (start, stop) pairs covering ``intervals``."""
    merged = []
    for start, stop in sorted(intervals):
        if stop <= start:
            continue
        if merged and start <= merged[-1][1]:
            if stop > merged[-1][1]:
                merged[-1] = (merged[-1][0], stop)
        else:
            merged.append((start, stop))
    return merged


def subtract(intervals, removed):
    """``intervals`` less ``removed`` (both any pairs; the result merged)."""
    result = []
    removed = merge(removed)
    removed_stops = [r_stop for _r_start, r_stop in removed]
    for start, stop in merge(intervals):
        index = bisect_right(removed_stops, start)
        cursor = start
        while index < len(removed) and removed[index][0] < stop:
            r_start, r_stop = removed[index]
            if r_start > cursor:
                result.append((cursor, r_start))
            cursor = max(cursor, r_stop)
            index += 1
        if cursor < stop:
            result.append((cursor, stop))
    return result


class Timeline:
    """Disjoint intervals with prefix sums: the length of their overlap with
    any span in O(log n)."""

    def __init__(self, intervals):
        self.intervals = merge(intervals)
        self.starts = [start for start, _stop in self.intervals]
        self.stops = [stop for _start, stop in self.intervals]
        self.prefix = [0]
        for start, stop in self.intervals:
            self.prefix.append(self.prefix[-1] + (stop - start))

    def overlap(self, start, stop):
        """Length of the intersection of [start, stop) with the intervals."""
        if stop <= start or not self.intervals:
            return 0
        first = bisect_right(self.stops, start)  # first interval ending after start
        last = bisect_left(self.starts, stop)  # intervals before it start before stop
        if first >= last:
            return 0
        total = self.prefix[last] - self.prefix[first]
        # Trim the first and last intervals to the span.
        total -= max(start - self.starts[first], 0)
        total -= max(self.stops[last - 1] - stop, 0)
        return total

    def advance(self, start, amount):
        """The point where ``amount`` of interval time has passed since
        ``start`` (a deadline in working time); None beyond the intervals."""
        if amount <= 0:
            return start
        index = bisect_right(self.stops, start)
        if index >= len(self.intervals):
            return None
        begin = max(start, self.starts[index])
        target = self.prefix[index] + (begin - self.starts[index]) + amount
        found = bisect_left(self.prefix, target) - 1
        if found >= len(self.intervals):
            return None
        return self.starts[found] + (target - self.prefix[found])

    def contains(self, point):
        index = bisect_right(self.starts, point) - 1
        return index >= 0 and point < self.stops[index]


@dataclass(frozen=True)
class SupportCalendar:
    """A calendar's working time and public holidays over a period, ready to
    split any number of spans."""

    work: Timeline
    holidays: Timeline

    @classmethod
    def build(cls, work_intervals, holiday_intervals):
        holidays = merge(holiday_intervals)
        return cls(Timeline(subtract(work_intervals, holidays)), Timeline(holidays))

    def category_at(self, point):
        if self.holidays.contains(point):
            return HOLIDAY
        if self.work.contains(point):
            return IN_HOURS
        return OUT_OF_HOURS

    def split_span(self, start, stop):
        """{category: clock time of [start, stop) in it} (the caller's unit)."""
        if stop <= start:
            return {IN_HOURS: 0, OUT_OF_HOURS: 0, HOLIDAY: 0}
        holiday = self.holidays.overlap(start, stop)
        in_hours = self.work.overlap(start, stop)
        return {
            IN_HOURS: in_hours,
            OUT_OF_HOURS: (stop - start) - in_hours - holiday,
            HOLIDAY: holiday,
        }

    def split_minutes(self, start, stop, minutes):
        """{category: whole minutes}: ``minutes`` spread over [start, stop)."""
        if stop <= start:
            return allocate(minutes, {self.category_at(start): 1})
        return allocate(minutes, self.split_span(start, stop))


def allocate(minutes, weights):
    """``minutes`` (whole, >= 0) spread over CATEGORIES in proportion to
    ``weights``, by the largest remainder: the parts add up to ``minutes``."""
    if minutes < 0:
        raise ValueError(f"A duration cannot be negative ({minutes} minutes).")
    total = sum(weights.get(category, 0) for category in CATEGORIES)
    if not minutes or total <= 0:
        return {
            category: (minutes if category == IN_HOURS else 0)
            for category in CATEGORIES
        }
    exact = {
        category: minutes * weights.get(category, 0) / total for category in CATEGORIES
    }
    parts = {category: math.floor(value) for category, value in exact.items()}
    left = minutes - sum(parts.values())
    by_remainder = sorted(
        CATEGORIES,
        key=lambda category: (
            -(exact[category] - parts[category]),
            CATEGORIES.index(category),
        ),
    )
    for category in by_remainder[:left]:
        parts[category] += 1
    return parts


def split_sessions(calendar, sessions):
    """{key: {category: minutes}} for ``sessions``, (key, start, stop,
    minutes) tuples, all under ``calendar`` (a SupportCalendar)."""
    return {
        key: calendar.split_minutes(start, stop, minutes)
        for key, start, stop, minutes in sessions
    }
