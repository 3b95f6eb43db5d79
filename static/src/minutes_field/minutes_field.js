import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { FloatTimeField, floatTimeField } from "@web/views/fields/float_time/float_time_field";
import { formatFloatTime } from "@web/views/fields/formatters";
import { parseFloatTime } from "@web/views/fields/parsers";
import { useInputField } from "@web/views/fields/input_field_hook";

/**
 * Durations are stored in whole minutes and shown as hours:minutes (2:05),
 * the one convention of the module's screens; typed as h:mm or as decimal
 * hours, as Odoo's float_time widget reads them.
 */
export function formatMinutes(value) {
    if (value === false || value === undefined || value === null) {
        return "";
    }
    return formatFloatTime(value / 60, { noLeadingZeroHour: true });
}

export function parseMinutes(value) {
    return Math.round(parseFloatTime(value) * 60);
}

export class MinutesField extends FloatTimeField {
    setup() {
        this.inputFloatTimeRef = useInputField({
            getValue: () => this.formattedValue,
            refName: "numpadDecimal",
            parse: (v) => parseMinutes(v),
        });
    }

    get formattedValue() {
        return formatMinutes(this.props.record.data[this.props.name]);
    }
}

export const minutesField = {
    ...floatTimeField,
    component: MinutesField,
    displayName: _t("Minutes as hours:minutes"),
    supportedTypes: ["integer"],
};

registry.category("fields").add("helpdesk_minutes", minutesField);
// List footers (sums) format with the widget's formatter.
registry.category("formatters").add("helpdesk_minutes", formatMinutes);
