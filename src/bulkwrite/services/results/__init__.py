"""A job's result file: drafted while the job runs, assembled from the store, opened for
download, expired."""
