"""Households: the registry's households, members and yearly incomes, with their pages, API and change log."""
