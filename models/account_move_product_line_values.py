"""The values Odoo computes for a product line of an invoice, computed once
per invoicing batch instead of once per line.

For each new invoice line Odoo computes its income account, taxes, type,
partner and currency (``account.move.line`` precomputed fields): the same
result for every line of the same product on invoices of the same company,
journal, fiscal position and currency. An invoicing batch of ten thousand
lines asks Odoo's own computes once per such key, on one in-memory line, and
passes the result with each line: Odoo then keeps them as given, as it keeps
the values a user enters in the invoice form (compared line by line with the
form in ``tests/test_invoice_form_equality.py``). Odoo's company check of the
new lines, a check of every line's accounts, taxes and product against its
company, is made once per distinct combination of these in such a batch.
"""

from odoo import models
from odoo.fields import Command

from .account_analytic_distribution_model import AnalyticDistributionCache


class AccountMove(models.Model):
    _inherit = "account.move"

    def _create_session_lines(self, line_groups):
        """The invoice lines of the sessions of ``line_groups`` (for each
        invoice of ``self``, in order: its lines' groups of sessions), in one
        ``create`` for all the invoices, as Odoo adds lines to saved invoices:
        their tax and payment term lines are synced once for the batch.
        Returns the lines in the order of the groups."""
        cache, vals_list = {}, []
        for invoice, groups in zip(self, line_groups, strict=True):
            for sessions in groups:
                vals = sessions._prepare_invoice_line_vals()
                vals.update(sessions._get_invoice_line_amounts(invoice.company_id))
                if vals.get("product_id"):
                    product = self.env["product.product"].browse(vals["product_id"])
                    known = invoice._get_product_line_known_vals(product, cache)
                    vals = {**known, **vals}
                vals["move_id"] = invoice.id
                vals_list.append(vals)
        # skip_analytic_sync: the lines are new and their invoices drafts,
        # so Odoo's sync of a given distribution (kept as given, no analytic
        # items before posting) would only write each line once more.
        context = {
            "helpdesk_distribution_cache": AnalyticDistributionCache(),
            "skip_analytic_sync": True,
        }
        # Lines given both their amount in currency and their balance (in the
        # company's currency) need none of Odoo's sync of one from the other;
        # Odoo skips it alike for the lines of its exchange-difference entries.
        if all("balance" in vals and "amount_currency" in vals for vals in vals_list):
            context["skip_invoice_line_sync"] = True
        return (
            self.env["account.move.line"]
            .with_context(**context)
            .create(vals_list)
            .with_env(self.env)
        )

    def _get_product_line_known_vals(self, product, cache):
        """Values of a new product line of ``product`` on the invoice
        ``self`` (saved, without lines yet), as Odoo's computes give them,
        from ``cache`` (a dict for one batch) when a line of the same key was
        asked before. Nothing is returned that Odoo would not compute alike
        for every line of the key (prices, names and analytic distribution
        are the caller's)."""
        self.ensure_one()
        key = (
            self.move_type,
            self.company_id.id,
            self.journal_id.id,
            self.fiscal_position_id.id,
            self.currency_id.id,
            product.id,
        )
        if key not in cache:
            cache[key] = self._compute_product_line_known_vals(product)
        return {
            **cache[key],
            "partner_id": self.commercial_partner_id.id,
            "currency_id": self.currency_id.id,
        }

    def _compute_product_line_known_vals(self, product):
        # An in-memory invoice and line, as the invoice form makes them: the
        # computes (and their overrides in other modules) run on it, nothing
        # is written, and no saved record's cache holds a new line.
        invoice = self.new(
            {
                "move_type": self.move_type,
                "company_id": self.company_id.id,
                "journal_id": self.journal_id.id,
                "partner_id": self.partner_id.id,
                "fiscal_position_id": self.fiscal_position_id.id,
                "currency_id": self.currency_id.id,
            }
        )
        line = self.env["account.move.line"].new(
            {"move_id": invoice, "product_id": product.id, "display_type": "product"}
        )
        vals = {
            "display_type": "product",
            "tax_ids": [Command.set(line.tax_ids.ids)],
        }
        # No income account on the product: left to Odoo (the journal's).
        if product.product_tmpl_id.with_company(self.company_id).get_product_accounts(
            fiscal_pos=self.fiscal_position_id
        )["income"]:
            vals["account_id"] = line.account_id.id
        return vals


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _check_company(self, fnames=None):
        """Within an invoicing batch, check one line of each combination of
        company and checked values: the others pass or fail alike (Odoo's
        check reads nothing else), and ten thousand lines share a handful of
        combinations."""
        batch = self.env.context.get("helpdesk_distribution_cache")
        if len(self) < 2 or not isinstance(batch, AnalyticDistributionCache):
            return super()._check_company(fnames)
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        checked = [
            fname
            for fname in fnames
            if self._fields[fname].relational and self._fields[fname].check_company
        ]
        representatives = {}
        for line in self.sudo():
            key = (line.company_id.id, *(line[fname]._ids for fname in checked))
            representatives.setdefault(key, line.id)
        return super(
            AccountMoveLine, self.browse(list(representatives.values()))
        )._check_company(fnames)
