"""Tariff arithmetic: billable minutes, prices and subscription consumption.

Durations are whole minutes, costs are in the profile's currency (rounded by the
caller with the currency's rounding).

Pay-per-use: a session shorter than ``min_duration`` is not billed at all.
Otherwise the initial step (if any) is charged in full, even when the session is
shorter, and every started step after it is charged in full.

Subscription: a session shorter than ``min_duration`` consumes nothing;
otherwise its minutes are rounded up to whole steps and taken from the balance.
When the balance does not cover them, an overage tariff (pay-per-use) prices
what is left; without one the balance goes negative.
"""

import math
from dataclasses import dataclass, fields

PAY_PER_USE = "pay_per_use"
SUBSCRIPTION = "subscription"


# The largest figure a tariff may have: a step or a minimum of at most a day
# (a session is at most a day of work), prices and packs an invoice can carry.
FIGURE_BOUNDS = {
    "min_duration": 24 * 60,
    "initial_step_duration": 24 * 60,
    "initial_step_cost": 1_000_000.0,
    "step_duration": 24 * 60,
    "step_cost": 1_000_000.0,
    "prepaid_hours": 100_000.0,
    "amount": 100_000_000.0,
}


@dataclass(frozen=True)
class Tariff:
    """The figures of a contract profile, frozen at the time they are used."""

    billing_type: str = PAY_PER_USE
    min_duration: int = 0
    initial_step_duration: int = 0
    initial_step_cost: float = 0.0
    step_duration: int = 1
    step_cost: float = 0.0
    prepaid_hours: float = 0.0
    amount: float = 0.0

    def problems(self):
        """Return why these figures cannot be used, as (code, figure) pairs.

        Codes: ``negative`` and ``too_large`` (the figure is the attribute
        name, its bound in ``FIGURE_BOUNDS``), ``step_zero``,
        ``initial_cost_without_duration``, ``no_prepaid_hours``,
        ``unknown_billing_type``. The caller words them in the user's language.
        """
        problems = []
        for figure, bound in FIGURE_BOUNDS.items():
            value = getattr(self, figure)
            if value < 0:
                problems.append(("negative", figure))
            # not (value <= bound): NaN too, which no invoice can post.
            elif not value <= bound:
                problems.append(("too_large", figure))
        if self.step_duration < 1:
            problems.append(("step_zero", "step_duration"))
        if self.billing_type == PAY_PER_USE:
            if self.initial_step_cost and not self.initial_step_duration:
                problems.append(
                    ("initial_cost_without_duration", "initial_step_duration")
                )
        elif self.billing_type == SUBSCRIPTION:
            if self.prepaid_hours <= 0:
                problems.append(("no_prepaid_hours", "prepaid_hours"))
        else:
            problems.append(("unknown_billing_type", "billing_type"))
        return problems


# The figures a tariff is made of: the contract profile's fields of the same
# names, and what a rated session stores.
TARIFF_FIGURES = tuple(figure.name for figure in fields(Tariff))


def format_hours(hours):
    """Hours for a label: two decimals at most, no trailing zeros (7.5, 10)."""
    return f"{hours:.2f}".rstrip("0").rstrip(".")


def _check_minutes(minutes):
    if minutes < 0:
        raise ValueError(f"A duration cannot be negative ({minutes} minutes).")
    return math.ceil(minutes)


def _steps(minutes, step_duration):
    return math.ceil(minutes / step_duration) if minutes > 0 else 0


def billable_minutes(tariff, minutes):
    """Minutes charged (pay-per-use) or deducted (subscription) for a session."""
    minutes = _check_minutes(minutes)
    if minutes == 0 or minutes < tariff.min_duration:
        return 0
    if tariff.billing_type == PAY_PER_USE and tariff.initial_step_duration:
        rest = max(minutes - tariff.initial_step_duration, 0)
        return (
            tariff.initial_step_duration
            + _steps(rest, tariff.step_duration) * tariff.step_duration
        )
    return _steps(minutes, tariff.step_duration) * tariff.step_duration


def price_minutes(tariff, minutes):
    """Cost of a session of ``minutes`` under a pay-per-use tariff."""
    if tariff.billing_type != PAY_PER_USE:
        raise ValueError("Only a pay-per-use tariff prices minutes.")
    minutes = _check_minutes(minutes)
    if minutes == 0 or minutes < tariff.min_duration:
        return 0.0
    if tariff.initial_step_duration:
        rest = max(minutes - tariff.initial_step_duration, 0)
        return tariff.initial_step_cost + _steps(rest, tariff.step_duration) * (
            tariff.step_cost
        )
    return _steps(minutes, tariff.step_duration) * tariff.step_cost


@dataclass(frozen=True)
class Consumption:
    """What one session takes from a subscription, and what overflows it."""

    billed_minutes: int  # minutes after the subscription's minimum and steps
    prepaid_minutes: int  # taken from the balance
    overage_minutes: int  # beyond the balance, priced by the overage tariff
    overage_billed_minutes: int  # the overage after its own minimum and steps
    cost: float  # what the overage costs (0 without overage)
    balance_after: float  # balance in minutes once the session is taken


def consume(tariff, minutes, balance_minutes, overage=None):
    """Take one session of ``minutes`` from a subscription balance (in minutes).

    What the balance covers is deducted; with an overage tariff the rest is
    priced as a session of that length under it, without one the whole session
    is deducted and the balance goes negative.
    """
    billed = billable_minutes(tariff, minutes)
    covered = billed
    if overage is not None:
        covered = min(billed, max(math.floor(balance_minutes), 0))
    rest = billed - covered
    overage_billed = billable_minutes(overage, rest) if rest else 0
    cost = price_minutes(overage, rest) if rest else 0.0
    return Consumption(
        billed_minutes=billed,
        prepaid_minutes=covered,
        overage_minutes=rest,
        overage_billed_minutes=overage_billed,
        cost=cost,
        balance_after=balance_minutes - covered,
    )


def consume_in_order(tariff, minutes_list, balance_minutes, overage=None):
    """Consume several sessions in order; return their consumptions."""
    consumptions = []
    for minutes in minutes_list:
        consumption = consume(tariff, minutes, balance_minutes, overage)
        balance_minutes = consumption.balance_after
        consumptions.append(consumption)
    return consumptions


# ----------------------------------------------------------------------
# Surcharges on out-of-hours and holiday minutes
# ----------------------------------------------------------------------
# How a subscription bills its surcharge: more hours taken from the balance,
# or the surcharge priced apart by the overage tariff.
SURCHARGE_HOURS = "hours"
SURCHARGE_OVERAGE = "overage"
# Float noise tolerated before a surcharge minute is counted.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Surcharge:
    """A session's split (whole minutes of its total) and the multipliers of
    its out-of-hours and holiday minutes (1.0: none)."""

    total_minutes: int = 0
    out_of_hours_minutes: int = 0
    holiday_minutes: int = 0
    out_of_hours_rate: float = 1.0
    holiday_rate: float = 1.0

    def problems(self):
        """Codes of what cannot be used: ``rate_below_one``, ``split_exceeds``."""
        problems = []
        if self.out_of_hours_rate < 1 or self.holiday_rate < 1:
            problems.append("rate_below_one")
        if min(self.out_of_hours_minutes, self.holiday_minutes) < 0 or (
            self.out_of_hours_minutes + self.holiday_minutes > self.total_minutes
        ):
            problems.append("split_exceeds")
        return problems

    def factor(self):
        """What the session's price (or hours) is multiplied by: 1 plus each
        share of the total times its rate's excess over 1."""
        if self.total_minutes <= 0:
            return 1.0
        return (
            1.0
            + self.out_of_hours_minutes
            / self.total_minutes
            * (self.out_of_hours_rate - 1.0)
            + self.holiday_minutes / self.total_minutes * (self.holiday_rate - 1.0)
        )


NO_SURCHARGE = Surcharge()


@dataclass(frozen=True)
class SurchargedPrice:
    cost: float  # what the session costs, surcharge included
    surcharge_cost: float  # of which the surcharge


def price_minutes_surcharged(tariff, minutes, surcharge=NO_SURCHARGE):
    """Cost of a pay-per-use session of ``minutes`` (its billable part), its
    out-of-hours and holiday shares surcharged: the minimum and the steps
    price the whole session first, then each share of that price is
    multiplied by its rate."""
    base = price_minutes(tariff, minutes)
    extra = base * (surcharge.factor() - 1.0)
    return SurchargedPrice(base + extra, extra)


@dataclass(frozen=True)
class SurchargedConsumption:
    consumption: Consumption  # billed_minutes include the surcharge minutes
    surcharge_minutes: int  # minutes added by the surcharge (hours mode)
    surcharge_cost: float  # cost of the surcharge (overage mode)


def consume_surcharged(
    tariff,
    minutes,
    balance_minutes,
    overage=None,
    *,
    surcharge=NO_SURCHARGE,
    mode=SURCHARGE_HOURS,
):
    """Take one session from a subscription balance, with its surcharge.

    - ``hours``: the session's billed minutes (after minimum and steps) are
      multiplied by the surcharge factor, rounded up to the minute; that many
      are taken from the balance, the rest priced by the overage tariff as
      ``consume`` does;
    - ``overage``: the session is taken as without surcharge, and the
      surcharge is billed apart: the session priced by the overage tariff
      (its own minimum and steps), times the factor's excess over 1.
    """
    factor = surcharge.factor()
    if mode == SURCHARGE_OVERAGE and overage is not None:
        consumption = consume(tariff, minutes, balance_minutes, overage)
        extra_cost = price_minutes(overage, minutes) * (factor - 1.0)
        return SurchargedConsumption(
            Consumption(**{**vars(consumption), "cost": consumption.cost + extra_cost}),
            0,
            extra_cost,
        )
    billed = billable_minutes(tariff, minutes)
    extra_minutes = math.ceil(billed * (factor - 1.0) - _EPSILON) if billed else 0
    billed += extra_minutes
    covered = billed
    if overage is not None:
        covered = min(billed, max(math.floor(balance_minutes), 0))
    rest = billed - covered
    return SurchargedConsumption(
        Consumption(
            billed_minutes=billed,
            prepaid_minutes=covered,
            overage_minutes=rest,
            overage_billed_minutes=billable_minutes(overage, rest) if rest else 0,
            cost=price_minutes(overage, rest) if rest else 0.0,
            balance_after=balance_minutes - covered,
        ),
        extra_minutes,
        0.0,
    )
