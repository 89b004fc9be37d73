"""Consistency rules over cases and the page listing the cases that break them."""
