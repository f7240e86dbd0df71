"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assistant.server.deps import services
from assistant.server.services import Services

__all__ = ["router"]

router = APIRouter(tags=["运行状态"])


@router.get("/healthz", summary="进程存活")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="可以接待用户", responses={503: {"description": "not ready"}})
def readyz(svc: Annotated[Services, Depends(services)]) -> Response:
    """The database answers and the policy index is loaded. A vector store that does not
    answer leaves the service ready but ``degraded``: policy search runs on BM25 alone."""
    checks: dict[str, str] = {}
    try:
        with svc.knowledge.database.session() as session:
            session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason is reported
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        svc.knowledge.vectors.count()
        checks["vectors"] = "ok"
    except Exception as exc:
        checks["vectors"] = f"error: {type(exc).__name__}"
    checks["index"] = "ok" if svc.knowledge.index_loaded else "loading"
    ready = checks["database"] == "ok" and checks["index"] == "ok"
    status = "not_ready" if not ready else "ready" if checks["vectors"] == "ok" else "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus 指标", response_class=Response)
def metrics(svc: Annotated[Services, Depends(services)]) -> Response:
    counts = svc.assistant.handoffs.counts()
    for status in ("open", "claimed"):
        svc.metrics.handoff_queue.labels(status).set(counts[status])
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)
