"""Job queues: which job to work on next. The durable truth lives in the store."""
