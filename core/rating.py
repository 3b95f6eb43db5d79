"""Rating arithmetic: what each session costs or consumes (no ORM).

A session's billable minutes (the part its scope rules did not include) are:
- priced by the scope rule's own tariff when it has one (no prepaid hours used);
- priced by the pay-per-use profile otherwise;
- taken from the subscription balance, in chronological order, what the
  balance does not cover being priced by the overage tariff (or left as a
  negative balance without one).
"""

from dataclasses import dataclass

from . import tariff as engine


@dataclass(frozen=True)
class SessionToRate:
    key: object  # the caller's handle (a session id)
    billable_minutes: int  # the part of the total its scope leaves billable
    rule_tariff: engine.Tariff | None = None  # a scope rule's own tariff
    # out-of-hours and holiday shares, and their multipliers
    surcharge: engine.Surcharge = engine.NO_SURCHARGE
    day: object = None  # the session's day (with a ``day_balance``)


@dataclass(frozen=True)
class Rating:
    key: object
    billed_minutes: int  # charged (pay-per-use) or deducted (subscription)
    prepaid_minutes: int  # taken from the subscription balance
    overage_minutes: int  # beyond the balance, priced by the overage tariff
    cost: float  # what the customer pays for the session
    surcharge_minutes: int = 0  # hours taken for the surcharge (in billed)
    surcharge_cost: float = 0.0  # the surcharge's part of the cost


def rate_sessions(
    tariff,
    sessions,
    balance_minutes=0.0,
    overage=None,
    surcharge_mode=engine.SURCHARGE_HOURS,
    *,
    day_balance=None,
):
    """Rate ``sessions`` (in chronological order) under one profile's tariff.

    Out-of-hours and holiday surcharges (``core/tariff.py``) multiply the
    price of pay-per-use sessions; a subscription takes them as hours or
    bills them apart at the overage tariff (``surcharge_mode``).

    ``day_balance`` (a ``core.blocks.DayBalance``), when given, replaces
    ``balance_minutes``: each session sees only the minutes of the blocks
    valid on its day.

    Returns the ratings and the balance left (subscriptions; unchanged for
    pay-per-use)."""
    ratings = []
    for session in sessions:
        minutes = session.billable_minutes
        priced_by = (
            session.rule_tariff
            if session.rule_tariff is not None
            else tariff
            if tariff.billing_type == engine.PAY_PER_USE
            else None
        )
        if priced_by is not None:
            price = engine.price_minutes_surcharged(
                priced_by, minutes, session.surcharge
            )
            ratings.append(
                Rating(
                    session.key,
                    engine.billable_minutes(priced_by, minutes),
                    0,
                    0,
                    price.cost,
                    surcharge_cost=price.surcharge_cost,
                )
            )
        else:
            if day_balance is not None:
                balance_minutes = day_balance.minutes(session.day)
            surcharged = engine.consume_surcharged(
                tariff,
                minutes,
                balance_minutes,
                overage,
                surcharge=session.surcharge,
                mode=surcharge_mode,
            )
            consumption = surcharged.consumption
            balance_minutes = consumption.balance_after
            if day_balance is not None:
                day_balance.take(consumption.prepaid_minutes, session.day)
            ratings.append(
                Rating(
                    session.key,
                    consumption.billed_minutes,
                    consumption.prepaid_minutes,
                    consumption.overage_minutes,
                    consumption.cost,
                    surcharge_minutes=surcharged.surcharge_minutes,
                    surcharge_cost=surcharged.surcharge_cost,
                )
            )
    return ratings, balance_minutes
