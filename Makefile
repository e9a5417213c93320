# Incident Desk — set-up, run and test on a fresh Debian machine with Python 3.11+ and make.
#   make run    set everything up and start the app on the default database
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Shared libraries Qt needs at run time (offscreen too), the venv module, and PDF page rendering.
DEBIAN_PACKAGES := python3-venv libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 poppler-utils

.PHONY: run test lint system-deps clean

run: $(STAMP)
	$(BIN)/incident-desk

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check incident_desk tests benchmarks

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Installs missing Debian packages when it can (as root, or with sudo); otherwise says what to install.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi; \
	  if [ "$$SUDO" = none ]; then echo "Please install:$$missing (apt-get install$$missing)"; \
	  else echo "Installing system packages:$$missing"; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

clean:
	rm -rf $(VENV) build dist *.egg-info
