import { Component, onWillDestroy, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * Live elapsed time of the current user's session on a ticket. Ticks every
 * second on the client from the stored start, pauses and pause start: it
 * never writes to the record.
 */
export function formatElapsed(totalSeconds) {
    const seconds = Math.max(Math.floor(totalSeconds), 0);
    const parts = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
    return parts.map((part) => String(part).padStart(2, "0")).join(":");
}

export class SessionTimerField extends Component {
    static template = "helpdesk_session_billing.SessionTimerField";
    static props = { ...standardFieldProps };

    setup() {
        this.state = useState({ now: Date.now() });
        this.interval = setInterval(() => {
            this.state.now = Date.now();
        }, 1000);
        onWillDestroy(() => clearInterval(this.interval));
    }

    get running() {
        return this.props.record.data.my_timer_state === "running";
    }

    get elapsedSeconds() {
        const data = this.props.record.data;
        const start = data[this.props.name];
        if (!start) {
            return 0;
        }
        const pauseStart = data.my_timer_pause_start;
        const end = !this.running && pauseStart ? pauseStart.toMillis() : this.state.now;
        return (end - start.toMillis()) / 1000 - (data.my_timer_paused_seconds || 0);
    }

    get formatted() {
        return formatElapsed(this.elapsedSeconds);
    }
}

registry.category("fields").add("helpdesk_session_timer", {
    component: SessionTimerField,
    displayName: "Session timer",
    supportedTypes: ["datetime"],
});
