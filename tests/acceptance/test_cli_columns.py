"""No data lost in silence: headers matched loosely, every column not imported named, --strict,
rows with an empty --find-by value warned about (``bulkwrite import`` against a real server)."""

from __future__ import annotations

import uuid
from pathlib import Path

from bulkwrite.client import Client
from tests.acceptance.clitools import read_csv, run_cli, write_text
from tests.server import LiveServer


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def test_labels_api_names_odd_spellings_map_and_unmappable_columns_are_named(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    write_text(
        tmp_path / "people.csv",
        "Last Name,COMPANY,E-mail,first_name,Lead Source,Phone_Number,Favourite Colour\n"
        f"Lovelace,Engines,ada.{tag}@example.com,Ada,Trade Show,555-0100,green\n"
        f"Hopper,Navy,grace.{tag}@example.com,Grace,Web Research,555-0101,blue\n",
    )
    ran = run_cli("import", "people.csv", "-m", "Leads", cwd=tmp_path, server=shared_server)

    assert ran.code == 0, ran.stderr  # DECIDED: unmapped columns warn, they do not fail
    assert ran.summary["added"] == "2"
    assert _warnings(ran.stderr) == [
        "warning: column 'Phone_Number' is not imported (no field has this name); "
        "to import it: --map Phone_Number=Phone",
        "warning: column 'Favourite Colour' is not imported (no field has this name); "
        "to import it: --map 'Favourite Colour=FIELD'",
    ]
    _, rows = read_csv(tmp_path / "people.result.csv")
    with Client(shared_server.base_url, shared_server.token) as client:
        details = client.job(ran.summary["job"])
        ada = client.record("Leads", rows[0][4])
    assert details.resource["unmapped_columns"] == ["Phone_Number", "Favourite Colour"]
    assert (ada["Last_Name"], ada["Company"], ada["Email"], ada["First_Name"]) == (
        "Lovelace", "Engines", f"ada.{tag}@example.com", "Ada",
    )  # fmt: skip
    assert ada["Lead_Source"] == "Trade Show"
    assert ada["Phone"] is None


def test_strict_refuses_before_uploading_and_map_fixes_it(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    write_text(tmp_path / "x.csv", "Last Name,Company,Phone_Number,Notes\nX,Co,555,n\n")
    ran = run_cli("import", "x.csv", "-m", "Leads", "--strict", cwd=tmp_path, server=shared_server)
    assert ran.one_error_line() == (
        "error: --strict: 2 columns would not be imported: 'Phone_Number', 'Notes' "
        "(add --map Phone_Number=Phone --map Notes=FIELD)"
    )
    assert not (tmp_path / "x.result.csv").exists()

    maps = ["--map", "Last Name=Last_Name", "--map", "Company=Company"]
    maps += ["--map", "Phone_Number=Phone", "--map", "Notes=Description"]
    ran = run_cli(
        "import", "x.csv", "-m", "Leads", "--strict", *maps, cwd=tmp_path, server=shared_server
    )
    assert ran.code == 0, ran.stderr
    assert _warnings(ran.stderr) == []


def test_a_mandatory_field_left_unmapped_says_which_map_would_fix_it(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    write_text(tmp_path / "y.csv", "Surname,Company\nX,Co\n")
    ran = run_cli("import", "y.csv", "-m", "Leads", cwd=tmp_path, server=shared_server)
    assert ran.one_error_line() == (
        "error: MANDATORY_FIELDS_NOT_MAPPED: Mandatory fields are not mapped: Last_Name; "
        "map a column to each (--map Surname=Last_Name) or give a value "
        "(--default Last_Name=VALUE)"
    )


def test_rows_with_an_empty_find_by_value_are_warned_about(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    write_text(
        tmp_path / "keys.csv",
        f"Last_Name,Company,Email\nA,Co,a.{tag}@example.com\nB,Co,\nC,Co,  \n",
    )
    upsert = ["--operation", "upsert", "--find-by", "Email", "--quiet"]
    for run in (1, 2):
        ran = run_cli(
            "import", "keys.csv", "-m", "Leads", *upsert, cwd=tmp_path, server=shared_server
        )
        assert ran.code == 0, ran.stderr
        assert ran.summary["added"] == ("3" if run == 1 else "2"), run  # keyless rows again
        assert _warnings(ran.stderr) == [
            "warning: 2 rows have an empty Email (--find-by): upsert adds such a row as a new "
            "record, again each time the file is imported"
        ]
    update = ["--operation", "update", "--find-by", "Email", "--quiet"]
    ran = run_cli("import", "keys.csv", "-m", "Leads", *update, cwd=tmp_path, server=shared_server)
    assert ran.code == 1
    assert _warnings(ran.stderr) == [
        "warning: 2 rows have an empty Email (--find-by): update skips such a row "
        "(MANDATORY_NOT_FOUND)"
    ]
    _, rows = read_csv(tmp_path / "keys.result.csv")
    assert [r[-1] for r in rows] == ["", "MANDATORY_NOT_FOUND-Email", "MANDATORY_NOT_FOUND-Email"]


def test_a_profile_gives_server_token_and_module_and_flags_win(
    shared_server: LiveServer, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "bulkwrite" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'default_profile = "here"\n'
        f'[profiles.here]\nserver = "{shared_server.base_url}"\n'
        f'token = "{shared_server.token}"\nmodule = "Deals"\n'
        '[profiles.broken]\nserver = "http://127.0.0.1:9"\ntoken = "1000.x"\n'
    )
    write_text(tmp_path / "d.csv", "Deal_Name,Stage,Closing_Date\nP,Qualification,12/31/2026\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    ran = run_cli("import", "d.csv", "--quiet", cwd=tmp_path, env=env)
    assert ran.code == 0, ran.stderr
    assert ran.summary["added"] == "1"

    ran = run_cli("import", "d.csv", "--profile", "broken", cwd=tmp_path, env=env)
    assert (
        ran.one_error_line()
        == "error: --module is required (or a module in the profile: --profile)"
    )
    flags = ["--server", shared_server.base_url, "--token", shared_server.token, "-m", "Deals"]
    ran = run_cli("import", "d.csv", "--profile", "broken", "-q", *flags, cwd=tmp_path, env=env)
    assert ran.code == 0, ran.stderr
    env["BULKWRITE_URL"] = "http://127.0.0.1:9"
    ran = run_cli("jobs", "show", ran.summary["job"], cwd=tmp_path, env=env)
    assert (
        ran.one_error_line()
        == "error: cannot reach server at http://127.0.0.1:9 (connection failed)"
    )

    config.write_text('[profiles.here]\nserver = "x"\ntokn = "y"\n')
    ran = run_cli("import", "d.csv", "--profile", "here", cwd=tmp_path, env=env)
    assert ran.one_error_line() == (
        f"error: {config}: [profiles.here]: unknown key 'tokn' (known: module, server, token)"
    )
    ran = run_cli("import", "d.csv", "--profile", "nope", cwd=tmp_path, env=env)
    assert ran.one_error_line() == f"error: {config} has no profile 'nope' (profiles: here)"
