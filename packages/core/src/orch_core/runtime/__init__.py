"""One database: plan, lock, run scripts with `op`, record versions and history, write SQL."""
