"""Dispatch (指挥调度): tasks and notices sent down to regions, and each recipient's answer."""
