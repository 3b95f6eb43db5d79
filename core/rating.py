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


@dataclass(frozen=True)
class Rating:
    key: object
    billed_minutes: int  # charged (pay-per-use) or deducted (subscription)
    prepaid_minutes: int  # taken from the subscription balance
    overage_minutes: int  # beyond the balance, priced by the overage tariff
    cost: float  # what the customer pays for the session


def rate_sessions(tariff, sessions, balance_minutes=0.0, overage=None):
    """Rate ``sessions`` (in chronological order) under one profile's tariff.

    Returns the ratings and the balance left (subscriptions; unchanged for
    pay-per-use)."""
    ratings = []
    for session in sessions:
        minutes = session.billable_minutes
        if session.rule_tariff is not None:
            ratings.append(
                Rating(
                    session.key,
                    engine.billable_minutes(session.rule_tariff, minutes),
                    0,
                    0,
                    engine.price_minutes(session.rule_tariff, minutes),
                )
            )
        elif tariff.billing_type == engine.PAY_PER_USE:
            ratings.append(
                Rating(
                    session.key,
                    engine.billable_minutes(tariff, minutes),
                    0,
                    0,
                    engine.price_minutes(tariff, minutes),
                )
            )
        else:
            consumption = engine.consume(tariff, minutes, balance_minutes, overage)
            balance_minutes = consumption.balance_after
            ratings.append(
                Rating(
                    session.key,
                    consumption.billed_minutes,
                    consumption.prepaid_minutes,
                    consumption.overage_minutes,
                    consumption.cost,
                )
            )
    return ratings, balance_minutes
