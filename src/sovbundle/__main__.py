"""``python -m sovbundle``: the same as the ``sovbundle`` command."""

import sys

from sovbundle.cli import main

if __name__ == "__main__":
    sys.exit(main())
