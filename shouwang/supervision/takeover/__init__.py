"""Taking over a county's records from the national system, and giving them back in its layout."""
