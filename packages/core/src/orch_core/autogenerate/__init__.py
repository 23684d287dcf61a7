"""Autogenerate: compare SQLAlchemy models with databases, render and write revision scripts."""
