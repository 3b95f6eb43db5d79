from . import test_tariff_engine
from . import test_contract_profile
from . import test_profile_assignment
from . import test_recharge
from . import test_access
from . import test_session
from . import test_session_timer
from . import test_session_overlap
