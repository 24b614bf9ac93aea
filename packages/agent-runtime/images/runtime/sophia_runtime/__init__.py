"""The Sophia agent runtime: Agno agents generated from the category library's manifest, served by AgentOS."""
