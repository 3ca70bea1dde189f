"""python tools/csms --port 9000: the development central system with its console."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from csms.console import main  # noqa: E402

sys.exit(main())
