"""Department feeds (医保, 教育, 住建 …): feed types and columns, the two-phase import, its pages and API."""
