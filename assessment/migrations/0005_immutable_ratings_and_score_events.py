"""The database refuses updates and deletes of final ratings and of the append-only history
(score events, assessment events, moderation events): a trigger per table, on PostgreSQL
and on SQLite (the embedded default), so no code path, admin action or SQL session can
change them. TRUNCATE (test database resets) is not a row operation and is not affected."""

from django.db import migrations

IMMUTABLE_TABLES = (
    "assessment_rating",
    "assessment_scoreevent",
    "assessment_assessmentevent",
    "assessment_moderationevent",
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ea_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Rows of % are final and cannot be changed (%).', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)  # "%" is PL/pgSQL, not a parameter
        for table in IMMUTABLE_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ea_refuse_change();"
            )
    elif connection.vendor == "sqlite":
        for table in IMMUTABLE_TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, "
                    f"'Rows of {table} are final and cannot be changed ({operation}).'); END;"
                )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    for table in IMMUTABLE_TABLES:
        if connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
        elif connection.vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation};")
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ea_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("assessment", "0004_moderation")]

    operations = [migrations.RunPython(create, drop)]
