"""Warnings: the lifecycle from new to dismissed or escalated, the queue, counts and pages."""
