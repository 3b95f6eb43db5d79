from . import helpdesk_contract_recharge_wizard
