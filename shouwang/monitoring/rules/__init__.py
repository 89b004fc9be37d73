"""Screening rules as data: the facts, the expression language and its compiler, the rule pages."""
