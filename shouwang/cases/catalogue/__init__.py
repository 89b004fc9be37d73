"""The catalogues a county extends: risk types and measure types, and their seed rows."""
