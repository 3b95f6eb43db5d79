import { onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/**
 * The background batch form reloads when its batch moves on or ends: the
 * server notifies the user who started it on the bus
 * (helpdesk.billing.batch._notify_changed), as Odoo's own modules push
 * their notifications; the form never polls.
 */
export class BillingBatchFormController extends FormController {
    setup() {
        super.setup();
        const busService = useService("bus_service");
        const onBatchChanged = ({ batch_ids }) => {
            const root = this.model.root;
            if (root.resId && batch_ids.includes(root.resId)) {
                root.load();
            }
        };
        busService.subscribe("helpdesk_billing_batch_changed", onBatchChanged);
        onWillUnmount(() =>
            busService.unsubscribe("helpdesk_billing_batch_changed", onBatchChanged)
        );
    }
}

registry.category("views").add("helpdesk_billing_batch_form", {
    ...formView,
    Controller: BillingBatchFormController,
});
