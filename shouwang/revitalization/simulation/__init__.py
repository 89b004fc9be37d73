"""Simulation before adoption: a draft of lines, rule parameters and policies, counted against what is in force."""
