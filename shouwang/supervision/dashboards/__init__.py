"""Dashboards: pre-aggregated figures per village, their refresh, and the pages and API that read them."""
