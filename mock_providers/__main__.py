"""``python -m mock_providers``: the same as ``nextauth-conformance mocks``."""

import argparse
import sys

from .cli import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mock_providers", description="Local Google, Entra ID and Keycloak OpenID providers."
    )
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
