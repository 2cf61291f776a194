"""Agents: the creation agent (prediction -> call) and the verification agent (call -> verdict)."""
