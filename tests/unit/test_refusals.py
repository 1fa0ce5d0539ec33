"""Refusals in two languages: the shared shape (`fakturaportal.http`) and that the services'
APIs refuse only through it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from fakturaportal.http import Refused, RefusingRoute

ROOT = Path(__file__).resolve().parents[2]
APIS = sorted(p for p in (ROOT / "services").glob("*/api.py") if p.parent.name != "portal")
"""Validation's flag routes are being written elsewhere; its other routes use `Refused` too."""


class Note(BaseModel):
    text: str


def client() -> TestClient:
    router = APIRouter(route_class=RefusingRoute)

    @router.get("/refuse")
    def refuse() -> None:
        raise Refused(409, "the run was cancelled", "Betalingsforslaget er kansellert.", code="x")

    @router.post("/note")
    def note(body: Note) -> dict[str, str]:
        return {"text": body.text}

    http = FastAPI()
    http.include_router(router)
    return TestClient(http)


def test_a_refusal_answers_both_texts_and_its_extras() -> None:
    answer = client().get("/refuse")
    assert answer.status_code == 409
    assert answer.json() == {
        "detail": "the run was cancelled",
        "reason_nb": "Betalingsforslaget er kansellert.",
        "code": "x",
    }


def test_a_body_the_model_refuses_keeps_fastapis_detail_and_adds_bokmal() -> None:
    answer = client().post("/note", json={"txt": "?"})
    assert answer.status_code == 422
    body = answer.json()
    assert isinstance(body["detail"], list) and body["detail"][0]["loc"] == ["body", "text"]
    assert body["reason_nb"].startswith("Ugyldige verdier i forespørselen: text:")


def test_outside_a_refusing_route_it_is_still_an_http_error_in_english() -> None:
    router = APIRouter()

    @router.get("/refuse")
    def refuse() -> None:
        raise Refused(404, "not found", "Fant ikke.")

    http = FastAPI()
    http.include_router(router)
    answer = TestClient(http).get("/refuse")
    assert (answer.status_code, answer.json()) == (404, {"detail": "not found"})


@pytest.mark.parametrize("api", APIS, ids=lambda p: p.parent.name)
def test_service_apis_refuse_in_both_languages(api: Path) -> None:
    """No bare HTTPException (English only), and every router renders `Refused`."""
    tree = ast.parse(api.read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    bare = [n.lineno for n in calls if getattr(n.func, "id", None) == "HTTPException"]
    assert bare == [], f"{api}: HTTPException on lines {bare}; raise Refused with reason_nb"
    routers = [n for n in calls if getattr(n.func, "id", None) == "APIRouter"]
    assert routers
    for router in routers:
        assert any(k.arg == "route_class" for k in router.keywords), f"{api}:{router.lineno}"
