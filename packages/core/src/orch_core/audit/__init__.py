"""The audit trail: the closed list of event names and the structlog set-up that records them."""
