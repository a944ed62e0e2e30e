"""Which work to do: the protocol (``protocol.py``), worker threads of this process
(``inprocess.py``) and procrastinate's task table for many machines (``procrastinate_queue.py``)."""
