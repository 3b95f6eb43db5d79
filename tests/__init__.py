from . import test_tariff_engine
from . import test_contract_profile
from . import test_profile_assignment
from . import test_recharge
from . import test_access
