"""Telling a job's callback URL that the job ended."""
