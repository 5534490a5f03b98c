"""Assigned tasks (交办事项): the supervision workflow, follow-ups, lights and dispatch lists."""
