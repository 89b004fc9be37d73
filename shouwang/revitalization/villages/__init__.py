"""Village profiles (村情档案): categories, collective income, indicators, and the page gathering a village."""
