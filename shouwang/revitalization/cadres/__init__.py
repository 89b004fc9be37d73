"""The cadre and talent register: first secretaries, work teams, contacts, officials, talent, trainings."""
