"""Administration: upload and ingest documents, list them with validity, sync vacancies,
read the statistics."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from assistant.packages.casework import OUTCOME_LABELS, key_group_names
from assistant.server.auth import require
from assistant.server.deps import services
from assistant.server.errors import ApiError
from assistant.server.routes.handoffs import REASON_LABELS
from assistant.server.services import Services
from assistant.statistics import ServiceStatistics, service_statistics
from knowledge.policies.ingest import IngestItem, IngestReport
from knowledge.policies.loaders import SUPPORTED_SUFFIXES
from knowledge.policies.models import Audience, DocumentMetadata
from knowledge.regions import is_valid_region, region_name

__all__ = ["router"]

router = APIRouter(prefix="/v1/admin", tags=["管理"], dependencies=[Depends(require("admin"))])
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


class IngestOutcome(BaseModel):
    added: list[str]
    updated: list[str]
    metadata_updated: list[str]
    unchanged: list[str]
    problems: list[str]
    chunks_written: int

    @classmethod
    def of(cls, report: IngestReport) -> IngestOutcome:
        return cls(
            added=report.added,
            updated=report.updated,
            metadata_updated=report.metadata_updated,
            unchanged=report.unchanged,
            problems=[str(p) for p in report.problems],
            chunks_written=report.chunks_written,
        )


class DocumentView(BaseModel):
    id: str
    title: str
    doc_number: str | None
    region: str
    region_name: str | None
    audience: str
    valid_from: date | None
    valid_to: date | None
    superseded_by: str | None
    in_force: bool
    source: str


class SyncOutcome(BaseModel):
    feed: str
    status: str
    summary: str
    notes: list[str] = Field(default_factory=list, description="e.g. why nothing was removed")


def _safe_name(name: str) -> str:
    stem = _UNSAFE.sub("_", Path(name).name).strip("._") or "document"
    return stem[:120]


@router.post("/documents", response_model=IngestOutcome, summary="上传并导入政策文件")
async def upload_documents(
    svc: Annotated[Services, Depends(services)],
    files: Annotated[list[UploadFile], File(description="txt / md / html / docx / pdf")],
    region: Annotated[str, Form(description="6 位行政区划代码")] = "000000",
    title: Annotated[str | None, Form()] = None,
    doc_number: Annotated[str | None, Form()] = None,
    audience: Annotated[Audience, Form()] = "both",
    valid_from: Annotated[date | None, Form()] = None,
    valid_to: Annotated[date | None, Form()] = None,
    superseded_by: Annotated[str | None, Form()] = None,
) -> IngestOutcome:
    """Stores each file under the data directory and ingests it with the given metadata
    (a title given here applies when one file is uploaded)."""
    if not files:
        raise ApiError(422, "validation_error", "请至少上传一个文件")
    if not is_valid_region(region):
        raise ApiError(422, "validation_error", f"不认识的行政区划代码：{region}")
    folder = svc.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    items: list[IngestItem] = []
    for upload in files:
        name = _safe_name(upload.filename or "document")
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            allowed = " / ".join(sorted(SUPPORTED_SUFFIXES))
            raise ApiError(
                415, "unsupported_media_type", f"不支持的文件类型 {suffix}（可用：{allowed}）"
            )
        try:
            metadata = DocumentMetadata(
                title=title if len(files) == 1 else None,
                doc_number=doc_number,
                region=region,
                audience=audience,
                valid_from=valid_from,
                valid_to=valid_to,
                superseded_by=superseded_by,
            )
        except ValidationError as exc:
            message = "；".join(str(e.get("msg", "")) for e in exc.errors())
            raise ApiError(422, "validation_error", f"文件信息不正确：{message}") from exc
        # Written under a temporary name and renamed, so a failed upload leaves nothing.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False) as handle:
            handle.write(await upload.read())
        target = folder / name
        Path(handle.name).replace(target)
        items.append(IngestItem(target, f"upload:{name}", metadata=metadata))
    report = await run_in_threadpool(svc.knowledge.ingest_items, items)
    return IngestOutcome.of(report)


@router.get("/documents", response_model=list[DocumentView], summary="政策文件及有效期")
def documents(
    svc: Annotated[Services, Depends(services)], on_date: date | None = None
) -> list[DocumentView]:
    day = on_date or date.today()
    return [
        DocumentView(
            id=doc.id,
            title=doc.title,
            doc_number=doc.doc_number,
            region=doc.region,
            region_name=region_name(doc.region),
            audience=doc.audience,
            valid_from=doc.valid_from,
            valid_to=doc.valid_to,
            superseded_by=doc.superseded_by,
            in_force=doc.in_force_on(day),
            source=doc.source,
        )
        for doc in svc.knowledge.documents()
    ]


@router.post("/vacancies/sync", response_model=list[SyncOutcome], summary="立即同步岗位")
async def sync_vacancies(svc: Annotated[Services, Depends(services)]) -> list[SyncOutcome]:
    reports = await run_in_threadpool(svc.vacancy_sync.run_once)
    return [
        SyncOutcome(
            feed=report.source, status=report.status, summary=report.summary, notes=report.notes
        )
        for report in reports
    ]


class StatisticsView(ServiceStatistics):
    labels: dict[str, dict[str, str]] = Field(
        description="names to show for the codes counted: handoff_reasons, key_groups, outcomes"
    )


@router.get("/stats", response_model=StatisticsView, summary="服务统计")
def stats(svc: Annotated[Services, Depends(services)]) -> StatisticsView:
    """Turns, answers, hand-offs, feedback, and the service packages: issued (by key group),
    follow-ups asked and answered, and the packages' outcomes; with the names of the
    reasons, key groups and outcomes, so the page shows what the service calls them."""
    figures = service_statistics(svc.assistant.handoffs, svc.assistant.toolbox.packages)
    labels = {
        "handoff_reasons": REASON_LABELS,
        "key_groups": key_group_names(),
        "outcomes": {**OUTCOME_LABELS, "none": "尚未答复回访"},
    }
    return StatisticsView(**dict(figures), labels=labels)
