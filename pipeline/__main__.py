import gc
import sys

from pipeline.cli import main

# A build allocates hundreds of thousands of small records that live until it ends; the default
# thresholds scan them again and again (a fifth of a one-article publish). Collect rarely instead.
gc.set_threshold(100_000, 50, 100)
sys.exit(main())
