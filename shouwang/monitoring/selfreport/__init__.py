"""Self-reports (农户自主申报): the public page without an account and the staff queue behind it."""
