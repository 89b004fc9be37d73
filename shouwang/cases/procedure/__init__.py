"""The declared procedures (identification, elimination): their engine, deadlines, time limits and queue,
opening a case, and the case's page that every action shows again."""
