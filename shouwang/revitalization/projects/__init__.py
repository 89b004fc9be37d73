"""The project library (项目库): projects, their funds and disbursements, workflow and the households
they reach (联农带农)."""
