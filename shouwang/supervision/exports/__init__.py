"""Exports: the one registry and code path every downloadable list goes through, and its pages."""
