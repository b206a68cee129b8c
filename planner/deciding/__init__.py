"""What planner decides: ECS's own run (the scheduler), the verdict and its proofs, the
minimum fleet, fixes, percent settings, capacity tables and batches of scenarios."""
