"""Department screening (部门筛查预警): run every active rule over a year's households, as a job."""
