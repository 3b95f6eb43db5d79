# helpdesk_session_billing: `make demo` serves a demo database, `make test` runs the suite.
# Prerequisite: Odoo 19.0 importable by $(PYTHON). See README.md.

PYTHON ?= python3
# A benchmark piped into tee still fails the target when it fails.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
MODULE := helpdesk_session_billing
ROOT := $(CURDIR)
RUN_DIR := $(ROOT)/.odoo
# The addons folder Odoo loads the module from: a link named after the module
# to this clone (whatever the clone's folder is called). It lives outside the
# clone, or the module would contain a link to itself and tools walking it
# (Odoo's translation export, for one) would loop.
ADDONS_DIR := /tmp/$(MODULE)-addons-$(shell printf '%s' '$(ROOT)' | cksum | cut -d' ' -f1)
CONF := $(RUN_DIR)/odoo.conf
DEMO_DB ?= helpdesk_billing_demo
TEST_DB ?= helpdesk_billing_test
BENCH_DB ?= helpdesk_billing_bench
HSB_PG_PORT ?= 55432
export HSB_PG_PORT
PYTEST_ARGS ?=

# The embedded cluster is used unless the user names a server (PG* variables)
# or an Odoo configuration file (ODOO_RC).
EXTERNAL_DB := $(strip $(PGHOST)$(PGPORT)$(PGUSER)$(PGDATABASE)$(ODOO_RC))
ifeq ($(EXTERNAL_DB),)
PG_START := tools/pg.sh start
CONF_PORT := $(HSB_PG_PORT)
else
PG_START := @echo "Using the database server named by PG*/ODOO_RC"
CONF_PORT :=
endif

ODOO := $(PYTHON) -m odoo -c $(CONF)

.PHONY: demo test bench lint check-odoo requirements db conf db-stop pot clean

check-odoo:
	@$(PYTHON) tools/check_odoo.py

$(RUN_DIR)/requirements.stamp: requirements.txt | check-odoo
	@mkdir -p $(RUN_DIR)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

requirements: $(RUN_DIR)/requirements.stamp

db: check-odoo
	$(PG_START)

conf: check-odoo
	@mkdir -p $(ADDONS_DIR) $(RUN_DIR)/data
	@ln -sfn $(ROOT) $(ADDONS_DIR)/$(MODULE)
	@$(PYTHON) tools/odoo_conf.py $(CONF) $(ADDONS_DIR) $(RUN_DIR)/data $(CONF_PORT)

demo: requirements db conf
	@$(PYTHON) tools/check_wkhtmltopdf.py
	@state=$$($(PYTHON) tools/db.py $(CONF) state $(DEMO_DB)); \
	if [ "$$state" = installed ]; then \
		echo "Upgrading $(MODULE) in the existing database $(DEMO_DB)"; \
		$(ODOO) -d $(DEMO_DB) -u $(MODULE) --stop-after-init --log-level=warn || exit 1; \
	else \
		echo "Creating $(DEMO_DB) with $(MODULE) and its demo data"; \
		$(ODOO) -d $(DEMO_DB) -i $(MODULE) --with-demo --stop-after-init --log-level=warn || exit 1; \
	fi
	@echo "Serving $(DEMO_DB) on http://127.0.0.1:8069 (login admin, password admin). Ctrl-C stops."
	$(ODOO) -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$'

test: requirements db conf
	@# The share of each language (the suite fails unless all are complete).
	@$(PYTHON) tools/i18n_stats.py i18n
	@$(PYTHON) tools/db.py $(CONF) drop $(TEST_DB)
	@# queue_job (OCA, a test requirement, not a dependency) beside the
	@# module: the background batches' queue_job engine is tested too.
	$(ODOO) -d $(TEST_DB) -i $(MODULE),queue_job --stop-after-init --log-level=warn
	@# rootdir in the addons folder: pytest then imports the tests as
	@# odoo.addons.$(MODULE), whatever the clone's folder is called.
	@# --odoo-http serves Odoo during the run: the browser tours need it.
	$(PYTHON) -m pytest -p no:cacheprovider --rootdir=$(ADDONS_DIR) \
		--odoo-config $(CONF) --odoo-database $(TEST_DB) --odoo-http \
		$(ADDONS_DIR)/$(MODULE)/tests $(PYTEST_ARGS)

# Time rating 10,000 then 100,000 sessions (BENCH_SESSIONS), invoicing
# 10,000 sessions beside Odoo's own invoicing of as many timesheet lines (a
# line per order) and of 2,000 order lines (a line each), the support-hours
# split, in a fresh $(BENCH_DB) (rolled back); then the renewal
# and expiry jobs over 5,000 subscriptions. Ends with one summary of it all.
BENCH_SESSIONS ?= 10000,100000
export BENCH_SESSIONS
BENCH_LOG = $(RUN_DIR)/bench.log

bench: requirements db conf
	@$(PYTHON) tools/db.py $(CONF) drop $(BENCH_DB)
	@# sale_timesheet (not a dependency) for Odoo's own invoicing path.
	$(ODOO) -d $(BENCH_DB) -i $(MODULE),sale_timesheet --stop-after-init --log-level=warn
	@rm -f $(BENCH_LOG)
	$(PYTHON) tools/bench_rating.py $(CONF) $(BENCH_DB) | tee -a $(BENCH_LOG)
	$(PYTHON) tools/bench_invoicing.py $(CONF) $(BENCH_DB) | tee -a $(BENCH_LOG)
	$(PYTHON) tools/bench_support_hours.py $(CONF) $(BENCH_DB) | tee -a $(BENCH_LOG)
	@# Last: the renewal and expiry jobs commit their batches.
	$(PYTHON) tools/bench_blocks.py $(CONF) $(BENCH_DB) | tee -a $(BENCH_LOG)
	@echo "== Summary ($$(nproc) cores, load $$(cut -d' ' -f1-3 /proc/loadavg)) =="
	@grep '^SUMMARY' $(BENCH_LOG) | sed 's/^SUMMARY //'

lint: requirements
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	@# README.md is the manual (no README.rst); authors are ours, not the OCA.
	$(PYTHON) -m pylint --rcfile=.pylintrc \
		--disable=missing-readme,manifest-required-author $(ROOT)

# Refresh the translation template from a database with the module installed
# (the test database made by `make test`).
pot: conf
	$(PYTHON) -m odoo i18n export -c $(CONF) -d $(TEST_DB) \
		-o $(ROOT)/i18n/$(MODULE).pot $(MODULE)

db-stop:
	tools/pg.sh stop

clean: db-stop
	rm -rf $(RUN_DIR) $$(tools/pg.sh datadir)
