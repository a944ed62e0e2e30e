"""The job details of a job of several resources (contract section 12), at each stage."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bulkwrite.domain.identity import Org
from bulkwrite.domain.job import (
    Counts,
    FieldMapping,
    Job,
    JobSpec,
    JobStatus,
    Operation,
    ResourceProgress,
    ResourceSpec,
)
from bulkwrite.domain.modules import Module
from bulkwrite.services.details import render_details
from bulkwrite.store.serialize import spec_from_json, spec_to_json

LINK = FieldMapping("Parent_Id", 0, parent_column_index=2)
CHILD = ResourceSpec(
    "Deal_Items", "items.csv", (LINK,), 0, False, "utf-8", ",", module_id="111111000000000010"
)
SPEC = JobSpec(
    Operation.INSERT,
    "Deals",
    "111111000000000001",
    None,
    (FieldMapping("Deal_Name", 1),),
    False,
    False,
    "utf-8",
    ",",
    None,
    None,
    file_name="deals.csv",
    children=(
        CHILD,
        dataclasses.replace(
            CHILD, module="Reviewers", file_name="rev.csv", module_id="111111000000000011"
        ),
    ),
)
ORG = Org("111111000000000002", "Org", "111111000000000003", datetime(2026, 1, 1, tzinfo=UTC))
DEALS = Module("Deals", "111111000000000009", (), "Deal_Name")


def job(**changes: object) -> Job:
    base = Job(
        "111111000000000004",
        ORG.id,
        "111111000000000005",
        SPEC,
        JobStatus.INPROGRESS,
        datetime(2026, 12, 1, tzinfo=UTC),
        "deals.csv",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def resources(j: Job, version: str = "v8") -> list[dict[str, object]]:
    document = render_details(j, DEALS, None, ORG, "http://x", version)
    found: list[dict[str, object]] = document["resource"]
    return found


def test_a_spec_of_several_resources_round_trips_and_a_plain_one_is_unchanged() -> None:
    assert spec_from_json(spec_to_json(SPEC)) == SPEC
    plain = dataclasses.replace(SPEC, file_name=None, children=())
    assert "children" not in spec_to_json(plain) and "file_name" not in spec_to_json(plain)
    assert "parent_column_index" not in spec_to_json(plain)


def test_mid_child_the_parent_is_final_and_the_next_child_waits() -> None:
    done = ResourceProgress(0, 3, 7, Counts(6, 0, 1))
    got = resources(job(resource_no=1, resources_done=(done,), counts=Counts(2, 0, 0)))
    assert [(r["status"], r["code"]) for r in got] == [
        ("COMPLETED", "COMPLETED"),
        ("INPROGRESS", "INPROGRESS"),
        ("ADDED", "ADDED"),
    ]
    assert got[0]["file"] == {
        "status": "COMPLETED",
        "name": "deals.csv",
        "added_count": 6,
        "skipped_count": 1,
        "updated_count": 0,
        "total_count": 7,
    }
    assert got[1]["file"]["added_count"] == 2  # type: ignore[index]
    assert got[2]["file"] == {"status": "ADDED", "name": "rev.csv"}
    assert got[1]["module"] == {"api_name": "Deal_Items", "id": "111111000000000010"}
    assert got[1]["field_mappings"] == [  # echoed with parent_column_index (v2.1+)
        {**LINK.to_wire(), "parent_column_index": 2}
    ]


def test_a_failed_job_skips_the_resources_it_never_reached() -> None:
    done = ResourceProgress(0, 3, 7, Counts(7, 0, 0))
    failed = job(
        status=JobStatus.FAILED,
        resource_no=1,
        resources_done=(done,),
        error_code="INTERNAL_ERROR",
        error_message="boom",
    )
    got = resources(failed)
    assert [r["status"] for r in got] == ["COMPLETED", "FAILED", "SKIPPED"]
    assert "error" in got[1] and "error" not in got[0] and "error" not in got[2]


def test_an_added_job_shows_every_resource_added() -> None:
    got = resources(job(status=JobStatus.ADDED), "v2")
    assert [r["code"] for r in got] == ["ADDED"] * 3
    assert [r["module"] for r in got] == ["Deals", "Deal_Items", "Reviewers"]
