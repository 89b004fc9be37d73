"""Risk elimination: the criteria of policy.md §6.2, starting an elimination, rollback, re-identification."""
