"""Prepaid blocks of hours: first-expiring-first-out consumption and the value
of what each block gave (no ORM).

A subscription's balance is a set of *blocks* (the pack, recharges, renewals,
top-ups, carry-overs), each of ``minutes`` worth ``amount``, with an optional
expiry date. A session's prepaid minutes are taken from the usable block that
expires first, then from the oldest (blocks without expiry last); it may take
from several blocks, and what no block covers is *overdrawn* (the balance goes
negative; a later block settles it).

A block's used minutes (consumed or expired) are recognized at its own price
per minute; the total recognized is rounded once, to the currency, so that the
deferred balance (total of the blocks minus what was recognized) is always the
rounded value of the hours left, to the cent. A block of no minutes with an
amount (a recharge of an amount only) has nothing to consume: its value is
recognized at once.
"""

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from .deferred import _exact, round_amount

_NO_EXPIRY = date.max


@dataclass
class Block:
    """A block as allocation sees it: ``available`` minutes left to take."""

    key: object  # the caller's handle (a block id)
    available: float
    expiry: date | None = None
    start: date | None = None
    sequence: int = 0  # tie-break (the block id): older first
    # The first day a session may take from it (None: any day): a period's
    # block (renewal, carry-over) serves that period's sessions, not earlier.
    valid_from: date | None = None

    def sort_key(self):
        return (self.expiry or _NO_EXPIRY, self.start or date.min, self.sequence)

    def serves(self, day):
        """Whether a session of ``day`` may take from the block (no day: any
        block)."""
        if not day:
            return True
        if self.expiry and self.expiry < day:
            return False
        return not (self.valid_from and self.valid_from > day)


@dataclass
class Allocation:
    """``minutes`` of session ``session`` taken from block ``block`` (None:
    overdrawn, no block covered them)."""

    session: object
    block: object
    minutes: int


@dataclass(frozen=True)
class Demand:
    """A session asking ``minutes`` on ``day`` (blocks expired before that day
    cannot serve it)."""

    session: object
    minutes: int
    day: date | None = None


@dataclass
class AllocationResult:
    allocations: list = field(default_factory=list)
    available: dict = field(default_factory=dict)  # block key: minutes left


def allocate(blocks, demands):
    """Take each demand (in the order given: chronological) from ``blocks``,
    expiring first then oldest. Whole minutes are taken from a block (its
    fractional remainder stays); what no block covers is overdrawn."""
    ordered = sorted(blocks, key=Block.sort_key)
    available = {block.key: _exact(block.available) for block in ordered}
    allocations = []
    for demand in demands:
        need = int(demand.minutes)
        if need <= 0:
            continue
        for block in ordered:
            if need <= 0:
                break
            if not block.serves(demand.day):
                continue
            take = min(need, int(available[block.key]))
            if take <= 0:
                continue
            available[block.key] -= take
            need -= take
            allocations.append(Allocation(demand.session, block.key, take))
        if need > 0:
            allocations.append(Allocation(demand.session, None, need))
    return AllocationResult(
        allocations=allocations,
        available={key: float(value) for key, value in available.items()},
    )


class DayBalance:
    """The balance as rating sees it, session after session: a session of day
    D may use only the blocks serving D (``Block.serves``: a block past its
    expiry date counts for no session after it, whether or not the expiry job
    ran). ``debt`` (minutes consumed that no usable block holds: a negative
    balance) is first settled from the blocks serving ``today``, as the next
    allocation does (``allocate``); what they do not cover stays owed."""

    def __init__(self, blocks, debt=0, today=None):
        self.blocks = sorted(blocks, key=Block.sort_key)
        self.available = {block.key: _exact(block.available) for block in self.blocks}
        self.owed = Fraction(0)
        self.take(debt, today)

    def minutes(self, day=None):
        """Minutes a session of ``day`` may take (negative: owed)."""
        total = sum(
            (
                Fraction(int(self.available[block.key]))
                for block in self.blocks
                if block.serves(day)
            ),
            Fraction(0),
        )
        return float(total - self.owed)

    def take(self, minutes, day=None):
        """Take ``minutes`` of a session of ``day``, as ``allocate`` would;
        what no block covers is owed."""
        need = int(minutes)
        for block in self.blocks:
            if need <= 0:
                break
            if not block.serves(day):
                continue
            taken = min(need, int(self.available[block.key]))
            if taken > 0:
                self.available[block.key] -= taken
                need -= taken
        if need > 0:
            self.owed += need


def merge(allocations):
    """The allocations summed per (session, block), in first-seen order."""
    totals = {}
    for allocation in allocations:
        key = (allocation.session, allocation.block)
        totals[key] = totals.get(key, 0) + allocation.minutes
    return [
        Allocation(session, block, minutes)
        for (session, block), minutes in totals.items()
        if minutes
    ]


@dataclass(frozen=True)
class BlockValue:
    """A block for valuation: its ``minutes`` worth ``amount``, of which
    ``used`` are consumed or expired."""

    minutes: float
    amount: float
    used: float = 0


def used_value(blocks):
    """Exact value of the blocks' used minutes (each at its own price)."""
    value = Fraction(0)
    for block in blocks:
        minutes = _exact(block.minutes)
        amount = _exact(block.amount)
        if minutes <= 0:
            value += amount
            continue
        used = min(max(_exact(block.used), Fraction(0)), minutes)
        value += amount * used / minutes
    return value


def total_value(blocks):
    return sum((_exact(block.amount) for block in blocks), Fraction(0))


def recognized_target(blocks, digits=2):
    """What should have been recognized: the used value, rounded once."""
    return round_amount(used_value(blocks), digits)


def remaining_value(blocks, digits=2):
    """The deferred balance the blocks call for: rounded total less the
    rounded recognized value."""
    return round_amount(
        _exact(round_amount(total_value(blocks), digits))
        - _exact(recognized_target(blocks, digits)),
        digits,
    )


def recognition_delta(blocks, recognized, digits=2, close=False):
    """(amount to move to income now, total recognized afterwards).
    ``close`` recognizes everything the blocks are worth."""
    if close:
        target = round_amount(total_value(blocks), digits)
    else:
        target = recognized_target(blocks, digits)
    return round_amount(_exact(target) - _exact(recognized), digits), target


# ----------------------------------------------------------------------
# Periodic renewal and indexation
# ----------------------------------------------------------------------
def add_months(day, months):
    """``day`` plus ``months`` months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def due_periods(next_start, today, months, anchor=None):
    """The starts of the periods due by ``today`` from ``next_start`` (the
    missed ones too: a server down for three months renews three times).
    ``anchor`` (the first period's start) keeps month ends: Jan 31st, Feb
    28th, Mar 31st."""
    if not next_start or months <= 0:
        return []
    anchor = anchor or next_start
    starts = []
    index = 0
    # Count from the anchor so a short month does not shift later periods.
    while add_months(anchor, index * months) < next_start:
        index += 1
    start = add_months(anchor, index * months)
    while start <= today:
        starts.append(start)
        index += 1
        start = add_months(anchor, index * months)
    return starts


def next_period_start(anchor, after, months):
    """The first period start counted from ``anchor`` later than ``after``."""
    index = 0
    while add_months(anchor, index * months) <= after:
        index += 1
    return add_months(anchor, index * months)


def indexed_amount(amount, percent=0.0, index_base=0.0, index_new=0.0, digits=2):
    """The price after one indexation: by the index of the year over the
    base index when both are given, else by ``percent``; rounded half up to
    the currency."""
    exact = _exact(amount)
    if index_base and index_new:
        exact = exact * _exact(index_new) / _exact(index_base)
    elif percent:
        exact = exact * (1 + _exact(percent) / 100)
    return round_amount(exact, digits)
