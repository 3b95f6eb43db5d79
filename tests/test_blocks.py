"""Prepaid blocks: the pack and recharges are blocks, sessions take from the
block expiring first then the oldest, unrating gives each block its own
minutes back, and the deferred revenue follows the blocks to the cent."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import SupportAccountingCase


class BlockCase(SupportAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._enable_deferred_revenue()

    def _profile(self, **vals):
        # 1 h for 80.00 (80.00/h), 15-minute steps.
        return self._subscription(prepaid_hours=1.0, amount=80.0, **vals)

    def _pack_block(self, profile):
        return profile.block_ids.filtered(lambda b: b.kind == "pack")

    def _net(self, session):
        """{block (False: overdrawn): net minutes} of the session."""
        totals = {}
        for row in session.block_allocation_ids:
            totals[row.block_id] = totals.get(row.block_id, 0) + row.minutes
        return {block: minutes for block, minutes in totals.items() if minutes}

    def _post_all(self, profile):
        profile.invoice_ids.filtered(lambda m: m.state == "draft").action_post()


@tagged("post_install", "-at_install")
class TestBlocks(BlockCase):
    def test_pack_and_recharges_are_blocks(self):
        profile = self._profile(block_validity_months=12, date_start=date(2025, 1, 1))
        pack = self._pack_block(profile)
        self.assertEqual(len(profile.block_ids), 1)
        self.assertEqual((pack.hours, pack.amount), (1.0, 80.0))
        self.assertEqual(pack.price_per_hour, 80.0)
        self.assertEqual(pack.date_start, date(2025, 1, 1))
        self.assertEqual(pack.date_expiry, date(2025, 12, 31))
        # The pack's hours follow the profile until it is invoiced.
        profile.prepaid_hours = 1.5
        self.assertEqual(pack.hours, 1.5)
        profile.prepaid_hours = 1.0
        profile.action_invoice_pack()
        self.assertEqual(pack.invoice_id, profile.pack_invoice_id)
        recharge = self._recharge(profile, 2.0, 150.0, date=date(2025, 3, 1))
        block = recharge.block_ids
        self.assertEqual(block.kind, "recharge")
        self.assertEqual((block.hours, block.amount), (2.0, 150.0))
        self.assertEqual(block.price_per_hour, 75.0)
        self.assertEqual(block.invoice_id, recharge.invoice_id)
        self.assertEqual(block.date_expiry, date(2026, 2, 28))
        self.assertEqual(profile.block_count, 2)
        self.assertEqual(profile.remaining_hours, 3.0)
        # Invoiced, it keeps what its invoice sold (a new size is for the
        # renewals).
        profile.prepaid_hours = 1.5
        self.assertEqual(pack.hours, 1.0)
        self.assertEqual(profile.remaining_hours, 3.0)

    def test_fifo_across_three_blocks_with_different_expiries(self):
        profile = self._profile()
        profile.action_invoice_pack()  # pack: no expiry
        profile.block_validity_months = 12
        late = self._recharge(profile, 1.0, 90.0, date=date(2025, 3, 1)).block_ids
        profile.block_validity_months = 1
        soon = self._recharge(profile, 1.0, 120.0, date=date(2025, 3, 2)).block_ids
        pack = self._pack_block(profile)
        self.assertEqual(late.date_expiry, date(2026, 2, 28))
        self.assertEqual(soon.date_expiry, date(2025, 4, 1))
        self._post_all(profile)
        self.assertEqual(self._deferred_balance(profile), 290.0)
        # 150 minutes: the block expiring first (60), then the next one (60),
        # then the pack, which never expires (30).
        session = self._session(9, 150)
        self._rate(session)
        self.assertEqual(session.prepaid_minutes, 150)
        self.assertEqual(self._net(session), {soon: 60, late: 60, pack: 30})
        self.assertEqual(
            (soon.remaining_minutes, late.remaining_minutes, pack.remaining_minutes),
            (0.0, 0.0, 30.0),
        )
        self.assertEqual(profile.remaining_hours, 0.5)
        # 120.00 + 90.00 + 30 min at 80.00/h = 250.00 recognized: the pack's
        # 30 minutes left, 40.00, stay deferred.
        self.assertEqual(profile.deferred_recognized_amount, 250.0)
        self.assertEqual(self._deferred_balance(profile), 40.0)
        self.assertEqual(profile.deferred_remaining_amount, 40.0)
        self._unrate(session)
        self.assertEqual(self._net(session), {})
        self.assertEqual(
            (soon.remaining_minutes, late.remaining_minutes, pack.remaining_minutes),
            (60.0, 60.0, 60.0),
        )
        self.assertEqual(self._deferred_balance(profile), 290.0)

    def test_session_split_over_two_blocks_and_unrated(self):
        profile = self._profile()
        profile.action_invoice_pack()
        recharge = self._recharge(profile, 1.0, 90.0, date=date(2025, 3, 1)).block_ids
        pack = self._pack_block(profile)
        self._post_all(profile)
        first, second = self._session(9, 45), self._session(11, 30)
        self._rate(first)
        self._rate(second)
        self.assertEqual(self._net(first), {pack: 45})
        self.assertEqual(self._net(second), {pack: 15, recharge: 15})
        # 60 min at 80.00/h + 15 min at 90.00/h = 102.50.
        self.assertEqual(profile.deferred_recognized_amount, 102.5)
        self.assertEqual(self._deferred_balance(profile), 170.0 - 102.5)
        # Unrating the first session gives the pack its 45 minutes back; the
        # second keeps what it took from each block.
        self._unrate(first)
        self.assertEqual(pack.remaining_minutes, 45.0)
        self.assertEqual(recharge.remaining_minutes, 45.0)
        self.assertEqual(self._net(second), {pack: 15, recharge: 15})
        # 15 min at 80.00/h + 15 min at 90.00/h = 42.50.
        self.assertEqual(profile.deferred_recognized_amount, 42.5)
        self.assertEqual(self._deferred_balance(profile), 127.5)
        self.assertEqual(profile.remaining_hours, 1.5)
        rows = first.block_allocation_ids.sorted("id")
        self.assertEqual(rows.mapped("move_type"), ["consumed", "given_back"])
        self.assertEqual(rows.mapped("minutes"), [45, -45])

    def test_overdrawn_minutes_settled_by_the_next_block(self):
        profile = self._profile()
        profile.action_invoice_pack()
        self._post_all(profile)
        pack = self._pack_block(profile)
        session = self._session(9, 90)  # no overage profile: all deducted
        self._rate(session)
        self.assertEqual(
            self._net(session), {pack: 60, self.env["helpdesk.contract.block"]: 30}
        )
        self.assertEqual(profile.remaining_hours, -0.5)
        self.assertEqual(self._deferred_balance(profile), 0.0)
        block = self._recharge(profile, 1.0, 90.0, date=date(2025, 3, 11)).block_ids
        self._post_all(profile)
        self.assertEqual(self._net(session), {pack: 60, block: 30})
        self.assertEqual(block.remaining_minutes, 30.0)
        self.assertEqual(profile.remaining_hours, 0.5)
        # The recharge's 30 minutes used: 45.00 of its 90.00 recognized.
        self.assertEqual(self._deferred_balance(profile), 45.0)
        self._unrate(session)
        self.assertEqual(self._net(session), {})
        self.assertEqual(profile.remaining_hours, 2.0)
        self.assertEqual(self._deferred_balance(profile), 170.0)

    def test_blocks_are_not_written_by_hand(self):
        profile = self._profile()
        pack = self._pack_block(profile)
        manager = self.billing_manager
        Block = self.env["helpdesk.contract.block"].with_user(manager)
        Allocation = self.env["helpdesk.contract.block.allocation"].with_user(manager)
        # Their figures are the module's own, whoever asks...
        for forge in (
            lambda: pack.with_user(manager).write({"hours": 100}),
            lambda: pack.sudo().write({"expired_minutes": 60}),
            lambda: pack.sudo().write({"expiry_notified": True}),
            lambda: Block.sudo().create(
                {"profile_id": profile.id, "kind": "top_up", "date_start": date.today()}
            ),
            lambda: Allocation.sudo().create(
                {"profile_id": profile.id, "minutes": -600, "move_type": "consumed"}
            ),
        ):
            with self.assertRaisesRegex(UserError, "never set by"):
                forge()
        # ... and no role may create, change or delete them at all.
        with self.assertRaises(AccessError):
            pack.with_user(manager).unlink()
        with self.assertRaises(AccessError):
            Block.create({})
        with self.assertRaises(AccessError):
            Allocation.create({})
        self.assertTrue(pack.exists())
        self.assertEqual(pack.hours, 1.0)
        self.assertFalse(pack.expired_minutes)


@tagged("post_install", "-at_install")
class TestBlocksOverRpc(HttpCase, BlockCase):
    def _call(self, method, args):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/helpdesk.contract.block/{method}",
            {
                "model": "helpdesk.contract.block",
                "method": method,
                "args": args,
                "kwargs": {},
            },
        )

    def test_manager_cannot_forge_a_block_over_rpc(self):
        profile = self._profile()
        pack = self._pack_block(profile)
        self.authenticate(self.billing_manager.login, self.billing_manager.login)
        with self.assertRaisesRegex(JsonRpcException, "(Access|User)Error"):
            self._call("write", [[pack.id], {"hours": 100}])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call("unlink", [[pack.id]])
        pack.invalidate_recordset()
        self.assertEqual(pack.hours, 1.0)
