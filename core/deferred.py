"""Deferred revenue of a subscription: first in, first out layers of hours.

What a customer paid for prepaid hours is revenue only as the hours are used.
Each invoiced block of hours (the pack, then each recharge, in date order) is a
*layer* of ``minutes`` worth ``amount``. Consumed minutes eat the layers in
order: the first layer's minutes first, each at its own price per minute, the
last one touched possibly in part. Minutes beyond every layer are worth 0 (the
customer ran into the negative: nothing was paid for them yet).

A layer of no minutes (a recharge with an amount and no hours) has nothing to
consume: its value is recognized as soon as the consumption reaches it.
A layer worth 0 (a pack invoiced outside the deferral) still takes its place in
the queue, so that later layers are consumed only once its hours are used.

The value recognized for ``C`` consumed minutes is rounded once, to the
currency, so that the deferred balance (total of the layers minus what was
recognized) is always the rounded value of the hours left, to the cent.

Amounts are computed exactly (fractions of the decimal figures given), then
rounded half up, like Odoo's currency rounding.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Layer:
    """A block of prepaid hours and what it was invoiced for."""

    minutes: float
    amount: float

    @classmethod
    def from_hours(cls, hours, amount):
        return cls(minutes=_exact(hours) * 60, amount=amount)


@dataclass(frozen=True)
class Recognition:
    """What to recognize now: the amount to move from deferred to income
    (negative: back to deferred) and the total recognized afterwards."""

    delta: float
    recognized: float


def _exact(value):
    """A float figure (minutes, a monetary amount) as an exact fraction of its
    shortest decimal representation: 0.1 is 1/10, not the binary approximation."""
    if isinstance(value, Fraction):
        return value
    return Fraction(Decimal(repr(float(value))))


def round_amount(value, digits=2):
    """``value`` rounded half up to ``digits`` decimals, as a float."""
    quantum = Decimal(1).scaleb(-digits)
    exact = _exact(value)
    decimal = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(decimal.quantize(quantum, rounding=ROUND_HALF_UP))


def total_value(layers):
    """Sum of the layers' amounts (exact)."""
    return sum((_exact(layer.amount) for layer in layers), Fraction(0))


def consumed_value(layers, consumed_minutes):
    """Exact value of the first ``consumed_minutes`` minutes through the layers."""
    consumed = _exact(consumed_minutes)
    if consumed <= 0:
        return Fraction(0)
    value = Fraction(0)
    start = Fraction(0)
    for layer in layers:
        minutes = _exact(layer.minutes)
        amount = _exact(layer.amount)
        if minutes <= 0:
            if consumed >= start:
                value += amount
            continue
        taken = min(max(consumed - start, Fraction(0)), minutes)
        value += amount * taken / minutes
        start += minutes
    return value


def recognized_target(layers, consumed_minutes, digits=2):
    """The rounded value of the consumed minutes: what should have been
    recognized once ``consumed_minutes`` are used."""
    return round_amount(consumed_value(layers, consumed_minutes), digits)


def remaining_value(layers, consumed_minutes, digits=2):
    """The value of the hours left, as the deferred balance must show it: the
    rounded total of the layers minus the rounded recognized value."""
    total = round_amount(total_value(layers), digits)
    return round_amount(
        _exact(total) - _exact(recognized_target(layers, consumed_minutes, digits)),
        digits,
    )


def recognition(layers, consumed_minutes, recognized, digits=2, close=False):
    """What to post now, given what was ``recognized`` so far.

    ``close`` recognizes everything the layers are worth, whatever was consumed
    (the subscription ended: the hours left are lost to the customer).
    """
    if close:
        target = round_amount(total_value(layers), digits)
    else:
        target = recognized_target(layers, consumed_minutes, digits)
    delta = round_amount(_exact(target) - _exact(recognized), digits)
    return Recognition(delta=delta, recognized=target)
