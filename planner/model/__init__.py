"""The model: the scenario's objects, units and catalog, placement ("does it fit, and if
not, why; which instance ECS picks"), the compiled problem, and the plain wave model every
solver is checked against (ROLLOUT.md §2-§8)."""
