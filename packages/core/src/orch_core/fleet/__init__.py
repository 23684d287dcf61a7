"""Many databases: scope targets, schedule, run in threads and worker processes, summarise."""
