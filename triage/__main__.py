import os
import sys

from triage.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # `python -m triage … | head`: the reader left; stop quietly, no traceback
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
