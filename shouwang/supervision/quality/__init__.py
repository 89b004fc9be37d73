"""Data quality: rules over the registry and the cases, run as a job, and the findings to fix."""
