import gc
import os
import sys

from pipeline.cli import main

# A build allocates hundreds of thousands of small records that live until it ends; the default
# thresholds scan them again and again (a fifth of a one-article publish). Collect rarely instead.
gc.set_threshold(100_000, 50, 100)
# Everything is written and closed when a command returns; what is left is freeing its records
# one by one, half a second after a cold build of 10,000 articles. The operating system does it
# at once: the command hands them over here, and the process ends without Python's clean-up.
kept: list[object] = []
code = main(keep=kept)
try:
    sys.stdout.flush()
    sys.stderr.flush()
except OSError:  # a closed pipe: the reader went away
    code = code or 1
os._exit(code)
