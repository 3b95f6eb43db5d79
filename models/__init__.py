from . import (
    helpdesk_contract_profile,
    helpdesk_contract_recharge,
    res_company,
    res_config_settings,
    res_partner,
)
