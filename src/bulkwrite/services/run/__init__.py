"""The engine that runs a job: load its run, read and convert its chunks (on a thread or in a
converter process), stage and write each chunk in one transaction, split a job across workers."""
