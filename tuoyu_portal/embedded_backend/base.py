"""PostgreSQL backend that connects to the project's embedded server, starting it on first use.

Starting lazily (on the first connection, not at settings import) keeps commands that never touch the
database fast, and lets a stopped or crashed server come back on the next connection.
"""

from tuoyu_portal import embedded_db
from tuoyu_portal.postgres_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        socket_dir, port = embedded_db.ensure_running(database=self.settings_dict["NAME"])
        params["host"] = socket_dir
        params["port"] = port
        return params
