import { registry } from "@web/core/registry";

/**
 * A billing clerk's month-end, on the 1st of a month: the rating screen opens
 * on last month and lists its sessions; Rate all, Create invoices, post the
 * invoice, credit it from the invoice, post the credit note; then a session's
 * form shows the invoice, the credit note and the credited invoice, and its
 * chatter the history. Started by tests/test_month_end_tour.py, which freezes
 * the server's date and checks the records afterwards.
 */
registry.category("web_tour.tours").add("helpdesk_month_end_tour", {
    url: "/odoo/helpdesk-rate-sessions",
    steps: () => [
        {
            content: "The rating screen opens on last month",
            trigger:
                ".o_helpdesk_rating_screen .o_field_widget[name=date_from]:contains(Mar 1, 2025)",
        },
        {
            content: "... to its last day",
            trigger:
                ".o_helpdesk_rating_screen .o_field_widget[name=date_to]:contains(Mar 31, 2025)",
        },
        {
            content: "Last month's first session is listed",
            trigger:
                ".o_field_widget[name=session_ids] .o_data_row:contains(HSB tour: VPN down)",
        },
        {
            content: "... and its second one, and nothing of this month",
            trigger:
                ".o_field_widget[name=session_ids]:has(.o_data_row:contains(HSB tour: mail setup)):not(:has(.o_data_row:contains(HSB tour: this month)))",
        },
        {
            content: "Rate all",
            trigger: ".o_helpdesk_rating_screen .o_form_statusbar button[name=action_rate_all]",
            run: "click",
        },
        {
            content: "The screen says what Rate all did",
            trigger: ".o_helpdesk_rating_screen .o_field_widget[name=rating_message]:contains(2 session)",
        },
        {
            content: "Rate all has nothing left to do: hidden",
            trigger:
                ".o_helpdesk_rating_screen .o_form_statusbar:not(:has(button[name=action_rate_all]))",
        },
        {
            content: "Create invoices",
            trigger:
                ".o_helpdesk_rating_screen .o_form_statusbar button[name=action_create_invoices]",
            run: "click",
        },
        {
            content: "The dialog counts the sessions it will invoice",
            trigger: ".modal .o_field_widget[name=invoiceable_count]:contains(2)",
        },
        {
            content: "Confirm in the dialog",
            trigger: ".modal .modal-footer button[name=action_create_invoices]",
            run: "click",
        },
        {
            content: "The invoice opens, a draft",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Draft)",
        },
        {
            content: "... for the customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(HSB Tour Garage)",
        },
        {
            content: "Post it",
            trigger: ".o_form_view .o_form_statusbar button[name=action_post]",
            run: "click",
        },
        {
            content: "The invoice is posted",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Credit it",
            trigger: ".o_form_view .o_form_statusbar button[name=action_reverse]",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Wrong month",
        },
        {
            content: "Reverse",
            trigger: ".modal .modal-footer button[name=refund_moves]",
            run: "click",
        },
        {
            content: "The credit note opens, a draft: post it",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_form_statusbar button[name=action_post]",
            run: "click",
        },
        {
            content: "The credit note is posted",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Its Sessions button",
            trigger: ".o_form_view .oe_stat_button[name=action_view_helpdesk_sessions]",
            run: "click",
        },
        {
            content: "Open the first session's form (View)",
            trigger:
                ".o_list_view .o_data_row:contains(HSB tour: VPN down) .o_list_record_open_form_view button",
            run: "click",
        },
        {
            content: "The session form names the credit note",
            trigger: ".o_form_view .o_field_widget[name=credit_note_id] a",
        },
        {
            // Credited invoice when the session is billable again, still
            // its invoice when it is closed as credited (Settings).
            content: "... and the invoice it credits",
            trigger:
                ".o_form_view .o_field_widget[name=credited_invoice_id] a, .o_form_view .o_field_widget[name=invoice_id] a",
        },
        {
            content: "The chatter tells the rating",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(To rate → Rated)",
        },
        {
            content: "... the invoicing",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(Rated → Invoiced)",
        },
        {
            content: "... the posting",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(Invoice posted)",
        },
        {
            content: "... and the credit note",
            trigger: ".o-mail-Chatter .o-mail-Message:contains(Invoiced →)",
        },
    ],
});
