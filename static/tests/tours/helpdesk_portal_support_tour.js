import { registry } from "@web/core/registry";

/**
 * A customer's portal user: opens My support from the portal home, reads the
 * hours left, downloads a statement, opens a ticket with its sessions and
 * signs the ticket's quote. Started by tests/test_portal.py.
 */
registry.category("web_tour.tours").add("helpdesk_portal_support_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The My support card shows the hours left",
            trigger: ".o_portal_index_card [data-placeholder_count=support_count]:contains(14:00 h left)",
        },
        {
            content: "Open My support",
            trigger: ".o_portal_index_card a[href='/my/support']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Read the remaining hours",
            trigger: ".o_hsb_subscription .o_hsb_remaining_hours:contains(14:00)",
        },
        {
            content: "Download the statement of March 2025",
            trigger: ".o_hsb_statement input[name=month]",
            run: async () => {
                const response = await fetch("/my/support/statement?month=2025-03");
                const type = response.headers.get("Content-Type") || "";
                // A PDF; HTML while tests run (Odoo renders reports so).
                if (!response.ok || !/application\/pdf|text\/html/.test(type)) {
                    throw new Error(`Statement not downloaded: ${response.status} ${type}`);
                }
                if (type.includes("html")) {
                    const text = await response.text();
                    if (!text.includes("Alpha printer jam")) {
                        throw new Error("The statement does not list the ticket's session");
                    }
                }
            },
        },
        {
            content: "Open the ticket of the quote",
            trigger: ".o_hsb_quotes a.o_hsb_quote_ticket:contains(Alpha printer jam)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The ticket lists its rated session",
            trigger: ".o_hsb_ticket_sessions .o_hsb_session_line:contains(Agent Portal)",
        },
        {
            content: "Open the quote",
            trigger: ".o_hsb_ticket_quotes a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Accept and sign",
            trigger: "a.o_hsb_quote_sign",
            run: "click",
        },
        {
            content: "Type the name",
            trigger: ".modal .o_web_sign_name_and_signature input",
            run: "edit Ann Alpha",
        },
        {
            content: "The signature is drawn",
            trigger: ".modal canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The quote is accepted",
            trigger: ".o_hsb_quote_accepted",
        },
    ],
});
