"""Demo registry: a synthetic but realistic registry on the loaded villages, and synthetic personal data."""
