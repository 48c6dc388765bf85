"""``python -m sknn_scratch compare`` does what the ``sknn-scratch`` command does."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
