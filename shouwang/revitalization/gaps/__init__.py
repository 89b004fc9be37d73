"""Policy gaps: eligible but not enrolled (应享未享) and enrolled but not eligible (应退未退)."""
