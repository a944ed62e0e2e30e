"""What runs jobs: the embedded worker (threads of the API process) and the distributed one
(procrastinate tasks on any machine)."""
