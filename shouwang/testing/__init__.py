"""Helpers every part's tests share and no part's code imports (outside the layer order)."""
