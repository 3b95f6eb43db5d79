import { registry } from "@web/core/registry";

/**
 * A consultant times a session from the ticket form: Start, Pause, Resume,
 * Stop, a note in the stop dialog, and the session shows in the Sessions tab.
 * Started on the ticket's form by tests/test_session_tour.py.
 */
registry.category("web_tour.tours").add("helpdesk_session_timer_tour", {
    steps: () => [
        {
            content: "Start the timer",
            trigger: ".o_form_view .o_form_statusbar button.o_helpdesk_session_start",
            run: "click",
        },
        {
            content: "The timer runs",
            trigger: ".o_form_view .o_helpdesk_session_timer.text-success",
        },
        {
            content: "Pause it",
            trigger: ".o_form_view button.o_helpdesk_session_pause",
            run: "click",
        },
        {
            content: "The timer is paused",
            trigger: ".o_form_view .o_helpdesk_session_timer.text-warning",
        },
        {
            content: "Resume it",
            trigger: ".o_form_view button.o_helpdesk_session_resume",
            run: "click",
        },
        {
            content: "Stop it",
            trigger: ".o_form_view button.o_helpdesk_session_stop",
            run: "click",
        },
        {
            content: "Write a note in the stop dialog",
            trigger: ".modal .o_form_view .o_field_widget[name=note] textarea",
            run: "edit Reinstalled the printer driver",
        },
        {
            content: "Save the note",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The dialog closes and Start is offered again",
            trigger:
                "body:not(:has(.modal)) .o_form_view button.o_helpdesk_session_start",
        },
        {
            content: "The smart button counts the session",
            trigger: ".o_form_view .oe_stat_button[name=action_view_sessions]:contains(Sessions (1))",
        },
        {
            content: "Open the Sessions tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Sessions)",
            run: "click",
        },
        {
            content: "The session is listed with its note",
            trigger:
                ".o_field_widget[name=session_ids] .o_data_row:contains(Reinstalled the printer driver)",
        },
    ],
});
