"""The command line: every command answers --help, and bad input gives one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from incident_desk import __version__
from incident_desk.cli import main
from incident_desk.cli.parser import build_parser


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "incident_desk", *args], capture_output=True, text=True,
                          input=stdin, timeout=120, env={**os.environ, **(env or {})})


def _all_command_paths() -> list[list[str]]:
    import argparse

    paths: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    paths.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "(top)")
def test_every_command_has_help(path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: incident-desk")


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"incident-desk {__version__}"


def test_unknown_command_is_one_line_and_exit_2():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_url(capsys):
    assert main(["init", "--db", "nosuchdriver://x/y"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("incident-desk: error: ") and "nosuchdriver" in err
    assert err.count("\n") == 1


def test_unreachable_server_in_a_subprocess():
    # Port 9 on loopback: nothing listens there, so the connection is refused at once.
    result = run("users", "list", "--db", "postgresql+psycopg://nobody:pw@127.0.0.1:9/none")
    assert result.returncode == 1
    assert "Cannot connect to the PostgreSQL server at 127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_unwritable_folder(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["init", "--db", str(blocker / "sub" / "db.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert "Cannot create the folder" in err and "--db" in err


def test_unwritable_system_folder(capsys):
    assert main(["init", "--db", "/proc/incident-desk/db.sqlite3"]) == 1
    assert "Cannot create the folder /proc/incident-desk" in capsys.readouterr().err


def test_not_a_database_file(tmp_path, capsys):
    bad = tmp_path / "notes.sqlite3"
    bad.write_bytes(b"This is not a database, just some text. " * 100)
    assert main(["init", "--db", str(bad)]) == 1
    assert "file is not a database" in capsys.readouterr().err


def test_bad_numbers_are_refused(tmp_path, capsys):
    assert main(["demo", "--incidents", "-5", "--db", str(tmp_path / "x.sqlite3")]) == 1
    assert "--incidents must be between" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--incidents", "many"])
    assert exit_.value.code == 2


def test_init_creates_then_reports_up_to_date(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert main(["init", "--db", url]) == 0
    assert "Created a new database" in capsys.readouterr().out
    assert main(["init", "--db", url]) == 0
    assert "is up to date" in capsys.readouterr().out


def test_default_database_lives_in_the_data_folder(tmp_path):
    data = tmp_path / "data"
    result = run("init", env={"INCIDENT_DESK_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert (data / "incident-desk.sqlite3").exists()
    result = run("users", "list", env={"INCIDENT_DESK_DB": str(tmp_path / "other.sqlite3"),
                                       "INCIDENT_DESK_DATA_DIR": str(data)})
    assert result.returncode == 0 and (tmp_path / "other.sqlite3").exists()


@pytest.mark.usefixtures("db")
def test_demo_then_users_list(db_url, capsys):
    assert main(["demo", "--incidents", "300", "--seed", "7", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Added 300 demo incidents" in out and "demo-manager-pass" in out
    assert main(["users", "list", "--db", db_url]) == 0
    listing = capsys.readouterr().out
    for username in ("admin", "officer", "manager", "reporter"):
        assert f"\n{username} " in listing or listing.startswith(f"{username} ")


def test_users_add_passwd_and_errors(db_url, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "add", "newbie", "--name", "New Person", "--role", "officer", "--role", "manager",
                 "--password-stdin", "--db", db_url]) == 0
    assert "Created newbie (manager, officer)" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["users", "add", "other", "--name", "Other", "--role", "officer", "--password-stdin",
                 "--db", db_url]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("another long password\n"))
    assert main(["users", "add", "newbie", "--name", "Again", "--role", "officer", "--password-stdin",
                 "--db", db_url]) == 1
    assert "is taken" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    assert main(["users", "passwd", "newbie", "--password-stdin", "--db", db_url]) == 0
    assert main(["users", "passwd", "ghost", "--password-stdin", "--db", db_url]) == 1
    assert "No user named 'ghost'" in capsys.readouterr().err
    assert main(["users", "deactivate", "newbie", "--db", db_url]) == 0
    assert main(["users", "list", "--db", db_url]) == 0
    assert "inactive" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = run("--version")
    assert result.returncode == 0 and __version__ in result.stdout


