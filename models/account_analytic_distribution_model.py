from odoo import api, models


class AnalyticDistributionCache:
    """Analytic distributions found during one invoicing batch, by the
    arguments of the lookup. Hashed by identity, so it can sit in a context."""

    def __init__(self):
        self.distributions = {}
        # Whether any distribution model exists (None: not looked up yet).
        self.any_model = None

    @staticmethod
    def key(vals):
        # Taken before the lookup: Odoo's search adds to the lists it is given.
        return tuple(
            sorted(
                (name, tuple(value) if isinstance(value, list) else value)
                for name, value in vals.items()
            )
        )


class AccountAnalyticDistributionModel(models.Model):
    _inherit = "account.analytic.distribution.model"

    @api.model
    def _get_distribution(self, vals):
        """Odoo looks the distribution models up for each new invoice line, one
        search a line; in an invoicing batch, lines with the same arguments
        (customer, product, account, company) share one lookup."""
        cache = self.env.context.get("helpdesk_distribution_cache")
        if not isinstance(cache, AnalyticDistributionCache):
            return super()._get_distribution(vals)
        # Without any model there is nothing to find (one lookup a batch,
        # however many customers it has).
        if cache.any_model is None:
            cache.any_model = bool(self.sudo().search_count([], limit=1))
        if not cache.any_model:
            return {}
        key = cache.key(vals)
        try:
            known = key in cache.distributions
        except TypeError:  # arguments another module made unhashable
            return super()._get_distribution(vals)
        if not known:
            cache.distributions[key] = super()._get_distribution(vals)
        return dict(cache.distributions[key])
