"""Field work: cadre visits (基层干部排查) and screening campaigns (集中排查) with their tasks."""
