"""What planner reads: safe YAML, the scenario file's models and reader, ECS task
definitions, and AWS exports of a running cluster (file or live)."""
