# fakturaportal: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
FP := $(VENV)/bin/fakturaportal
PORT_BASE ?= 8000
STAMP := $(VENV)/.installed

.PHONY: help run stop test install system venv kafka-jars infra migrate up down status demo lint typecheck unit contract integration e2e schemas clean magic-link screenshots portal-demo

help: ## show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: install infra migrate up portal-demo demo ## install what is missing, start Kafka, PostgreSQL and every service, load demo data
	@echo
	@echo "Fakturaportal kjører / is running:  http://localhost:$(PORT_BASE)"
	@echo "  API docs:    http://localhost:$(PORT_BASE)/docs"
	@echo "  Web UI: http://localhost:$(PORT_BASE)/login as kari@demo.fakturaportal.localhost (or anne, ola, per, finn, revisor;"
	@echo "          supplier: siri@kontorrekvisita.example); the link lands in .data/mail-outbox/portal/: make magic-link"
	@echo "  API (local mode): TOKEN=\$$($(FP) dev-token --tenant demo --user anne --role accountant)"
	@echo "  then: curl -H \"Authorization: Bearer \$$TOKEN\" http://localhost:$(PORT_BASE)/api/v1/invoices"
	@echo "  Stop everything: make stop"

stop: ## stop every service, Kafka and PostgreSQL
	-@[ -x $(FP) ] && $(FP) down --port-base $(PORT_BASE) || true
	@deploy/local/kafka.sh stop
	@deploy/local/postgres.sh stop

install: system venv kafka-jars ## install system packages, the virtualenv and the Kafka jars (only what is missing)

system:
	@deploy/local/install-system.sh

venv: $(STAMP)
$(STAMP): pyproject.toml
	@echo "[venv] creating $(VENV) and installing pinned dependencies"
	@test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

kafka-jars:
	@deploy/local/kafka.sh fetch

infra: ## start PostgreSQL and the Kafka broker (KRaft)
	@$(FP) init-local >/dev/null
	@deploy/local/postgres.sh start
	@deploy/local/kafka.sh start

migrate: ## create topics, event tables and append-only guards
	@$(FP) migrate

up: ## start every service process in the background
	@$(FP) up --port-base $(PORT_BASE)

down: ## stop the service processes (Kafka and PostgreSQL keep running)
	@$(FP) down --port-base $(PORT_BASE)

status:
	@$(FP) status --port-base $(PORT_BASE)

demo: ## load the demo tenant's invoices
	@$(FP) demo --port-base $(PORT_BASE)

schemas: ## regenerate JSON Schema files and the AsyncAPI document
	@$(PY) -m shared.schemas.generate

lint: venv ## ruff, and mypy --strict on the domain code and the shared plumbing
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy --strict fakturaportal shared services/*/domain.py services/intake/ehf.py services/intake/capture.py services/intake/extractor.py services/intake/candidates.py services/intake/extract_table.py services/intake/pdftext.py services/intake/sandbox.py services/intake/ocr.py services/intake/imaging.py services/intake/mail.py services/intake/cii.py services/intake/app.py services/intake/correction.py services/validation/rules services/validation/ehf.py services/validation/captured.py services/validation/notice.py services/validation/app.py services/validation/api.py services/validation/matching.py services/validation/orders.py services/validation/policy.py services/validation/order_input.py services/validation/translate.py services/validation/duplicates.py services/validation/suppliers.py services/validation/config.py services/posting/app.py services/posting/api.py services/posting/coding.py services/posting/setup.py services/posting/history.py services/posting/translate.py services/posting/exporter.py services/posting/learner.py services/posting/eventlog.py services/posting/learning services/posting/voucher.py services/posting/saft.py services/posting/connectors.py services/approval/app.py services/approval/api.py services/approval/translate.py services/approval/scheduler.py services/approval/index.py services/approval/inbox.py services/approval/mail_follower.py services/approval/unrouted.py services/approval/notices.py services/approval/config.py services/approval/case.py services/approval/flow.py services/approval/organisation.py services/approval/sod.py services/approval/reminders.py services/payment/pain001.py services/payment/schemas.py services/payment/bankfiles.py services/payment/reconcile.py services/payment/bank.py services/audit/projection.py services/payment/calendar.py services/payment/planning.py services/payment/discount.py services/payment/checks.py services/payment/setup.py services/payment/ledger.py services/payment/proposal.py services/payment/release.py services/payment/views.py services/payment/app.py services/payment/api.py services/payment/translate.py services/payment/worker.py services/payment/cli.py services/payment/config.py services/intake/preview.py services/portal/web services/portal/notify services/portal/api.py services/portal/visibility.py

test: install lint infra migrate ## lint, then the whole suite: unit, contract, integration, end-to-end, browser
	@$(VENV)/bin/pytest -ra

portal-demo: ## the demo tenant's organisation with e-mail addresses, so its people can log in (part of make run)
	@$(PY) -m services.portal.web.demo_people --port-base $(PORT_BASE)

magic-link: ## print the newest login link from the local mail folder (TO=address to choose)
	@$(PY) -m services.portal.web.newest_link $(if $(TO),--to $(TO))

screenshots: install infra migrate ## run the browser tests and keep their screenshots in docs/screenshots/
	@FP_SCREENSHOTS_DIR=docs/screenshots FP_E2E_PORT_BASE=$${FP_E2E_PORT_BASE:-18000} $(VENV)/bin/pytest -ra tests/browser

unit: venv
	@$(VENV)/bin/pytest -ra tests/unit tests/contract

clean: stop ## stop and delete local data (keeps caches)
	rm -rf .data
