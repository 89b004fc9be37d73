"""The demo county lived through its years: the synthetic registry played through the real services."""
