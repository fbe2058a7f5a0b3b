"""A plugin that cannot be imported: Casusregie must refuse to start and name it."""

raise ImportError("casus_voorbeeld.broken needs a library that is not installed")
