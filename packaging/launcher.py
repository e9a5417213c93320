"""Entry point of the bundled app: the same as the ``incident-desk`` command."""

from __future__ import annotations

import sys

from incident_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
