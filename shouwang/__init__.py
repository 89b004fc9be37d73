"""Shouwang (守望): a county's platform against return to poverty."""

import os

# polars allocates through its own jemalloc, which keeps freed pages for a second or more before
# handing them back: an import frees and allocates hundreds of megabytes a sheet at a time, and
# the kept pages were a fifth of a county import's peak memory. Hand them back after 0.3 s (at
# once costs about a sixth more CPU in polars; measured with bench/registry_import.py). Read by
# jemalloc when polars is first loaded, so it must be set before any module imports polars.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:300,muzzy_decay_ms:0")
