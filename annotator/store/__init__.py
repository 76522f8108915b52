"""SQLite storage of a project: schema, migrations, connection handling."""
