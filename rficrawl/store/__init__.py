"""MongoDB storage."""
