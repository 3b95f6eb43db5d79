from . import res_company
from . import res_config_settings
from . import helpdesk_contract_profile
from . import helpdesk_contract_recharge
from . import helpdesk_scope_rule
from . import res_partner
from . import helpdesk_session
from . import helpdesk_ticket
