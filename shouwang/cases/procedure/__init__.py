"""The declared procedures (identification, elimination): their engine, deadlines, time limits and queue."""
