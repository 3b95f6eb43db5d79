"""Period arithmetic: the days of a period are the company's days.

A period is a range of days (either end may be open); the sessions it holds are
those started from the first moment of its first day to the first moment of the
day after its last day, both read in the company's time zone. Datetimes are
stored as naive UTC: this module turns days into naive UTC bounds, and naive
UTC moments into local readings (what a session's day and month are).

Time zones are named as Odoo names them (a partner's ``tz``) and resolved with
pytz, as Odoo does; an empty or unknown name is UTC. Days start at local
midnight; when the clocks go back over midnight the day starts at the first
midnight, when they jump over it the day starts at the jump.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import pytz

UTC = "UTC"

# The dates support billing accepts, from FIRST_DAY to the end of the year
# YEARS_AHEAD years from today: older than any support the module bills, and
# far enough ahead for contracts and renewals planned in advance. Outside it a
# date is a typo, and the arithmetic of periods would overflow (year 1, 9999).
FIRST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 10

# Wide enough for every offset ever in use (local mean times included): the
# local reading of an instant is within this of the instant.
_MAX_OFFSET = timedelta(hours=16)


def valid_tz(name):
    """``name`` when it names a time zone, else UTC."""
    if not name:
        return UTC
    try:
        pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, ValueError):
        return UTC
    return name


@lru_cache(maxsize=128)
def _zone(name):
    # Cached: the models read thousands of moments in one zone.
    return pytz.timezone(valid_tz(name))


def to_local(moment, tz):
    """The naive UTC datetime ``moment`` as a naive datetime in ``tz`` (the
    wall-clock reading there); None for an empty moment."""
    if not moment:
        return None
    return _read(moment, _zone(tz))


def local_date(moment, tz):
    """The day of ``tz`` the naive UTC datetime ``moment`` falls on."""
    local = to_local(moment, tz)
    return local.date() if local else None


def day_start(day, tz):
    """The first moment of the local ``day`` of ``tz``, as a naive UTC
    datetime."""
    zone = _zone(tz)
    midnight = datetime.combine(day, time.min)
    try:
        return _as_utc(zone.localize(midnight, is_dst=None))
    except pytz.AmbiguousTimeError:
        # Clocks went back over midnight: the day starts at the first one.
        return min(
            _as_utc(zone.localize(midnight, is_dst=is_dst)) for is_dst in (True, False)
        )
    except pytz.NonExistentTimeError:
        # Clocks jumped over midnight: the day starts at the jump.
        return _first_moment_from(midnight, zone)


def bounds(date_from, date_to, tz):
    """(start, end) in naive UTC of the local days ``date_from`` to ``date_to``
    (included) of ``tz``: a moment is in the period when start <= moment < end.
    An empty ``date_from`` (``date_to``) leaves start (end) None: open."""
    start = day_start(date_from, tz) if date_from else None
    end = day_start(date_to + timedelta(days=1), tz) if date_to else None
    return start, end


def date_window(today):
    """(first day, last day) of the dates accepted on ``today``."""
    return FIRST_DAY, date(today.year + YEARS_AHEAD, 12, 31)


def in_window(day, today):
    """Whether the date (or datetime) ``day`` is in the window of ``today``."""
    if isinstance(day, datetime):
        day = day.date()
    first, last = date_window(today)
    return first <= day <= last


def month_days(day):
    """(first day, last day) of the month of ``day``."""
    first = date(day.year, day.month, 1)
    following = (first + timedelta(days=31)).replace(day=1)
    return first, following - timedelta(days=1)


def shift_month(day, months):
    """(first day, last day) of the month ``months`` after (before, when
    negative) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return month_days(date(index // 12, index % 12 + 1, 1))


def billing_month(today, close_days):
    """(first day, last day) of the month billing is done for on ``today``:
    the month before, while no more than ``close_days`` days of this month
    have begun (billing is done in the first days of a month for the month
    before); this month after that."""
    if today.day <= close_days:
        return shift_month(today, -1)
    return month_days(today)


def _as_utc(aware):
    return aware.astimezone(pytz.utc).replace(tzinfo=None)


def _first_moment_from(local, zone):
    """The first naive UTC moment (to the second) whose reading in ``zone`` is
    ``local`` or later, for a reading the clocks jumped over."""
    low = local - _MAX_OFFSET  # read before ``local``
    high = local + _MAX_OFFSET  # read after it
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if _read(middle, zone) >= local:
            high = middle
        else:
            low = middle
    return high


def _read(moment, zone):
    return pytz.utc.localize(moment).astimezone(zone).replace(tzinfo=None)
