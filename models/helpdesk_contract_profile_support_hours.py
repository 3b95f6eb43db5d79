"""A contract profile's support hours and surcharges.

The profile may name its own support calendar (else the company's, from
Settings) and multiply the price of out-of-hours and holiday minutes
(``core/tariff.py``: the steps and minimum price the whole session, the
surcharge applies to the share of those minutes). A subscription takes the
surcharge as more hours consumed, or bills it apart at its overage tariff.
The multipliers a session was rated with are frozen on it
(``helpdesk_session_support_hours.py``).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import tariff as engine


class HelpdeskContractProfile(models.Model):
    _inherit = "helpdesk.contract.profile"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    support_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Support hours",
        domain="[('company_id', 'in', [company_id, False]), "
        "('flexible_hours', '=', False)]",
        check_company=True,
        tracking=True,
        help="Working hours (and public holidays) of this contract's support. "
        "Empty: the company's support hours of Settings.",
    )
    surcharge_out_of_hours_rate = fields.Float(
        string="Out-of-hours multiplier",
        default=1.0,
        digits=(16, 2),
        tracking=True,
        help="Multiplies the price of minutes outside the support hours "
        "(1.5: half as much again). 1 means no surcharge.",
    )
    surcharge_holiday_rate = fields.Float(
        string="Holiday multiplier",
        default=1.0,
        digits=(16, 2),
        tracking=True,
        help="Multiplies the price of minutes on a public holiday of the support "
        "calendar. 1 means no surcharge.",
    )
    surcharge_mode = fields.Selection(
        selection=[
            (engine.SURCHARGE_HOURS, "More hours consumed"),
            (engine.SURCHARGE_OVERAGE, "Billed apart at the overage tariff"),
        ],
        string="Surcharge of prepaid hours",
        default=engine.SURCHARGE_HOURS,
        required=True,
        tracking=True,
        help="Subscriptions: the surcharge multiplies the hours taken from the "
        "balance, or is invoiced apart, priced by the overage profile.",
    )

    response_target_ids = fields.One2many(
        comodel_name="helpdesk.response.target",
        inverse_name="profile_id",
        string="Response targets",
        help="First-response and resolution targets per priority, replacing the "
        "company's defaults for this profile's tickets.",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("support_calendar_id")
    def _check_support_calendar(self):
        self.support_calendar_id._check_support_hours_usable()

    @api.constrains(
        "surcharge_out_of_hours_rate",
        "surcharge_holiday_rate",
        "surcharge_mode",
        "overage_profile_id",
        "billing_type",
    )
    def _check_surcharges(self):
        for profile in self:
            if (
                min(profile.surcharge_out_of_hours_rate, profile.surcharge_holiday_rate)
                < 1
            ):
                raise ValidationError(
                    self.env._(
                        "Profile %(name)s: a surcharge multiplier is at least 1 "
                        "(1 means no surcharge).",
                        name=profile.name,
                    )
                )
            if (
                profile.billing_type == "subscription"
                and profile.surcharge_mode == engine.SURCHARGE_OVERAGE
                and profile._has_surcharge()
                and not profile.overage_profile_id
            ):
                raise ValidationError(
                    self.env._(
                        "Profile %(name)s bills its surcharges at the overage "
                        "tariff: choose an overage profile, or take them as hours.",
                        name=profile.name,
                    )
                )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _has_surcharge(self):
        self.ensure_one()
        return (
            self.surcharge_out_of_hours_rate != 1.0
            or self.surcharge_holiday_rate != 1.0
        )

    def _get_support_calendar(self, company=None):
        """The calendar splitting this profile's sessions: its own, else its
        company's (``company`` when no profile)."""
        return (
            self.support_calendar_id
            or (self.company_id or company).helpdesk_support_calendar_id
        )

    def _get_session_surcharge(self, session):
        """The surcharge of ``session`` under this profile (core figures)."""
        self.ensure_one()
        if not self._has_surcharge():
            return engine.NO_SURCHARGE
        return engine.Surcharge(
            total_minutes=session.total_duration,
            out_of_hours_minutes=session.support_out_minutes,
            holiday_minutes=session.support_holiday_minutes,
            out_of_hours_rate=self.surcharge_out_of_hours_rate,
            holiday_rate=self.surcharge_holiday_rate,
        )

    def _prepare_rating_extra_vals(self, session, rating):
        """Figures rating writes with the others: the multipliers frozen with
        the session, and what the surcharge added."""
        self.ensure_one()
        surcharge = self._get_session_surcharge(session)
        return {
            "surcharge_out_of_hours_rate": surcharge.out_of_hours_rate,
            "surcharge_holiday_rate": surcharge.holiday_rate,
            "surcharge_minutes": rating.surcharge_minutes,
            "surcharge_cost": self.currency_id.round(rating.surcharge_cost),
        }
