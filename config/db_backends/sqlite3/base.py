"""SQLite with a flush that respects the immutability triggers.

The policy version tables refuse DELETE through triggers (migrations 0002 and
0004 of policy_pages). Django's flush (used between transactional tests and by
`manage.py flush`) empties tables with DELETE on SQLite, so it drops the
DELETE triggers of the tables it empties, deletes, and creates them again from
their stored SQL, in the same transaction. PostgreSQL's flush uses TRUNCATE,
which row triggers do not see, so it needs nothing of the kind.
"""

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        triggers = self._delete_triggers(tables)
        if not statements or not triggers:
            return statements
        drops = [f"DROP TRIGGER IF EXISTS {self.quote_name(name)};" for name, _sql in triggers]
        return drops + statements + [f"{sql};" for _name, sql in triggers]

    def _delete_triggers(self, tables) -> list[tuple[str, str]]:
        if not tables:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND upper(sql) LIKE '%%BEFORE DELETE%%'"
            )
            rows = cursor.fetchall()
        wanted = set(tables)
        return [(name, sql) for name, table, sql in rows if table in wanted]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
