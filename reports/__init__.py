"""Confidential PDF reports: the case dossier and the conference agenda."""
