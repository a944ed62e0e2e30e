"""HTTP: FastAPI routers, the auth dependency and the error envelope."""
