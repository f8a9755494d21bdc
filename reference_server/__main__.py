"""`python -m reference_server`: the same as `nextauth-conformance serve`."""

import sys

from reference_server.cli import main

sys.exit(main())
