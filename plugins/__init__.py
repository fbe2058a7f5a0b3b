"""Built-in Casusregie plugins, each registered through its own entry point."""
