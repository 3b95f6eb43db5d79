from . import report_support_statement
