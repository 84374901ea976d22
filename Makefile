# The two set-up commands of the README. Each installs what it needs first.
#   make run    the web app and API on SQLite with the demo district, http://127.0.0.1:5000
#   make test   the whole test suite (SQLite; set READYGRID_TEST_DATABASE_URL for PostgreSQL):
#               one worker per CPU (pytest-xdist), then the `serial` tests in one process
#   make bench  inventory, allocation (and its operational figures), the incident page and
#               plan-PDF benchmarks
#               (installs PuLP)
.PHONY: run test bench lint

VENV := .venv/bin

run:
	@scripts/bootstrap
	@$(VENV)/readygrid db upgrade
	@$(VENV)/readygrid demo --if-empty
	@$(VENV)/readygrid serve --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

test:
	@scripts/bootstrap test
	@$(VENV)/python -m pytest -n auto --dist loadfile -m "not serial" $(PYTEST_ARGS)
	@$(VENV)/python -m pytest -p no:xdist -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench:
	@scripts/bootstrap bench
	@status=0; $(VENV)/python -m bench.inventory || status=1; \
	  $(VENV)/python -m bench.allocation || status=1; \
	  $(VENV)/python -m bench.operations || status=1; \
	  $(VENV)/python -m bench.incident_page || status=1; \
	  $(VENV)/python -m bench.plans || status=1; exit $$status

lint:
	@scripts/bootstrap
	@$(VENV)/ruff check app optimizer drills bench tests
	@$(VENV)/mypy optimizer drills

load: ; @scripts/bootstrap && $(VENV)/python -m bench.load $(LOAD_ARGS)
