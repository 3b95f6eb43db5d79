def post_init_hook(env):
    """Subscriptions made before blocks existed get theirs (pack, recharges)
    and their rated sessions' minutes allocated to them."""
    env["helpdesk.contract.profile"].with_context(active_test=False).search(
        [("billing_type", "=", "subscription")]
    )._migrate_to_blocks()
