"""Pipeline stages. Each module exposes ``run(doc, config)``."""
