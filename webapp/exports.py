"""A project's saved candidates as a CSV download (the UI's and the API's export)."""

from __future__ import annotations

import csv
import io

from flask import Response

from talent.storage.access import RecruiterScope
from webapp.access import member_names
from webapp.database import db_session

CSV_COLUMNS = ("member_id", "name", "stage", "notes", "saved_at")


def project_csv(scope: RecruiterScope, project_id: int) -> Response:
    """The project's saved candidates as ``project-<id>.csv``; the export is audited and committed.

    Raises :class:`~talent.errors.NotFound` for a project outside the scope's contract.
    """
    project = scope.get_project(project_id)
    rows = scope.list_candidates(project_id)
    names = member_names([r.member_id for r in rows])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([r.member_id, names.get(r.member_id, ""), r.stage, r.notes,
                         r.created_at.isoformat()])
    scope.audit("project.export", "project", project.id, {"candidates": len(rows)})
    db_session().commit()
    disposition = f'attachment; filename="project-{project.id}.csv"'
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": disposition})
