"""`python -m dancecore` runs the `dancecore` command."""
import sys

from dancecore.cli import main

sys.exit(main())
