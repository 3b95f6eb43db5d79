from . import helpdesk_contract_recharge_wizard
from . import helpdesk_session_unrate_wizard
from . import helpdesk_session_rating_wizard
from . import helpdesk_session_invoice_wizard
from . import helpdesk_session_invoice_add_wizard
from . import helpdesk_session_rating_wizard_export
from . import account_move_reversal
