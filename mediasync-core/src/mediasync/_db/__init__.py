"""The index database: schema, engine set-up, migrations and small repositories.

Private to core. Importing it pulls in SQLAlchemy, so the CLI imports it only inside commands
that touch the database.
"""
