"""Assessment (考核评估): indicators, the county's weights, scorecards computed as jobs, their pages and API."""
