"""Who received which policy in which year (享受政策记录): from department feeds, assistance measures and by hand."""
