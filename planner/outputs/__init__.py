"""What planner writes: text for a terminal, HTML pages with charts, JUnit XML."""
