"""One module per group of orch commands; each has register(app)."""
