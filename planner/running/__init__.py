"""How planner runs: the machine's cores, progress on a terminal, cells run side by side
locally or on a Dask cluster. The lowest layer: it knows nothing of ECS."""
