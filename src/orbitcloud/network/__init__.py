"""Network: optical ISLs and link budgets, ground segment, snapshot graphs, routing, capacity."""
