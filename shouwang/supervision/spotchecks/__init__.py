"""Spot checks (抽查): reproducible random samples of households and their verification results."""
