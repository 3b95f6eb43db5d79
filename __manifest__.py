# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Helpdesk Session Billing",
    "summary": "Bill after-sales support: contract profiles, timed helpdesk "
    "sessions, scope rules, rating and invoicing",
    "version": "19.0.1.0.0",
    "category": "After-Sales",
    "license": "AGPL-3",
    "author": "helpdesk_session_billing contributors",
    "website": "https://github.com/helpdesk-session-billing/helpdesk_session_billing",
    "depends": ["account", "helpdesk_mgmt"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/helpdesk_session_billing_security.xml",
        "security/ir.model.access.csv",
        "data/product_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/helpdesk_contract_profile_views.xml",
        "views/helpdesk_contract_recharge_views.xml",
        "views/helpdesk_scope_rule_views.xml",
        "views/helpdesk_session_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/helpdesk_contract_recharge_wizard_views.xml",
        "wizards/helpdesk_session_unrate_wizard_views.xml",
        "wizards/helpdesk_session_rating_wizard_views.xml",
        "wizards/helpdesk_session_invoice_wizard_views.xml",
        "reports/report_support_statement.xml",
        "views/helpdesk_session_billing_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "helpdesk_session_billing/static/src/session_timer/*",
            "helpdesk_session_billing/static/src/minutes_field/*",
        ],
        "web.assets_tests": [
            "helpdesk_session_billing/static/tests/tours/*",
        ],
    },
    "demo": [
        "demo/helpdesk_contract_profile_demo.xml",
        "demo/helpdesk_session_demo.xml",
        "demo/helpdesk_scope_rule_demo.xml",
    ],
}
