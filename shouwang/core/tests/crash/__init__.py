"""Test-only Django app for the worker crash test (``test_worker_crash``): never installed by the
product's settings, only by :mod:`.settings`, which the test gives the worker it kills."""
