"""``python -m bench [--quick]``: run the benchmark suite and write ``bench/RESULTS.md``."""

import sys

from bench.run import main

if __name__ == "__main__":
    sys.exit(main())
