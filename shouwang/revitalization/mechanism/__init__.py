"""The normalised mechanism (常态化防止返贫致贫机制): terms, standards, layers, the ex-poor label exit."""
